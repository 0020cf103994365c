import Foundation
import Seq2Seq
import Tensor
import Tokenization

/// Text in, text out: tokenize, BPE, encode, beam search, join subwords, detokenize.
///
/// ```swift
/// let translator = try Translator(modelFile: "models/en-zh.safetensors")
/// print(try translator.translate("Select the cell range."))
/// ```
///
/// One `Translator` is not thread-safe (it owns search buffers); make one per thread.
public final class Translator {
    public let model: Seq2SeqModel
    public let pipeline: TextPipeline
    public var options: TranslationOptions
    /// The model file's lexical shortlist, if it has one (`fanyi-train export --shortlist`).
    public let shortlist: Shortlist?
    private let beamSearch: BeamSearch

    /// Loads a model file written by `fanyi-train` (it carries vocabularies, merges and tokenizer options).
    public convenience init(modelFile: String, options: TranslationOptions = TranslationOptions()) throws {
        let (model, metadata) = try ModelFile.load(modelFile)
        let pipeline = try TextPipeline(metadata: metadata, file: modelFile)
        guard pipeline.source.vocabulary.count == model.config.sourceVocabularySize,
              pipeline.target.vocabulary.count == model.config.targetVocabularySize else {
            throw ModelFileError.malformed(file: modelFile, reason: "the vocabularies in the metadata do not match the model's sizes")
        }
        // Read only when it will be used, so that --no-shortlist gets past a damaged one.
        let shortlist = try (options.useShortlist ? metadata[Shortlist.metadataKey] : nil).map {
            try Shortlist(parsing: $0, sourceVocabularySize: model.config.sourceVocabularySize,
                          targetVocabularySize: model.config.targetVocabularySize, name: modelFile)
        }
        self.init(model: model, pipeline: pipeline, options: options, shortlist: shortlist)
    }

    public init(model: Seq2SeqModel, pipeline: TextPipeline, options: TranslationOptions = TranslationOptions(),
                shortlist: Shortlist? = nil) {
        self.model = model
        self.pipeline = pipeline
        self.options = options
        self.shortlist = shortlist
        beamSearch = BeamSearch(model: model)
    }

    /// The best translation of one line.
    public func translate(_ text: String) throws -> String {
        try translate([text])[0].first?.text ?? ""
    }

    /// The n-best translations of each line, in input order (an empty line gives one empty result).
    public func translate(_ texts: [String]) throws -> [[Translation]] {
        var pieces: [[String]] = []
        var ids: [[Int32]] = []
        for text in texts {
            // Spaces around a line are layout, not text: a model would see them as escaped
            // whitespace tokens it never learned to translate (a blank line gives an empty one).
            var p = try pipeline.source.pieces(text.trimmingCharacters(in: .whitespaces))
            if p.count > options.maxSourceLength { p = Array(p.prefix(options.maxSourceLength)) }
            pieces.append(p)
            ids.append(pipeline.source.vocabulary.ids(p))
        }
        var results = pieces.map { [Translation(text: "", score: 0, pieces: [], sourcePieces: $0, alignment: [], attention: [])] }
        // Similar lengths together: less padding, and finished batches shrink evenly.
        let order = ids.indices.filter { !ids[$0].isEmpty }.sorted { ids[$0].count < ids[$1].count }
        var search = options.search
        if options.useShortlist && search.shortlist == nil { search.shortlist = shortlist }
        var start = 0
        while start < order.count {
            let chunk = Array(order[start..<min(order.count, start + options.batchSize)])
            let found = beamSearch.search(chunk.map { ids[$0] }, options: search)
            for (index, hypotheses) in zip(chunk, found) where !hypotheses.isEmpty {
                results[index] = hypotheses.map { makeTranslation($0, sourcePieces: pieces[index]) }
            }
            start += options.batchSize
        }
        return results
    }

    private func makeTranslation(_ hypothesis: Hypothesis, sourcePieces: [String]) -> Translation {
        var pieces = hypothesis.tokens.map { pipeline.target.vocabulary.token(Int($0)) }
        if options.replaceUnknown {
            for (i, token) in hypothesis.tokens.enumerated() where Int(token) == Vocabulary.unkID {
                pieces[i] = sourcePieces[hypothesis.alignment[i]]
            }
        }
        let text = Tokenizer.detokenize(pieces.filter { !Vocabulary.specials.contains($0) })
        return Translation(text: text, score: hypothesis.score, pieces: pieces, sourcePieces: sourcePieces,
                           alignment: hypothesis.alignment, attention: hypothesis.attention)
    }
}

/// How `Translator` searches.
public struct TranslationOptions: Sendable {
    public var search = SearchOptions()
    /// Sentences searched together.
    public var batchSize = 32
    /// Replace `<unk>` outputs by the source piece they attend to most.
    public var replaceUnknown = false
    /// Longer inputs are cut to this many subwords.
    public var maxSourceLength = 250
    /// Search only the model's shortlist candidates when the model file has a shortlist.
    public var useShortlist = true
    public init() {}
}

/// One translation with what it was made from.
public struct Translation: Sendable, Equatable {
    public var text: String
    public var score: Double
    /// Target subword pieces.
    public var pieces: [String]
    /// The source subword pieces searched from (cut to `maxSourceLength`).
    public var sourcePieces: [String]
    /// For each target piece, the source piece position it attended to most.
    public var alignment: [Int]
    /// Attention weights per target piece over source pieces (when recorded).
    public var attention: [[Float]]
}
