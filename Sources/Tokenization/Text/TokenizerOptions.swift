/// Unicode normalization applied before segmentation.
public enum Normalization: String, CaseIterable, Sendable, Codable {
    /// Canonical composition: changes no rendered character, so output stays comparable with
    /// raw references.
    case nfc
    /// Compatibility composition: also folds fullwidth forms, ligatures, superscripts and the like.
    case nfkc
    /// The text as it is.
    case none
}

/// How the text of one language is prepared and segmented.
public struct TokenizerOptions: Equatable, Hashable, Sendable, Codable {
    /// The language code (BCP 47, e.g. "en", "zh", "tr"); it selects locale-aware lowercasing.
    public var language: String
    public var normalization: Normalization
    /// Lowercase with the language's rules (Turkish dotless i, Greek final sigma).
    public var lowercase: Bool

    /// Options for `language`, with that language's default normalization unless one is given.
    public init(language: String, normalization: Normalization? = nil, lowercase: Bool = false) {
        self.language = language
        self.normalization = normalization ?? Self.defaultNormalization(for: language)
        self.lowercase = lowercase
    }

    /// The default normalization of a language: NFC for every language shipped so far.
    ///
    /// Why not NFKC: it rewrites text that references keep. Chinese, Japanese and Korean text
    /// uses fullwidth punctuation (`，` `：` `？`, in 26,141 of the 27,272 lines of the Chinese
    /// Bible corpus), which NFKC turns into ASCII; Spanish `º`/`ª` would become `o`/`a`, English
    /// `™` `½` `…` would become `TM` `1⁄2` `...`. A model trained on NFKC text therefore writes
    /// output that scores worse against raw references. NFKC stays available per side (useful
    /// for a source side with noisy fullwidth or ligature input).
    public static func defaultNormalization(for language: String) -> Normalization {
        switch baseLanguage(language) {
        default: return .nfc
        }
    }

    /// The primary language subtag: "zh-Hans" → "zh", "pt_BR" → "pt".
    static func baseLanguage(_ code: String) -> String {
        String(code.lowercased().prefix { $0 != "-" && $0 != "_" })
    }
}
