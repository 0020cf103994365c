import CICU

/// Writing systems of text and of languages (ICU's script data and CLDR's likely subtags), to
/// tell whether a text can be in a model's source language.
public enum Scripts {
    /// The ISO 15924 code of the script most of the text's letters are written in ("Latn",
    /// "Hani", "Cyrl"), or nil when it has no letters of any script (digits, punctuation).
    public static func dominant(in text: String) -> String? {
        var counts: [Int32: Int] = [:]
        for scalar in text.unicodeScalars {
            let script = fanyi_icu_script(scalar.value)
            // Common (punctuation, digits) and Inherited (combining marks) belong to no script.
            if script > 1 { counts[script, default: 0] += 1 }
        }
        guard let top = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else { return nil }
        return String(cString: fanyi_icu_script_code(top.key))
    }

    /// The scripts a language is usually written in: "en" → ["Latn"], "zh" → ["Hani"],
    /// "ja" → ["Hani", "Hira", "Kana"]; empty when ICU knows no script for the language.
    public static func scripts(ofLanguage language: String) -> Set<String> {
        var buffer = [CChar](repeating: 0, count: 16)
        let length = language.withCString { fanyi_icu_likely_script($0, &buffer, Int32(buffer.count)) }
        guard length > 0 else { return [] }
        let code = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch code {
        case "Hans", "Hant": return ["Hani"]
        case "Jpan": return ["Hani", "Hira", "Kana"]
        case "Kore": return ["Hang", "Hani"]
        default: return [code]
        }
    }

    /// Whether the text's letters are written in a script of `language`: nil when that cannot be
    /// told (no letters, or a language ICU knows no script for).
    public static func text(_ text: String, fits language: String) -> Bool? {
        let expected = scripts(ofLanguage: language)
        guard !expected.isEmpty, let found = dominant(in: text) else { return nil }
        return expected.contains(found)
    }
}
