import CLanguageID

/// Which language a text is in, by CLD2 (Chrome's identifier; chosen over libexttextcat by
/// measurement, docs/performance.md "Language identification").
///
/// CLD2 is asked for a best-effort answer, so that one- to five-word strings get one too; how often
/// that answer is right, per language and length, is in the measurement.
public enum LanguageIdentifier {
    /// One candidate language: its code (ISO 639-1, e.g. "en", "zh"; a script subtag is dropped)
    /// and the share of the text CLD2 gave it, 0–100.
    public struct Guess: Sendable, Equatable {
        public var language: String
        public var percent: Int
    }

    /// Up to three languages of `text`, best first; empty when CLD2 finds none (no letters).
    public static func identify(_ text: String) -> (guesses: [Guess], reliable: Bool) {
        var guesses = [fanyi_language_guess](repeating: fanyi_language_guess(), count: 3)
        var reliable: Int32 = 0
        let found = text.utf8CString.withUnsafeBufferPointer { buffer in
            // The terminating NUL is not part of the text.
            fanyi_identify_language(buffer.baseAddress, Int32(buffer.count - 1), &guesses, &reliable)
        }
        var result: [Guess] = []
        for guess in guesses.prefix(Int(found)) {
            let code = withUnsafeBytes(of: guess.code) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            let language = String(code.split(separator: "-").first ?? Substring(code))
            // "zh" and "zh-Hant" are one language to a caller that knows codes.
            if let i = result.firstIndex(where: { $0.language == language }) {
                result[i].percent += Int(guess.percent)
            } else {
                result.append(Guess(language: language, percent: Int(guess.percent)))
            }
        }
        return (result, reliable != 0)
    }
}
