import Foundation

// What a run tells people while it trains: one progress line per --log-every steps (refreshed
// in between on a terminal) and the matching JSON record.

extension Trainer {
    /// Loss, tokens and time of the steps since the last progress record.
    struct ProgressWindow {
        var loss = 0.0, tokens = 0, seconds = 0.0, steps = 0

        mutating func add(loss: Double, tokens: Int, seconds: Double) {
            self.loss += loss
            self.tokens += tokens
            self.seconds += seconds
            steps += 1
        }

        var lossPerToken: Double { loss / Double(max(tokens, 1)) }
        var tokensPerSecond: Double { Double(tokens) / max(seconds, 1e-9) }
    }

    /// `m:ss` (or `h:mm:ss`) for people.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    /// The progress line: where the run is, how it goes, and what comes next.
    func progressLine(_ window: ProgressWindow, learningRate: Float, epochs: Double, validating: Bool) -> String {
        var parts = [options.trainSteps > 0 ? "step \(state.step)/\(options.trainSteps)" : "step \(state.step)",
                     String(format: "epoch %.2f", epochs)]
        if options.maxTime > 0 { parts.append("\(Self.clock(state.trainingSeconds))/\(Self.clock(options.maxTime))") }
        parts.append(String(format: "loss %.3f  ppl %.1f  %.0f tok/s", window.lossPerToken,
                            exp(window.lossPerToken), window.tokensPerSecond))
        if validating {
            parts.append("validating on \(validation?.raw.count ?? 0) sentences…")
        } else if validation != nil {
            let stepSeconds = window.seconds / Double(max(window.steps, 1))
            let toValidation = options.validSteps - state.step % options.validSteps
            parts.append(String(format: "validation in %.0f s", Double(toValidation) * stepSeconds))
        }
        parts.append(String(format: "lr %.2e", learningRate))
        return parts.joined(separator: "  ")
    }

    func reportProgress(_ window: ProgressWindow, learningRate: Float, epochs: Double, validating: Bool) {
        log.progress(progressLine(window, learningRate: learningRate, epochs: epochs, validating: validating))
        log.record(["event": "train", "step": state.step, "epoch": state.epoch + 1, "epochs": epochs,
                    "loss": window.lossPerToken, "perplexity": exp(window.lossPerToken),
                    "target_tokens_per_second": window.tokensPerSecond, "learning_rate": Double(learningRate),
                    "seconds": state.trainingSeconds])
    }
}
