import ArgumentParser
import Foundation
import Training

/// Turns a training log into an SVG of training loss and validation BLEU against time.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the training curve (loss and validation BLEU against training time) as SVG.",
        discussion: """
            Open the SVG in a web browser.
            Example: fanyi-train plot runs/my-en-es/train.log.jsonl
            """)

    @Argument(help: "The JSON-lines log written by training.") var log: String
    @Option(help: "Output SVG file (default: the log's folder/curve.svg).") var svg: String?

    func run() throws {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else {
            throw TrainingError.io("\(log): cannot read the log (fanyi-train writes it as OUTPUT/train.log.jsonl)")
        }
        var loss: [(Double, Double, step: Int)] = [], bleu: [(Double, Double, step: Int)] = []
        var lastStep = 0
        for (number, line) in text.split(separator: "\n").enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw TrainingError.io("\(log):\(number + 1): not a JSON object; is this a train.log.jsonl written by fanyi-train?")
            }
            let seconds = object["seconds"] as? Double ?? 0
            let step = object["step"] as? Int ?? lastStep
            // A step count going back means a fresh run appended to an old log: plot the newest run.
            if step < lastStep || (step == lastStep && object["event"] as? String == "train") {
                loss = loss.filter { $0.step < step }
                bleu = bleu.filter { $0.step < step }
            }
            lastStep = step
            if object["event"] as? String == "train", let l = object["loss"] as? Double { loss.append((seconds / 60, l, step)) }
            if object["event"] as? String == "validation", let b = object["bleu"] as? Double { bleu.append((seconds / 60, b, step)) }
        }
        guard !loss.isEmpty || !bleu.isEmpty else {
            throw TrainingError.io("\(log) has no training or validation records yet (the first comes after --log-every steps, or at the end of the run)")
        }
        let path = svg ?? (URL(fileURLWithPath: log).deletingLastPathComponent().path + "/curve.svg")
        let title = URL(fileURLWithPath: log).deletingLastPathComponent().lastPathComponent
        try SVGChart.render(loss: loss.map { ($0.0, $0.1) }, bleu: bleu.map { ($0.0, $0.1) }, title: title)
            .write(toFile: path, atomically: true, encoding: .utf8)
        print(path)
    }
}

enum SVGChart {
    /// Two panels sharing the time axis: loss per token (top), validation BLEU (bottom).
    static func render(loss: [(Double, Double)], bleu: [(Double, Double)], title: String) -> String {
        let width = 720.0, panel = 200.0, left = 60.0, right = 20.0, top = 60.0, gap = 70.0
        // Runs stop a little after a round --max-time: ticks up to just below the end, the axis to the end.
        let end = (loss + bleu).map(\.0).max() ?? 1
        let xTicks = niceTicks(upTo: end * 0.98)
        let maxX = max(xTicks.last!, end)
        func x(_ v: Double) -> Double { left + v / maxX * (width - left - right) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(top + 2 * panel + gap + 50))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"\(left)\" y=\"22\" font-size=\"15\">\(escape(title))</text>\n"
        let lastLoss = loss.last.map { String(format: "last %.3f", $0.1) } ?? "no records"
        let bestBLEU = bleu.max { $0.1 < $1.1 }.map { String(format: "best %.2f at %.1f min", $0.1, $0.0) } ?? "no validations"
        let panels = [("training loss per token (\(lastLoss))", loss, "#1f77b4"), ("validation BLEU (\(bestBLEU))", bleu, "#d62728")]
        for (index, (name, points, color)) in panels.enumerated() {
            let y0 = top + Double(index) * (panel + gap)
            let yTicks = niceTicks(upTo: points.map(\.1).max() ?? 1)
            let hi = yTicks.last!
            func y(_ v: Double) -> Double { y0 + panel - v / hi * panel }
            svg += "<text x=\"\(left)\" y=\"\(y0 - 8)\">\(escape(name))</text>\n"
            for v in yTicks {
                svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(v))\" y2=\"\(y(v))\" stroke=\"#eee\"/>\n"
                svg += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(label(v))</text>\n"
            }
            svg += "<rect x=\"\(left)\" y=\"\(y0)\" width=\"\(width - left - right)\" height=\"\(panel)\" fill=\"none\" stroke=\"#999\"/>\n"
            let path = points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
            if !points.isEmpty {
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
                // Validation points always; loss points when there are few (a short run's one or two).
                for p in points where index == 1 || points.count <= 30 {
                    svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>\n", x(p.0), y(p.1), color)
                }
            }
        }
        let axisY = top + 2 * panel + gap + 18
        for v in xTicks {
            svg += "<text x=\"\(x(v))\" y=\"\(axisY)\" text-anchor=\"middle\">\(label(v))</text>\n"
        }
        svg += "<text x=\"\((width + left - right) / 2)\" y=\"\(axisY + 18)\" text-anchor=\"middle\">minutes of training</text>\n</svg>\n"
        return svg
    }

    /// Round tick values from 0 to the first tick at or above `maximum`: 4 to 8 steps of
    /// 1, 2 or 5 times a power of ten.
    static func niceTicks(upTo maximum: Double) -> [Double] {
        let top = maximum > 0 && maximum.isFinite ? maximum : 1
        let magnitude = pow(10, floor(log10(top / 5)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { top / $0 <= 8 }!
        let count = Int((top / step - 1e-9).rounded(.up))
        return (0...max(count, 1)).map { Double($0) * step }
    }

    /// A tick value without trailing zeros: 0, 2.5, 10.
    static func label(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", (value * 1000).rounded() / 1000)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
