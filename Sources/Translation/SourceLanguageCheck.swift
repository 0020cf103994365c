import Seq2Seq
import Tokenization

/// Warns once when input is not in the model's source language: written in a script the language
/// does not use (Han text into an English→Chinese model), or in the right script but, as CLD2 is
/// sure, another language (German into an English model). It names the model for the text's
/// language when one sits beside it: such input otherwise comes back as confident garbage.
public struct SourceLanguageCheck {
    public let sourceLanguage: String
    public let modelFile: String
    private var warned = false
    /// CLD2's share of the text a language must hold, with CLD2 calling its answer reliable.
    static let sureShare = 80

    public init(sourceLanguage: String, modelFile: String) {
        self.sourceLanguage = sourceLanguage
        self.modelFile = modelFile
    }

    /// The warning for `text` (line `line`, counted from 1), the first time a text does not fit; nil otherwise.
    public mutating func check(_ text: String, line: Int) -> String? {
        guard !warned else { return nil }
        if Scripts.text(text, fits: sourceLanguage) == false, let script = Scripts.dominant(in: text) {
            warned = true
            let expected = Scripts.scripts(ofLanguage: sourceLanguage).sorted().joined(separator: "/")
            var message = "line \(line) is written in \(Self.scriptName(script)) script, but \(modelFile) translates from \(sourceLanguage) (\(expected)): its translation will be nonsense"
            // A model for the language the text is in, towards the target or back.
            if let other = ModelDirectory.model(besides: modelFile, where: { source, _ in Scripts.scripts(ofLanguage: source).contains(script) }) {
                message += "; \(other.file) translates \(other.source) → \(other.target)"
            }
            return message
        }
        let (guesses, reliable) = LanguageIdentifier.identify(text)
        guard reliable, let best = guesses.first, best.percent >= Self.sureShare, best.language != sourceLanguage,
              !guesses.contains(where: { $0.language == sourceLanguage }) else { return nil }
        warned = true
        var message = "line \(line) looks like \(best.language) (CLD2: \(best.percent) %), but \(modelFile) translates from \(sourceLanguage): its translation will be nonsense"
        if let other = ModelDirectory.model(besides: modelFile, where: { source, _ in source == best.language }) {
            message += "; \(other.file) translates \(other.source) → \(other.target)"
        }
        return message
    }

    static func scriptName(_ code: String) -> String {
        ["Hani": "Han (Chinese)", "Latn": "Latin", "Cyrl": "Cyrillic", "Arab": "Arabic", "Hang": "Hangul", "Hira": "Hiragana",
         "Kana": "Katakana", "Grek": "Greek", "Hebr": "Hebrew", "Thai": "Thai", "Deva": "Devanagari"][code] ?? code
    }
}
