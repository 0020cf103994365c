import Foundation

/// Text ↔ ids for one language: tokenizer, BPE merges, vocabulary.
public final class TextSide {
    public let options: TokenizerOptions
    public let merges: BPEMerges
    public let vocabulary: Vocabulary
    private let tokenizer: Tokenizer
    private let bpe: BPE

    public init(options: TokenizerOptions, merges: BPEMerges, vocabulary: Vocabulary) throws {
        self.options = options
        self.merges = merges
        self.vocabulary = vocabulary
        tokenizer = try Tokenizer(options: options)
        bpe = BPE(merges: merges)
    }

    /// The subword pieces of `text`.
    public func pieces(_ text: String) throws -> [String] {
        bpe.apply(try tokenizer.tokenize(text))
    }

    public func ids(_ text: String) throws -> [Int32] {
        vocabulary.ids(try pieces(text))
    }

    /// Text from ids: pieces joined and detokenized (special ids are dropped).
    public func text(_ ids: [Int32]) -> String {
        Tokenizer.detokenize(ids.filter { $0 >= Vocabulary.specials.count }.map { vocabulary.token(Int($0)) })
    }
}

/// Both sides of a language pair, loaded from a vocabulary manifest (`fanyi-vocab build`).
public struct TextPipeline: @unchecked Sendable {
    public let sourceLanguage: String
    public let targetLanguage: String
    public let source: TextSide
    public let target: TextSide

    /// Loads the sides of `sourceLanguage` and `targetLanguage` from a manifest.
    public init(manifest path: String, sourceLanguage: String, targetLanguage: String) throws {
        let (set, folder) = try VocabularySet.load(path)
        func side(_ language: String) throws -> TextSide {
            guard let side = set.sides[language] else {
                throw TokenizationError.io(file: path, reason: "has no language '\(language)', only \(set.languages.joined(separator: " and ")); "
                    + "build a set for \(sourceLanguage)–\(targetLanguage) with fanyi-vocab build, or leave out --vocab to build one while training")
            }
            let merges = try side.bpe.map { try BPEMerges(contentsOf: VocabularySet.resolve($0, in: folder)) } ?? BPEMerges()
            let vocabulary = try Vocabulary(contentsOf: VocabularySet.resolve(side.vocabulary, in: folder))
            return try TextSide(options: side.tokenizer, merges: merges, vocabulary: vocabulary)
        }
        self.init(sourceLanguage: sourceLanguage, targetLanguage: targetLanguage,
                  source: try side(sourceLanguage), target: try side(targetLanguage))
    }

    public init(sourceLanguage: String, targetLanguage: String, source: TextSide, target: TextSide) {
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
        self.source = source
        self.target = target
    }

    // MARK: - In the model file

    /// Metadata entries that let a translator rebuild this pipeline from the model file alone.
    public var metadata: [String: String] {
        func json(_ options: TokenizerOptions) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try! encoder.encode(options), as: UTF8.self)
        }
        return [
            "source.language": sourceLanguage, "target.language": targetLanguage,
            "source.tokenizer": json(source.options), "target.tokenizer": json(target.options),
            "source.bpe": source.merges.serialized(), "target.bpe": target.merges.serialized(),
            "source.vocabulary": source.vocabulary.serialized(), "target.vocabulary": target.vocabulary.serialized(),
        ]
    }

    /// Rebuilds the pipeline from a model file's metadata; `file` names it in errors.
    public init(metadata: [String: String], file: String) throws {
        func entry(_ key: String) throws -> String {
            guard let value = metadata[key] else {
                throw TokenizationError.io(file: file, reason: "no '\(key)' entry in the model's metadata: a bare network without vocabularies; use a model written by fanyi-train (OUTPUT/model.safetensors) or fanyi-train export")
            }
            return value
        }
        func side(_ prefix: String) throws -> TextSide {
            let options = try JSONDecoder().decode(TokenizerOptions.self, from: Data(try entry("\(prefix).tokenizer").utf8))
            return try TextSide(
                options: options, merges: try BPEMerges(parsing: try entry("\(prefix).bpe"), file: "\(file) (\(prefix).bpe)"),
                vocabulary: try Vocabulary(parsing: try entry("\(prefix).vocabulary"), file: "\(file) (\(prefix).vocabulary)"))
        }
        self.init(sourceLanguage: try entry("source.language"), targetLanguage: try entry("target.language"),
                  source: try side("source"), target: try side("target"))
    }
}
