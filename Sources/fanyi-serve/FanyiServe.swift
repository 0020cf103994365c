import ArgumentParser
import CKernels
import Foundation
import Hummingbird
import Serving
import Tensor
import Translation

@main
struct FanyiServe: AsyncParsableCommand {
    /// Gives OpenBLAS its settings (see `BLASEnvironment`) before parsing and running.
    static func main() async {
        BLASEnvironment.prepare()
        await main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "fanyi-serve",
        abstract: "Translation service: LibreTranslate-style HTTP API, metrics and a web page.",
        discussion: """
            Each --model serves its own language pair (read from the model file).
            Routes: POST /translate, POST /detect, POST /translate_file with GET
            /download_file/NAME, GET /languages, GET /frontend/settings, GET /health,
            GET /metrics, and the page at /. Requests for one model are batched (--batch-window-ms,
            --max-batch) and searched by --workers threads per model. SIGTERM or
            Ctrl-C: stop accepting, answer the requests in flight, exit 0.
            Example:
              fanyi-serve --model models/en-zh-lohelp.safetensors \\
                  --model models/zh-en-lohelp.safetensors --port 8080
              curl -s localhost:8080/translate -H 'Content-Type: application/json' \\
                  -d '{"q": "Click OK.", "source": "en", "target": "zh"}'
            """)

    @Option(help: "Model file written by fanyi-train (repeat for more language pairs).") var model: [String] = []
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port, printed at start).") var port = 8080
    @Option(help: "Worker threads per model, each with its own search buffers.") var workers = 2
    @Option(help: "OpenBLAS threads per search.") var threads = 1
    @Option(help: "Milliseconds the oldest request waits for others to share its batch.") var batchWindowMs = 5.0
    @Option(help: "Sentences searched together at most.") var maxBatch = 32
    @Option(help: "Characters of one request at most (413 above).") var charLimit = 5000
    @Option(help: "Texts in one request at most (413 above).") var maxTexts = 64
    @Option(help: "Seconds a request may wait for a worker (503 after).") var timeout = 30.0
    @Option(help: "Beam size when a request gives none.") var beamSize = 5
    @Option(help: "Largest beam size a request may ask for.") var maxBeamSize = 12
    @Option(help: "Bytes of one uploaded file at most (.txt .html .xml .srt .po .odt .docx; 413 above).") var fileLimit = 32 << 20
    @Option(help: "Characters of text in one uploaded file at most (413 above).") var fileCharLimit = 200_000
    @Option(help: "Seconds a translated file is kept for its download.") var filesLifetime = 3600.0
    @Option(help: "Bytes of translated files kept at most (the oldest go first).") var filesCapacity = 256 << 20
    @Option(help: "Folder for translated files (default: a new temporary folder).") var filesDir: String?
    @Option(help: "Segments of a file below this confidence need review: PO entries are marked fuzzy (1: all, 0: none).")
    var reviewBelow = 0.5
    @Option(help: "API keys file: one key a line, optionally followed by its requests per minute and characters per request (docs/serving.md).")
    var apiKeys: String?
    @Flag(help: "Refuse requests without a valid API key (403).") var requireApiKey = false
    @Option(help: "Requests per minute of one client address without a key (a batch counts its texts; 429 above; 0: no limit).")
    var reqLimit = 0
    @Option(help: "Glossary file for the pair its first line names (en<TAB>zh), or for the only model (repeat for more pairs; docs/glossary.md).")
    var glossary: [String] = []

    func validate() throws {
        if model.isEmpty { throw ValidationError("give at least one --model (e.g. --model models/en-zh-lohelp.safetensors)") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        if workers < 1 { throw ValidationError("--workers must be ≥ 1, got \(workers)") }
        if threads < 1 { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
        if !(batchWindowMs >= 0 && batchWindowMs <= 1000) { throw ValidationError("--batch-window-ms must be between 0 and 1000, got \(batchWindowMs)") }
        if maxBatch < 1 { throw ValidationError("--max-batch must be ≥ 1, got \(maxBatch)") }
        if charLimit < 1 { throw ValidationError("--char-limit must be ≥ 1, got \(charLimit)") }
        if maxTexts < 1 { throw ValidationError("--max-texts must be ≥ 1, got \(maxTexts)") }
        if !(timeout > 0) { throw ValidationError("--timeout must be > 0 seconds, got \(timeout)") }
        if maxBeamSize < 1 { throw ValidationError("--max-beam-size must be ≥ 1, got \(maxBeamSize)") }
        if fileLimit < 1 { throw ValidationError("--file-limit must be ≥ 1, got \(fileLimit)") }
        if fileCharLimit < 1 { throw ValidationError("--file-char-limit must be ≥ 1, got \(fileCharLimit)") }
        if !(filesLifetime > 0) { throw ValidationError("--files-lifetime must be > 0 seconds, got \(filesLifetime)") }
        if filesCapacity < fileLimit { throw ValidationError("--files-capacity must be ≥ --file-limit (\(fileLimit)), got \(filesCapacity)") }
        if reqLimit < 0 { throw ValidationError("--req-limit must be ≥ 0, got \(reqLimit)") }
        if requireApiKey && apiKeys == nil { throw ValidationError("--require-api-key needs --api-keys FILE") }
        if !(0...1).contains(reviewBelow) { throw ValidationError("--review-below must be between 0 and 1, got \(reviewBelow)") }
        if beamSize < 1 || beamSize > maxBeamSize { throw ValidationError("--beam-size must be between 1 and --max-beam-size (\(maxBeamSize)), got \(beamSize)") }
    }

    func run() async throws {
        BLAS.threads = threads
        // One malloc arena per worker thread each keeps its own freed search buffers: two arenas
        // held the peak of a 128-client run lower (measured with scripts/bench-serve.sh).
        _ = fanyi_malloc_arena_limit(2)
        let metrics = ServiceMetrics()
        var served: [TranslationService.ServedModel] = []
        for file in model {
            let loaded: TranslationService.ServedModel
            do {
                loaded = try .load(file: file, workers: workers, window: batchWindowMs / 1000, maxBatch: maxBatch, metrics: metrics)
            } catch {
                for model in served { model.queue.shutdown() }
                throw ValidationError("--model \(file): \(error)")
            }
            if let other = served.first(where: { $0.pair == loaded.pair }) {
                loaded.queue.shutdown()
                for model in served { model.queue.shutdown() }
                throw ValidationError("--model \(file) and --model \(other.file) both translate \(loaded.source) → \(loaded.target); give one model per language pair")
            }
            served.append(loaded)
        }
        do { try attachGlossaries(to: &served) } catch {
            for model in served { model.queue.shutdown() }
            throw error
        }
        var limits = TranslationService.Limits()
        limits.characters = charLimit
        limits.texts = maxTexts
        limits.timeout = timeout
        limits.defaultBeamSize = beamSize
        limits.maxBeamSize = maxBeamSize
        limits.fileBytes = fileLimit
        limits.fileCharacters = fileCharLimit
        limits.reviewBelow = reviewBelow
        let files: FileStore
        do { files = try FileStore(directory: filesDir, lifetime: filesLifetime, capacity: filesCapacity) } catch {
            for model in served { model.queue.shutdown() }
            throw ValidationError("--files-dir \(filesDir ?? "(temporary)"): cannot use it (\((error as NSError).localizedDescription))")
        }
        var keys: [String: AccessControl.Key] = [:]
        if let apiKeys {
            do {
                keys = try AccessControl.keys(parsing: try String(contentsOfFile: apiKeys, encoding: .utf8), name: apiKeys)
            } catch {
                for model in served { model.queue.shutdown() }
                throw ValidationError("--api-keys \(apiKeys): \(error is AccessControlError ? "\(error)" : (error as NSError).localizedDescription)")
            }
        }
        let access = AccessControl(keys: keys, requireKey: requireApiKey, requestsPerMinute: reqLimit)
        let service = TranslationService(models: served, limits: limits, files: files, access: access)
        let pairs = served.map { "\($0.source) → \($0.target) (\($0.file))" }.joined(separator: ", ")
        let host = host
        let app = Application(
            router: Routes.router(service: service, metrics: metrics),
            configuration: .init(address: .hostname(host, port: port), serverName: "fanyi-serve"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                say("fanyi-serve: \(pairs); \(workers) worker(s) per model × \(threads) BLAS thread(s)")
                say("fanyi-serve: listening on http://\(host):\(bound)/ (Ctrl-C to stop)")
            },
            logger: quietLogger())
        try await app.runService()
        service.shutdown()
        say("fanyi-serve: stopped")
    }
}

extension FanyiServe {
    /// Reads each --glossary and gives it to the model of the pair it names (or the only model).
    func attachGlossaries(to served: inout [TranslationService.ServedModel]) throws {
        for file in glossary {
            let terms: Glossary
            do { terms = try Glossary(contentsOf: file) } catch { throw ValidationError("--glossary: \(error)") }
            let matching = served.indices.filter { terms.fits(source: served[$0].source, target: served[$0].target) }
            guard matching.count == 1, let index = matching.first else {
                let pairs = served.map { "\($0.source) → \($0.target)" }.joined(separator: ", ")
                throw ValidationError(terms.sourceLanguage == nil
                    ? "--glossary \(file) names no pair and \(served.count) models are served (\(pairs)); start it with a line such as en<TAB>zh"
                    : "--glossary \(file) is for \(terms.sourceLanguage!) → \(terms.targetLanguage!), which no served model translates (\(pairs))")
            }
            guard served[index].glossary == nil else {
                throw ValidationError("--glossary \(file): \(served[index].source) → \(served[index].target) has a glossary already; give one file per pair")
            }
            served[index].glossary = terms
        }
    }
}

/// A line on stdout at once (not held in a buffer: scripts wait for the listening line).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
