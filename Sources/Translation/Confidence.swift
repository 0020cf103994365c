import Foundation
import Tokenization

/// How sure the model was of a translation, from the probabilities it gave its own output.
extension Translation {
    /// The geometric mean of the probabilities of the output's tokens and `</s>`:
    /// exp(log P / (|Y| + 1)), between 0 and 1; 1 for an output with nothing to score (an empty line).
    ///
    /// It is the length-normalised log-probability mapped to 0–1, not calibrated against a quality
    /// measure: it ranks translations (its Spearman correlation with sentence chrF is in
    /// docs/performance.md), it is not a probability of being right.
    public var confidence: Double {
        let scores = tokenLogProbabilities + (endLogProbability.map { [$0] } ?? [])
        guard !scores.isEmpty else { return 1 }
        return exp(scores.reduce(0) { $0 + Double($1) } / Double(scores.count))
    }

    /// The output's words (subword pieces joined) with the probability of their least likely piece.
    public var words: [WordConfidence] {
        var words: [WordConfidence] = []
        var current: [String] = [], lowest = Float.infinity
        func flush() {
            if !current.isEmpty { words.append(WordConfidence(text: Tokenizer.detokenize(current), confidence: exp(Double(lowest)))) }
            (current, lowest) = ([], .infinity)
        }
        for (i, piece) in pieces.enumerated() where !Vocabulary.specials.contains(piece) {
            if let last = current.last, !MarkupPlacement.isInsideWord(last, piece) { flush() }
            current.append(piece)
            lowest = min(lowest, i < tokenLogProbabilities.count ? tokenLogProbabilities[i] : 0)
        }
        flush()
        return words
    }
}

/// A word of a translation and the probability of its least likely subword piece.
public struct WordConfidence: Sendable, Equatable, Codable {
    public var text: String
    public var confidence: Double
}
