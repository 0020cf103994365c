import Foundation

/// The manifest of a built vocabulary set, `vocab/<name>.json`: which tokenizer options, BPE
/// merges and vocabulary file belong to each language. Paths are relative to the manifest.
///
/// Training reads it so that text is prepared exactly as it was when the vocabulary was built.
public struct VocabularySet: Codable, Equatable, Sendable {
    public static let formatName = "fanyi-vocab/1"

    public struct Side: Codable, Equatable, Sendable {
        public var tokenizer: TokenizerOptions
        /// The merges file, or nil for a word-level vocabulary.
        public var bpe: String?
        public var vocabulary: String

        public init(tokenizer: TokenizerOptions, bpe: String?, vocabulary: String) {
            self.tokenizer = tokenizer
            self.bpe = bpe
            self.vocabulary = vocabulary
        }
    }

    public var format: String = Self.formatName
    /// Languages in the order given when building (source first for a pair).
    public var languages: [String]
    public var sides: [String: Side]
    public var mergeCount: Int
    public var jointBPE: Bool
    /// The command line that built the set, for the record.
    public var command: String

    public init(languages: [String], sides: [String: Side], mergeCount: Int, jointBPE: Bool, command: String) {
        self.languages = languages
        self.sides = sides
        self.mergeCount = mergeCount
        self.jointBPE = jointBPE
        self.command = command
    }

    /// Reads and checks a manifest; relative paths inside are resolved against its folder.
    public static func load(_ path: String) throws(TokenizationError) -> (set: VocabularySet, folder: String) {
        (try parse(TextFile.read(path), file: path), (path as NSString).deletingLastPathComponent)
    }

    /// Parses and checks a manifest's text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(TokenizationError) -> VocabularySet {
        let set: VocabularySet
        do {
            set = try JSONDecoder().decode(VocabularySet.self, from: Data(text.utf8))
        } catch {
            throw .malformed(file: file, line: 1, reason: "not a Fanyi vocabulary manifest, which fanyi-vocab build writes as OUTPUT.json (\(error))")
        }
        guard set.format == formatName else {
            throw .malformed(file: file, line: 1, reason: "format '\(set.format)' is not \(formatName)")
        }
        for language in set.languages where set.sides[language] == nil {
            throw .malformed(file: file, line: 1, reason: "language '\(language)' has no entry in 'sides'")
        }
        return set
    }

    /// `file` (a path from a manifest) as seen from the current directory, given the folder
    /// `load` returned.
    public static func resolve(_ file: String, in folder: String) -> String {
        folder.isEmpty || file.hasPrefix("/") ? file : folder + "/" + file
    }

    public func write(to path: String) throws(TokenizationError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(self) } catch {
            throw .io(file: path, reason: "cannot encode the manifest: \(error)")
        }
        try TextFile.write(String(decoding: data, as: UTF8.self) + "\n", to: path)
    }
}
