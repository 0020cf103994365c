import Seq2Seq
import Tokenization

/// Warns once when input is written in a script the model's source language does not use (Han
/// text into an English→Chinese model), naming the model for the other direction when one sits
/// beside it: such input otherwise comes back as confident garbage.
public struct ScriptCheck {
    public let sourceLanguage: String
    public let modelFile: String
    private var warned = false

    public init(sourceLanguage: String, modelFile: String) {
        self.sourceLanguage = sourceLanguage
        self.modelFile = modelFile
    }

    /// The warning for `text` (line `line`, counted from 1), the first time a text does not fit; nil otherwise.
    public mutating func check(_ text: String, line: Int) -> String? {
        guard !warned, Scripts.text(text, fits: sourceLanguage) == false, let script = Scripts.dominant(in: text) else { return nil }
        warned = true
        let expected = Scripts.scripts(ofLanguage: sourceLanguage).sorted().joined(separator: "/")
        var message = "line \(line) is written in \(Self.scriptName(script)) script, but \(modelFile) translates from \(sourceLanguage) (\(expected)): its translation will be nonsense"
        // A model for the language the text is in, towards the target or back.
        if let other = ModelDirectory.model(besides: modelFile, where: { source, _ in Scripts.scripts(ofLanguage: source).contains(script) }) {
            message += "; \(other.file) translates \(other.source) → \(other.target)"
        }
        return message
    }

    static func scriptName(_ code: String) -> String {
        ["Hani": "Han (Chinese)", "Latn": "Latin", "Cyrl": "Cyrillic", "Arab": "Arabic", "Hang": "Hangul", "Hira": "Hiragana",
         "Kana": "Katakana", "Grek": "Greek", "Hebr": "Hebrew", "Thai": "Thai", "Deva": "Devanagari"][code] ?? code
    }
}
