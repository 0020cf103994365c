import Foundation

/// The text forms of translations that `fanyi-translate` prints.
public enum OutputFormat {
    /// One line per translation: the text, then with `scores` a tab and the score, then with
    /// `alignment` ` ||| ` and source-target piece pairs (`0-0 1-2 …`, Marian's hard alignment).
    public static func line(_ t: Translation, scores: Bool, alignment: Bool) -> String {
        var line = t.text
        if scores { line += "\t" + formatScore(t.score) }
        if alignment { line += " ||| " + t.alignment.enumerated().map { "\($0.element)-\($0.offset)" }.joined(separator: " ") }
        return line
    }

    /// n-best lines in Marian's form: `INDEX ||| TEXT ||| SCORE`, INDEX the 0-based input line.
    public static func nBest(_ translations: [Translation], index: Int) -> [String] {
        translations.map { "\(index) ||| \($0.text) ||| \(formatScore($0.score))" }
    }

    /// One JSON object per input line (JSON Lines): the best translation with its score,
    /// confidence, words with their confidences, source–target piece alignment and how its markup
    /// was placed, and the other n-best translations under `alternatives`.
    public static func jsonLine(_ translations: [Translation], source: String, index: Int) -> String {
        struct Alternative: Encodable {
            var translation: String
            var score: Double
            var confidence: Double
        }
        struct Record: Encodable {
            var index: Int
            var source: String
            var translation: String
            var score: Double
            var confidence: Double
            /// With a calibrated model: the probability that the translation is good.
            var calibratedConfidence: Double?
            var words: [WordConfidence]
            var alignment: [[Int]]
            var markup: String
            var alternatives: [Alternative]?
        }
        func rounded(_ x: Double) -> Double { x.isFinite ? (x * 10_000).rounded() / 10_000 : 0 }
        let best = translations.first ?? Translation(text: "", score: 0, pieces: [], sourcePieces: [], alignment: [], attention: [])
        let record = Record(
            index: index, source: source, translation: best.text, score: rounded(best.score), confidence: rounded(best.confidence),
            calibratedConfidence: best.calibratedConfidence.map(rounded),
            words: best.words.map { WordConfidence(text: $0.text, confidence: rounded($0.confidence)) },
            alignment: best.alignment.enumerated().map { [$0.element, $0.offset] }, markup: best.markup.rawValue,
            alternatives: translations.count > 1
                ? translations.dropFirst().map { Alternative(translation: $0.text, score: rounded($0.score), confidence: rounded($0.confidence)) } : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(record), as: UTF8.self)
    }

    static func formatScore(_ score: Double) -> String {
        score.isFinite ? String(format: "%.6f", score) : "\(score)"
    }
}
