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
    /// The model file's confidence calibration, if it has one (`fanyi-train calibrate`).
    public let calibration: ConfidenceCalibration?
    private let beamSearch: BeamSearch
    /// Accelerators go inside the word unless the target is written without cases (then `(~K)`).
    private let acceleratorInWord: Bool
    private let targetUsesSpaces: Bool
    private lazy var splitter: SentenceSplitter? = try? SentenceSplitter()
    /// Inputs cut to `options.maxSourceLength` subwords so far (a tool says so at its end).
    public private(set) var truncatedInputs = 0

    /// Loads a model file written by `fanyi-train` (it carries vocabularies, merges and tokenizer options).
    public convenience init(modelFile: String, options: TranslationOptions = TranslationOptions()) throws {
        let translator = try Self.translators(modelFile: modelFile, count: 1, options: options)[0]
        self.init(model: translator.model, pipeline: translator.pipeline, options: options, shortlist: translator.shortlist,
                  calibration: translator.calibration)
    }

    /// `count` translators of one model file for `count` threads: one copy of the weights (search
    /// only reads them), each with its own tokenizer and search buffers.
    public static func translators(modelFile: String, count: Int, options: TranslationOptions = TranslationOptions()) throws -> [Translator] {
        try translators(modelBytes: try SafeTensors.read(modelFile), file: modelFile, count: count, options: options)
    }

    /// `translators(modelFile:count:options:)` for a model file's bytes; `file` names it in errors.
    public static func translators(modelBytes: [UInt8], file modelFile: String, count: Int,
                                   options: TranslationOptions = TranslationOptions()) throws -> [Translator] {
        let (model, metadata) = try ModelFile.decode(modelBytes, file: modelFile)
        let pipelines = try (0..<count).map { _ in try TextPipeline(metadata: metadata, file: modelFile) }
        guard let pipeline = pipelines.first else { return [] }
        guard pipeline.source.vocabulary.count == model.config.sourceVocabularySize,
              pipeline.target.vocabulary.count == model.config.targetVocabularySize else {
            throw ModelFileError.malformed(file: modelFile, reason: "the vocabularies in the metadata do not match the model's sizes")
        }
        // Read only when it will be used, so that --no-shortlist gets past a damaged one.
        let shortlist = try (options.useShortlist ? metadata[Shortlist.metadataKey] : nil).map {
            try Shortlist(parsing: $0, sourceVocabularySize: model.config.sourceVocabularySize,
                          targetVocabularySize: model.config.targetVocabularySize, name: modelFile)
        }
        let calibration = try metadata[ConfidenceCalibration.metadataKey].map {
            try ConfidenceCalibration(parsing: $0, file: modelFile)
        }
        return pipelines.map { Translator(model: model, pipeline: $0, options: options, shortlist: shortlist, calibration: calibration) }
    }

    public init(model: Seq2SeqModel, pipeline: TextPipeline, options: TranslationOptions = TranslationOptions(),
                shortlist: Shortlist? = nil, calibration: ConfidenceCalibration? = nil) {
        self.model = model
        self.pipeline = pipeline
        self.options = options
        self.shortlist = shortlist
        self.calibration = calibration
        beamSearch = BeamSearch(model: model)
        acceleratorInWord = Scripts.scripts(ofLanguage: pipeline.targetLanguage).isDisjoint(with: ["Hani", "Hira", "Kana", "Hang"])
        targetUsesSpaces = Self.spacesBetweenSentences(in: pipeline.targetLanguage)
    }

    /// The best translation of one line.
    public func translate(_ text: String) throws -> String {
        try translate([text])[0].first?.text ?? ""
    }

    /// The n-best translations of each line, in input order (an empty line gives one empty result);
    /// distinct texts, best first, from all the beam's finished hypotheses (a line may still get
    /// fewer than `nBest` when the beam holds fewer distinct ones).
    ///
    /// With `options.protectMarkup` (the default), placeholders, inline tags, entities, line
    /// breaks and accelerators never reach the model: each comes back once, unchanged, where the
    /// attention alignment puts it (`MarkupPlacement`; `Translation.markup` says how).
    public func translate(_ texts: [String]) throws -> [[Translation]] {
        let inputs = try texts.map(prepare)
        let ids = inputs.map { pipeline.source.vocabulary.ids($0.pieces) }
        var results = inputs.map { [emptyTranslation(of: $0)] }
        // Similar lengths together: less padding, and finished batches shrink evenly.
        let order = ids.indices.filter { !ids[$0].isEmpty }.sorted { ids[$0].count < ids[$1].count }
        var search = options.search
        if options.useShortlist && search.shortlist == nil { search.shortlist = shortlist }
        // For n-best, the whole beam's finished hypotheses: some read the same once detokenized.
        if search.nBest > 1 { search.nBest = search.beamSize }
        var start = 0
        while start < order.count {
            let chunk = Array(order[start..<min(order.count, start + options.batchSize)])
            let found = beamSearch.search(chunk.map { ids[$0] }, options: search)
            for (index, hypotheses) in zip(chunk, found) where !hypotheses.isEmpty {
                // Distinct texts only: hypotheses that differ in their pieces can read the same.
                var seen: Set<String> = []
                results[index] = Array(hypotheses.map { makeTranslation($0, input: inputs[index]) }
                    .filter { seen.insert($0.text).inserted }.prefix(options.search.nBest))
            }
            start += options.batchSize
        }
        return results
    }

    /// A line as the model sees it: its subword pieces, and what was taken out of it.
    struct Input {
        var protected: ProtectedText
        var pieces: [String]
        /// Per marker, the number of source pieces before it; per accelerator, the piece it marks.
        var markerBoundaries: [Int] = []
        /// Per marker, where the pieces it stands for end (after a glossary term's words).
        var markerEnds: [Int] = []
        var acceleratorPieces: [Int] = []
    }

    private func prepare(_ text: String) throws -> Input {
        // Spaces around a line are layout, not text: a model would see them as escaped
        // whitespace tokens it never learned to translate (a blank line gives an empty one).
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let protected = options.protectMarkup || options.glossary != nil
            ? MarkupScanner.scan(trimmed, markup: options.protectMarkup, glossary: options.glossary) : ProtectedText(plain: trimmed)
        var input = Input(protected: protected, pieces: [])
        if protected.isPlain {
            input.pieces = try pipeline.source.pieces(trimmed)
        } else {
            var chunkStarts: [Int] = []
            for (i, chunk) in protected.chunks.enumerated() {
                chunkStarts.append(input.pieces.count)
                // The spacing around markers is kept with them, not given to the model.
                input.pieces += try pipeline.source.pieces(chunk.trimmingCharacters(in: .whitespaces))
                guard i < protected.markers.count else { continue }
                input.markerBoundaries.append(input.pieces.count)
                // A glossary term's words stay in the source, so that the model translates
                // around them as usual; the words it makes of them are replaced by the term.
                if let words = protected.markers[i].source {
                    input.pieces += try pipeline.source.pieces(words)
                }
                input.markerEnds.append(input.pieces.count)
            }
            chunkStarts.append(input.pieces.count)
            input.acceleratorPieces = protected.accelerators.map { accelerator in
                // The piece holding the chunk's `offset`-th non-space character.
                var seen = 0
                let range = chunkStarts[accelerator.chunk]..<chunkStarts[accelerator.chunk + 1]
                for p in range {
                    seen += Tokenizer.detokenize([input.pieces[p]]).filter { !$0.isWhitespace }.count
                    if seen > accelerator.offset { return p }
                }
                return max(range.lowerBound, range.upperBound - 1)
            }
        }
        if input.pieces.count > options.maxSourceLength {
            input.pieces = Array(input.pieces.prefix(options.maxSourceLength))
            input.markerBoundaries = input.markerBoundaries.map { min($0, options.maxSourceLength) }
            input.markerEnds = input.markerEnds.map { min($0, options.maxSourceLength) }
            input.acceleratorPieces = input.acceleratorPieces.map { min($0, options.maxSourceLength - 1) }
            truncatedInputs += 1
        }
        return input
    }

    /// The result for a line with no words: empty, or its markers as they are.
    private func emptyTranslation(of input: Input) -> Translation {
        Translation(text: input.protected.isPlain ? "" : input.protected.output, score: 0, pieces: [],
                    sourcePieces: input.pieces, alignment: [], attention: [],
                    markup: input.protected.isPlain ? .none : .aligned)
    }

    /// Texts of any length: each is split into sentences (ICU's sentence breaks), all sentences
    /// are searched together in batches, and each text is joined back with its own spaces and
    /// line breaks between the translated sentences.
    public func translateParagraphs(_ texts: [String]) throws -> [ParagraphTranslation] {
        guard let splitter else { throw TokenizationError.icu(function: "ubrk_open(UBRK_SENTENCE)", code: "unavailable") }
        let split = try texts.map { try splitter.split($0) }
        let translations = try translate(split.flatMap(\.sentences))
        return ParagraphTranslation.regroup(split, translations: translations,
                                            spacesBetweenSentences: Self.spacesBetweenSentences(in: pipeline.targetLanguage))
    }

    /// False for languages that put no space after a full stop (Chinese, Japanese, Thai, ...).
    public static func spacesBetweenSentences(in language: String) -> Bool {
        Scripts.scripts(ofLanguage: language).isDisjoint(with: ["Hani", "Hira", "Kana", "Thai", "Laoo", "Khmr", "Mymr"])
    }

    private func makeTranslation(_ hypothesis: Hypothesis, input: Input) -> Translation {
        var pieces = hypothesis.tokens.map { pipeline.target.vocabulary.token(Int($0)) }
        if options.replaceUnknown {
            for (i, token) in hypothesis.tokens.enumerated() where Int(token) == Vocabulary.unkID {
                pieces[i] = input.pieces[hypothesis.alignment[i]]
            }
        }
        let shown = pieces.indices.filter { !Vocabulary.specials.contains(pieces[$0]) }
        // A term the model already translated as the glossary says is left alone.
        var satisfied: Set<Int> = []
        let terms = input.protected.markers.indices.filter { input.protected.markers[$0].kind == .term }
        if !terms.isEmpty {
            let plain = Tokenizer.detokenize(shown.map { pieces[$0] })
            for (target, indices) in Dictionary(grouping: terms, by: { input.protected.markers[$0].text })
            where plain.components(separatedBy: target).count - 1 >= indices.count {
                satisfied.formUnion(indices)
            }
        }
        var placement = MarkupPlacement(
            protected: input.protected, markerBoundaries: input.markerBoundaries, markerEnds: input.markerEnds,
            acceleratorPieces: input.acceleratorPieces, sourceCount: input.pieces.count, pieces: shown.map { pieces[$0] },
            alignment: shown.map { hypothesis.alignment[$0] }, acceleratorInWord: acceleratorInWord, targetUsesSpaces: targetUsesSpaces,
            satisfied: satisfied)
        var (text, markup) = placement.text()
        if markup == .aligned && !MarkupScanner.holdsExactly(input.protected, text) { markup = .mismatch }
        var translation = Translation(text: text, score: hypothesis.score, pieces: pieces, sourcePieces: input.pieces,
                                      alignment: hypothesis.alignment, attention: hypothesis.attention, markup: markup,
                                      tokenLogProbabilities: hypothesis.tokenLogProbabilities, endLogProbability: hypothesis.endLogProbability)
        translation.calibratedConfidence = calibration.map { $0(translation.confidence) }
        return translation
    }

}

extension SearchOptions {
    /// The settings translation uses unless told otherwise (see `TranslationOptions.search`).
    public static var recommended: SearchOptions {
        var options = SearchOptions()
        options.coveragePenalty = 0.2
        options.blockNgramRepeat = 4
        return options
    }
}

/// A text translated sentence by sentence.
public struct ParagraphTranslation: Sendable {
    public init(parts: [SentenceSplitter.Part], sentences: [[Translation]], spacesBetweenSentences: Bool = true) {
        self.parts = parts
        self.sentences = sentences
        self.spacesBetweenSentences = spacesBetweenSentences
    }

    /// One paragraph per split text, given the n-best translations of all their sentences in
    /// order (as searched together in one list).
    public static func regroup(_ split: [[SentenceSplitter.Part]], translations: [[Translation]],
                               spacesBetweenSentences: Bool) -> [ParagraphTranslation] {
        var rest = translations[...]
        return split.map { parts in
            let count = parts.sentences.count
            defer { rest = rest.dropFirst(count) }
            return ParagraphTranslation(parts: parts, sentences: Array(rest.prefix(count)), spacesBetweenSentences: spacesBetweenSentences)
        }
    }

    /// The text as split: sentences and the layout between them.
    public var parts: [SentenceSplitter.Part]
    /// The n-best translations of each sentence, in order.
    public var sentences: [[Translation]]
    /// Whether spaces between two sentences of a line are kept, and one put between sentences
    /// that touch (false for targets written without them, such as Chinese: the spaces go);
    /// line breaks are always kept.
    public var spacesBetweenSentences = true

    /// The text with each sentence replaced by its best translation.
    public var text: String { alternative(0) }

    /// The text with each sentence replaced by its `rank`-th translation (its best where it has fewer).
    public func alternative(_ rank: Int) -> String {
        var next = sentences.makeIterator()
        var text = ""
        for (i, part) in parts.enumerated() {
            switch part {
            case .sentence:
                // Sentences of a Chinese source touch; in a spaced target they need one.
                if spacesBetweenSentences, i > 0, case .sentence = parts[i - 1] { text += " " }
                let translations = next.next() ?? []
                text += translations.isEmpty ? "" : translations[min(rank, translations.count - 1)].text
            case .layout(let layout):
                let between = i > 0 && i + 1 < parts.count
                if spacesBetweenSentences || !between || layout.contains(where: \.isNewline) { text += layout }
            }
        }
        return text
    }

    /// Alternatives the search found (the most n-best translations of any sentence).
    public var alternativeCount: Int { sentences.map(\.count).max() ?? 1 }
}

/// How `Translator` searches.
public struct TranslationOptions: Sendable {
    /// Beam 5, GNMT length penalty 0.6, coverage penalty 0.2 and no repeated 4-grams: the best of
    /// seven settings measured on the lohelp test set and on its pairs joined two by two
    /// (`scripts/measure-search.sh`; +0.56 BLEU on the test set and +1.49 on the long inputs in
    /// both directions over the length penalty alone). `SearchOptions()` itself stays neutral.
    public var search = SearchOptions.recommended
    /// Sentences searched together.
    public var batchSize = 32
    /// Replace `<unk>` outputs by the source piece they attend to most.
    public var replaceUnknown = false
    /// Longer inputs are cut to this many subwords.
    public var maxSourceLength = 250
    /// Search only the model's shortlist candidates when the model file has a shortlist.
    public var useShortlist = true
    /// Keep placeholders, inline tags, entities, line breaks and accelerators away from the model
    /// and put them back unchanged (`MarkupScanner` lists the formats).
    public var protectMarkup = true
    /// Terms whose translation is fixed (`Glossary`).
    public var glossary: Glossary?
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
    /// How the source's placeholders, tags and accelerators got into `text`.
    public var markup: MarkupPlacement.Outcome = .none
    /// Each target piece's log-probability under the model, and that of `</s>` (nil when the
    /// search stopped at the length limit): what `confidence` and `words` are made of.
    public var tokenLogProbabilities: [Float] = []
    public var endLogProbability: Float?
    /// The probability that this translation is good, by the model file's calibration
    /// (`ConfidenceCalibration`); nil when the model has none.
    public var calibratedConfidence: Double?
}
