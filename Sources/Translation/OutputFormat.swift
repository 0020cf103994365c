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

    static func formatScore(_ score: Double) -> String {
        score.isFinite ? String(format: "%.6f", score) : "\(score)"
    }
}
