import Documents
import Foundation
import Tokenization
import Translation

/// The service behind the routes: served models, limits, and `translate` from request to answer.
/// Free of HTTP, so that it can be tested without sockets.
public final class TranslationService: Sendable {
    /// One model file and the queue of its workers.
    public struct ServedModel: Sendable {
        public let source: String
        public let target: String
        /// The model file it came from.
        public let file: String
        public let queue: BatchingQueue
        /// The server's glossary for this pair (`fanyi-serve --glossary`).
        public var glossary: Glossary?

        public var pair: String { "\(source)-\(target)" }

        /// Loads `file` once and starts `workers` worker threads on it.
        public static func load(file: String, workers: Int, window: Double, maxBatch: Int, metrics: ServiceMetrics? = nil) throws -> ServedModel {
            var options = TranslationOptions()
            options.batchSize = maxBatch
            let translators = try Translator.translators(modelFile: file, count: workers, options: options)
            let pipeline = translators[0].pipeline
            let pair = "\(pipeline.sourceLanguage)-\(pipeline.targetLanguage)"
            let queue = BatchingQueue(translators: translators, window: window, maxBatch: maxBatch) { sentences, seconds in
                metrics?.recordBatch(pair: pair, sentences: sentences, seconds: seconds)
            }
            return ServedModel(source: pipeline.sourceLanguage, target: pipeline.targetLanguage, file: file, queue: queue)
        }
    }

    /// What one request may ask for.
    public struct Limits: Sendable {
        /// Characters of all texts of a request together.
        public var characters = 5000
        /// Texts in one request.
        public var texts = 64
        /// Seconds a request may wait for a worker before it gets 503.
        public var timeout = 30.0
        public var defaultBeamSize = 5
        public var maxBeamSize = 12
        /// Characters of the text of one uploaded file.
        public var fileCharacters = 200_000
        /// Bytes of one uploaded file (and of its request body).
        public var fileBytes = 32 << 20
        /// Seconds a file's translation may take.
        public var fileTimeout = 600.0
        /// A file's segments below this confidence need review (PO entries are marked fuzzy).
        public var reviewBelow = 0.5
        /// Sentences of a file queued at a time (its job's progress moves by this much): four
        /// batches of 32 keep two workers busy and let other requests in between.
        public var fileChunk = 128

        public init() {}

        /// Request bodies larger than this are refused before they are read whole: room for the
        /// characters (4 bytes each at most in UTF-8, 6 as JSON escapes) and the other fields.
        public var bodyBytes: Int { characters * 6 + 16 * texts + 4096 }
    }

    public let models: [ServedModel]
    public let limits: Limits
    /// Where translated files wait for their download; nil: no file translation.
    public let files: FileStore?
    /// API keys and requests per minute.
    public let access: AccessControl
    /// File translations that outlast a request.
    public let jobs = FileJobs()

    public init(models: [ServedModel], limits: Limits = Limits(), files: FileStore? = nil, access: AccessControl = AccessControl()) {
        self.models = models
        self.limits = limits
        self.files = files
        self.access = access
    }

    /// Translates a request's texts: sentence by sentence, batched with other requests' sentences.
    public func translate(_ request: TranslateRequest) async throws -> TranslateResponse {
        let texts = request.q.all
        let html = request.format == "html"
        if let format = request.format, format != "text" && !html {
            throw ServiceError.badRequest("format \"\(format)\" is not served; use \"text\" or \"html\"")
        }
        if texts.count > limits.texts {
            throw ServiceError.tooLarge("\(texts.count) texts in one request; at most \(limits.texts) (--max-texts)")
        }
        let characters = texts.reduce(0) { $0 + $1.count }
        if characters > limits.characters {
            throw ServiceError.tooLarge("\(characters) characters in one request; at most \(limits.characters) (--char-limit)")
        }
        let alternatives = request.alternatives ?? 0
        guard (0..<limits.maxBeamSize).contains(alternatives) else {
            throw ServiceError.badRequest("alternatives must be between 0 and \(limits.maxBeamSize - 1), got \(alternatives)")
        }
        let requestedBeam = request.beamSize ?? limits.defaultBeamSize
        guard (1...limits.maxBeamSize).contains(requestedBeam) else {
            throw ServiceError.badRequest("beam_size must be between 1 and \(limits.maxBeamSize), got \(requestedBeam)")
        }
        if html && alternatives > 0 {
            throw ServiceError.badRequest("alternatives are given for format \"text\" only")
        }
        // n alternatives need a beam of n + 1.
        let beamSize = max(requestedBeam, alternatives + 1)

        // What is translated: each text, or for HTML each segment of each text's document (its
        // inline tags inside, kept by the translator's markup protection); `owner` maps back.
        var documents: [MarkupDocument] = []
        var units = texts
        var owner = Array(texts.indices)
        if html {
            units = []
            owner = []
            for (index, text) in texts.enumerated() {
                let document: MarkupDocument
                do { document = try MarkupDocument(text, format: .html, name: "q[\(index)]") } catch {
                    throw ServiceError.badRequest(error.description)
                }
                documents.append(document)
                units += document.segments
                owner += Array(repeating: index, count: document.segments.count)
            }
        }
        let (model, detected) = try choose(source: request.source, target: request.target, texts: units.isEmpty ? texts : units)

        // Attention is a picture of one sentence: for more it is left out, not refused, so that the
        // page can always ask.
        var wantsAttention = request.attention ?? false
        if case .many = request.q { wantsAttention = false }
        let settings = BatchingQueue.Settings(beamSize: beamSize, nBest: alternatives + 1, recordAttention: wantsAttention,
                                              glossary: try glossary(of: model, with: request.glossary))
        let paragraphs = try await search(units, on: model, settings: settings, timeout: limits.timeout)

        var response = TranslateResponse(translatedText: .one(""))
        var best = paragraphs.map(\.text)
        if html {
            var start = 0
            best = documents.map { document in
                let count = document.segments.count
                document.replaceSegments(with: Array(best[start..<(start + count)]))
                start += count
                return document.serialized()
            }
        }
        // Each text's best sentence translations, for the numbers answered per text.
        var sentencesOfText = [[Translation]](repeating: [], count: texts.count)
        for (unit, paragraph) in paragraphs.enumerated() { sentencesOfText[owner[unit]] += paragraph.sentences.compactMap(\.first) }
        // Ranks 1…alternatives, as far as each text's search found them.
        let others = paragraphs.map { p in (1..<alternatives + 1).filter { $0 < p.alternativeCount }.map(p.alternative) }
        switch request.q {
        case .one:
            response.translatedText = .one(best[0])
            if alternatives > 0 { response.alternatives = .one(others[0]) }
        case .many:
            response.translatedText = .many(best)
            if alternatives > 0 { response.alternatives = .many(others) }
        }
        if request.confidence ?? false {
            response.confidence = sentencesOfText.map { $0.map(\.confidence).min() ?? 1 }
            if sentencesOfText.contains(where: { $0.contains { $0.calibratedConfidence != nil } }) {
                response.calibratedConfidence = sentencesOfText.map { $0.compactMap(\.calibratedConfidence).min() ?? 1 }
            }
            response.words = sentencesOfText.map { $0.flatMap(\.words) }
        }
        if request.scores ?? false {
            response.scores = sentencesOfText.map { $0.reduce(0) { $0 + $1.score } }
        }
        if wantsAttention, paragraphs.count == 1, paragraphs[0].sentences.count == 1, let best = paragraphs[0].sentences[0].first {
            response.attention = AttentionWeights(source: best.sourcePieces.map(AttentionHeatmap.readable),
                                                  target: best.pieces.map(AttentionHeatmap.readable),
                                                  weights: best.attention)
        }
        response.detectedLanguage = detected
        return response
    }

    /// Translates an uploaded file (`POST /translate_file`): its segments in batches with other
    /// requests' sentences, everything else kept (`FileFormat`). Returns the translated bytes.
    /// `progress(done, total)` is called as sentences are translated (in chunks, so that a long
    /// file shares the workers with other requests and its job can say how far it is).
    public func translateFile(_ bytes: [UInt8], fileName: String, request: TranslateFileRequest,
                              progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> (bytes: [UInt8], detected: DetectedLanguage?) {
        guard files != nil else { throw ServiceError.badRequest("file translation is off on this server") }
        guard let format = FileFormat(fileName: fileName) else {
            throw ServiceError.badRequest("\"\(fileName.prefix(100))\": files of this type are not translated; send one of \(Self.fileFormats.joined(separator: ", "))")
        }
        guard bytes.count <= limits.fileBytes else {
            throw ServiceError.tooLarge("the file has \(bytes.count) bytes; at most \(limits.fileBytes) (--file-limit)")
        }
        var file: any SegmentedFile
        do { file = try format.open(bytes, name: fileName) } catch { throw ServiceError.badRequest(error.description) }
        let segments = file.segments
        let characters = segments.reduce(0) { $0 + $1.count }
        if characters > limits.fileCharacters {
            throw ServiceError.tooLarge("the file holds \(characters) characters of text; at most \(limits.fileCharacters) (--file-char-limit)")
        }
        let (model, detected) = try choose(source: request.source, target: request.target, texts: segments.isEmpty ? [""] : segments)
        let settings = BatchingQueue.Settings(beamSize: limits.defaultBeamSize, nBest: 1, recordAttention: false,
                                              glossary: try glossary(of: model, with: request.glossary))
        let paragraphs = try await search(segments, on: model, settings: settings, timeout: limits.fileTimeout,
                                          chunk: limits.fileChunk, progress: progress)
        _ = file.replaceSegments(with: paragraphs.map { SegmentTranslation($0, reviewBelow: limits.reviewBelow) })
        do { return (try file.bytes(), detected) } catch { throw ServiceError.badRequest(error.description) }
    }

    /// File types `translateFile` reads, as LibreTranslate lists them.
    public static let fileFormats = FileFormat.allCases.map(\.fileExtension)

    /// Searches `units` (texts, or segments of documents) on `model`'s workers, sentence by
    /// sentence (ICU's sentence breaks), batched with other requests' sentences.
    /// With `chunk`, at most that many sentences are queued at a time, and `progress` hears of each chunk done.
    func search(_ units: [String], on model: ServedModel, settings: BatchingQueue.Settings, timeout: Double,
                chunk: Int = .max, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> [ParagraphTranslation] {
        let splitter = try SentenceSplitter()
        let split = try units.map { try splitter.split($0) }
        let sentences = split.flatMap(\.sentences)
        var translations: [[Translation]] = []
        translations.reserveCapacity(sentences.count)
        progress(0, sentences.count)
        var start = 0
        repeat {
            let end = min(sentences.count, start + chunk)
            translations += try await model.queue.translate(Array(sentences[start..<end]), settings: settings, timeout: timeout)
            progress(end, sentences.count)
            start = end
        } while start < sentences.count
        return ParagraphTranslation.regroup(split, translations: translations,
                                            spacesBetweenSentences: Translator.spacesBetweenSentences(in: model.target))
    }

    /// The server's glossary for `model`'s pair with a request's own terms over it.
    func glossary(of model: ServedModel, with terms: [String: String]?) throws -> Glossary? {
        guard let terms, !terms.isEmpty else { return model.glossary }
        let entries = terms.sorted { $0.key < $1.key }.map { Glossary.Entry(source: $0.key, target: $0.value) }
        do { return try (model.glossary ?? Glossary()).overridden(by: entries, name: "glossary") } catch {
            throw ServiceError.badRequest("glossary: \(error.reason)")
        }
    }

    /// The model for a pair; for source "auto", the one reading the language CLD2 finds in the texts.
    ///
    /// The best of CLD2's guesses that a model into `target` reads is taken when it holds at least a
    /// third of the text; a text in a language no such model reads is a 400 naming that language,
    /// never a translation from the wrong language. When CLD2 says its answer is unreliable (short
    /// strings), the script decides if exactly one of those models reads the text's script.
    func choose(source: String, target: String, texts: [String]) throws -> (ServedModel, DetectedLanguage?) {
        let served = models.map(\.pair)
        if source != "auto" {
            guard let model = models.first(where: { $0.source == source && $0.target == target }) else {
                throw ServiceError.unknownPair(source: source, target: target, served: served)
            }
            return (model, nil)
        }
        let towards = models.filter { $0.target == target }
        if towards.isEmpty { throw ServiceError.unknownPair(source: source, target: target, served: served) }
        let readable = towards.map(\.source).joined(separator: ", ")
        let text = texts.joined(separator: "\n")
        let (guesses, reliable) = LanguageIdentifier.identify(text)
        if let pick = guesses.first(where: { guess in guess.percent >= 33 && towards.contains { $0.source == guess.language } }),
           let model = towards.first(where: { $0.source == pick.language }) {
            return (model, DetectedLanguage(language: pick.language, confidence: Double(pick.percent)))
        }
        if !reliable, let script = Scripts.dominant(in: text) {
            let fitting = towards.filter { Scripts.scripts(ofLanguage: $0.source).contains(script) }
            if fitting.count == 1 {
                let percent = guesses.first { $0.language == fitting[0].source }?.percent ?? 0
                return (fitting[0], DetectedLanguage(language: fitting[0].source, confidence: Double(percent)))
            }
        }
        guard let best = guesses.first else {
            throw ServiceError.badRequest("source \"auto\": the text has no letters to tell its language by; give source (one of \(readable))")
        }
        throw ServiceError.badRequest("source \"auto\": the text looks like \(Self.languageName(best.language)) (\(best.language), \(best.percent) %), which no model into \(target) reads (they read \(readable)); give source")
    }

    /// `POST /detect`: the languages of a text, best first, with the share of the text each holds (0–100).
    public func detect(_ request: DetectRequest) throws -> [DetectedLanguage] {
        let characters = request.q.all.reduce(0) { $0 + $1.count }
        if characters > limits.characters {
            throw ServiceError.tooLarge("\(characters) characters in one request; at most \(limits.characters) (--char-limit)")
        }
        let guesses = LanguageIdentifier.identify(request.q.all.joined(separator: "\n")).guesses
        guard !guesses.isEmpty else { throw ServiceError.badRequest("the text has no letters to tell its language by") }
        return guesses.map { DetectedLanguage(language: $0.language, confidence: Double($0.percent)) }
    }

    /// `GET /languages`: each served source language with its targets.
    public func languages() -> [LanguageEntry] {
        var entries: [LanguageEntry] = []
        for model in models {
            if let i = entries.firstIndex(where: { $0.code == model.source }) {
                if !entries[i].targets.contains(model.target) { entries[i].targets.append(model.target) }
            } else {
                entries.append(LanguageEntry(code: model.source, name: Self.languageName(model.source), targets: [model.target]))
            }
        }
        return entries
    }

    /// `GET /frontend/settings`: the limits a page needs, and the first served pair to start with.
    public func frontendSettings() -> FrontendSettings {
        let first = models.first
        func language(_ code: String) -> FrontendSettings.Language { .init(code: code, name: Self.languageName(code)) }
        return FrontendSettings(charLimit: limits.characters, frontendTimeout: 500, apiKeys: !access.keys.isEmpty, keyRequired: access.requireKey,
                                suggestions: false, filesTranslation: files != nil, supportedFilesFormat: files != nil ? Self.fileFormats : [],
                                language: ["source": language(first?.source ?? "auto"), "target": language(first?.target ?? "en")])
    }

    public func health() -> HealthResponse {
        HealthResponse(status: "ok", models: models.map(\.pair), pending: models.reduce(0) { $0 + $1.queue.pendingSentences })
    }

    /// Finishes what is queued, then stops every model's workers.
    public func shutdown() {
        for model in models { model.queue.shutdown() }
    }

    static func languageName(_ code: String) -> String {
        Locale(identifier: "en").localizedString(forLanguageCode: code) ?? code
    }
}
