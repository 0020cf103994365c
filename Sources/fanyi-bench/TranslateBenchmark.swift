import ArgumentParser
import Seq2Seq
import Tensor
import Training
import Tokenization
import Translation

/// Translation speed of a trained model: bulk sentences/s and single-sentence latency.
struct TranslateBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translation speed: sentences/s and target tokens/s in bulk, latency of single sentences.",
        discussion: """
            Example:
              fanyi-bench translate --model models/en-zh-lohelp.safetensors --threads 2
              fanyi-bench translate --precisions F32,I8 --beam-sizes 5,1

            I8 is the model as `fanyi-train export --storage I8` writes it (encoded and loaded in
            memory), so both precisions are measured in one run from one file.
            """)

    @Option(help: "Model file.") var model = "models/en-zh-lohelp.safetensors"
    @Option(help: "Source sentences, one per line (the first --sentences are used).") var input = "corpora/en-zh-lohelp/test.en"
    @Option(help: "Sentences to translate in bulk.") var sentences = 1000
    @Option(help: "Beam sizes to measure, comma-separated.") var beamSizes = "5,1"
    @Option(help: "Sentences per batch in bulk mode.") var batchSize = 32
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Option(help: "Timed repeats of the bulk run (median reported).") var repeats = 3
    @Option(help: "Sentences translated one at a time for the latency.") var latencySentences = 50
    @Option(help: "Weight precisions to measure, comma-separated: F32, I8.") var precisions = "F32"
    @Option(help: "With a shortlist: sentences per candidate set to measure, comma-separated (1: each sentence its own; the batch size: one set per batch).")
    var shortlistGroups = "1"
    @Option(help: "Markup protection to measure, comma-separated: on, off (on,off: its cost on these lines, side by side).")
    var markup = "on"
    @Flag(help: "Send few-row products to OpenBLAS too, as before fanyi_sgemm_small_m (for A/B runs).")
    var openblasSmallProducts = false

    func validate() throws {
        if sentences < 1 || batchSize < 1 || threads < 1 || repeats < 1 || latencySentences < 1 {
            throw ValidationError("--sentences, --batch-size, --threads, --repeats and --latency-sentences must be ≥ 1")
        }
        if groupList.isEmpty || groupList.count != shortlistGroups.split(separator: ",").count || groupList.contains(where: { $0 < 1 }) {
            throw ValidationError("--shortlist-groups takes sizes ≥ 1, comma-separated (got '\(shortlistGroups)')")
        }
        if precisionList.isEmpty || precisionList.count != precisions.split(separator: ",").count
            || precisionList.contains(where: { $0 != .f32 && $0 != .i8 }) {
            throw ValidationError("--precisions takes F32 and I8, comma-separated (got '\(precisions)')")
        }
        if markupModes.isEmpty || markupModes.count != markup.split(separator: ",").count {
            throw ValidationError("--markup takes on and off, comma-separated (got '\(markup)')")
        }
    }

    func run() throws {
        BLAS.threads = threads
        if openblasSmallProducts { BLAS.smallRows = 0 }
        let lines = Array(try TextFile.readLines(input).prefix(sentences))
        let bytes = try SafeTensors.read(model)
        var f32 = try Translator.translators(modelBytes: bytes, file: model, count: 1)[0]
        if f32.model.parameters.contains(where: { $0.quantized != nil }) {
            // An I8 file (as shipped): F32 is its dequantized weights, through the Float32 path.
            print("\(model) holds 8-bit weights: F32 below multiplies their dequantized values in Float32")
            let plain = ModelFile.encode(f32.model, metadata: try SafeTensors.decode(bytes, file: model).metadata, storage: .f32)
            f32 = try Translator.translators(modelBytes: plain, file: model + " (F32)", count: 1)[0]
        }
        let sourceTokens = try lines.reduce(0) { $0 + (try f32.pipeline.source.pieces($1)).count }
        print(String(format: "%d sentences from %@, %.1f source subwords on average; %d threads", lines.count, input,
                     Double(sourceTokens) / Double(lines.count), threads))
        for precision in precisionList {
            var translator = f32
            if precision == .i8 {
                let i8 = ModelFile.encode(f32.model, metadata: try SafeTensors.decode(bytes, file: model).metadata, storage: .i8)
                print(String(format: "I8: the model file would take %.1f MiB (this file: %.1f MiB)",
                             Double(i8.count) / 1048576, Double(bytes.count) / 1048576))
                translator = try Translator.translators(modelBytes: i8, file: model + " (I8)", count: 1)[0]
            }
            for protect in markupModes {
                translator.options.protectMarkup = protect
                print("\(precision.rawValue) weights, markup protection \(protect ? "on" : "off"):")
                try measureBeams(translator, lines)
            }
        }
    }

    var markupModes: [Bool] { markup.split(separator: ",").compactMap { ["on": true, "off": false][String($0)] } }

    var groupList: [Int] { shortlistGroups.split(separator: ",").compactMap { Int($0) } }

    var precisionList: [StorageType] { precisions.uppercased().split(separator: ",").compactMap { StorageType(rawValue: String($0)) } }

    private func measureBeams(_ translator: Translator, _ lines: [String]) throws {
        // Each group size's mean candidate set: the same for every beam size.
        let candidates = try translator.shortlist.map { try meanCandidates($0, translator, lines) } ?? [:]
        for beam in beamSizes.split(separator: ",").compactMap({ Int($0) }) {
            guard translator.shortlist != nil else {
                _ = try measure(translator, lines, beam: beam, label: "")
                continue
            }
            // With a shortlist in the model: both ways side by side, and how often they agree.
            translator.options.useShortlist = false
            let full = try measure(translator, lines, beam: beam, label: " with the whole vocabulary")
            translator.options.useShortlist = true
            for group in groupList {
                translator.options.search.shortlistGroupSize = group
                let short = try measure(translator, lines, beam: beam,
                                        label: String(format: " with the shortlist, %d sentence(s) per candidate set (%.0f candidates)",
                                                      group, candidates[group] ?? 0))
                let same = zip(short, full).filter { $0 == $1 }.count
                print(String(format: "  beam %d: %d of %d translations (%.1f %%) are the same with and without the shortlist",
                             beam, same, lines.count, 100 * Double(same) / Double(lines.count)))
            }
        }
    }

    /// The mean size of a candidate set for each of `groupList`'s group sizes, the sentences
    /// grouped as translation groups them (sorted by length, in batches).
    private func meanCandidates(_ shortlist: Shortlist, _ translator: Translator, _ lines: [String]) throws -> [Int: Double] {
        let ids = try lines.map { translator.pipeline.source.vocabulary.ids(try translator.pipeline.source.pieces($0)) }
            .filter { !$0.isEmpty }.sorted { $0.count < $1.count }
        var means: [Int: Double] = [:]
        for group in groupList {
            var (sets, total) = (0, 0)
            for batch in stride(from: 0, to: ids.count, by: batchSize) {
                let end = min(ids.count, batch + batchSize)
                for start in stride(from: batch, to: end, by: group) {
                    total += shortlist.candidates(for: Array(ids[start..<min(end, start + group)])).count
                    sets += 1
                }
            }
            means[group] = Double(total) / Double(max(sets, 1))
        }
        return means
    }

    /// Times bulk translation (median of the repeats) and single-sentence latency; prints them
    /// and returns the bulk translations.
    private func measure(_ translator: Translator, _ lines: [String], beam: Int, label: String) throws -> [String] {
        translator.options.search.beamSize = beam
        translator.options.batchSize = batchSize
        var outputTokens = 0
        var texts: [String] = []
        BLAS.profiling = true
        let blasBefore = BLAS.nanosecondCounter.load(ordering: .relaxed)
        let flopsBefore = BLAS.flopCounter.load(ordering: .relaxed)
        let seconds = try medianSeconds(repeats) {
            let results = try translator.translate(lines)
            outputTokens = results.reduce(0) { $0 + ($1.first?.pieces.count ?? 0) }
            texts = results.map { $0.first?.text ?? "" }
        }
        let blasSeconds = Double(BLAS.nanosecondCounter.load(ordering: .relaxed) - blasBefore) / 1e9 / Double(repeats)
        let gflops = Double(BLAS.flopCounter.load(ordering: .relaxed) - flopsBefore) / Double(repeats) / seconds / 1e9
        BLAS.profiling = false
        translator.options.batchSize = 1
        var latencies: [Double] = []
        for line in lines.prefix(latencySentences) {
            let start = monotonicSeconds()
            _ = try translator.translate([line])
            latencies.append(monotonicSeconds() - start)
        }
        latencies.sort()
        print(String(format: "beam %d%@: %.1f sentences/s, %.0f target tokens/s (median of %d runs, batch %d); single sentences: median %.1f ms, 90th percentile %.1f ms; peak memory %.0f MiB",
                     beam, label, Double(lines.count) / seconds, Double(outputTokens) / seconds, repeats, batchSize,
                     1000 * latencies[latencies.count / 2], 1000 * latencies[latencies.count * 9 / 10], ResourceUsage.now().peakResidentMiB))
        print(String(format: "  BLAS calls take %.0f %% of the bulk time (%.1f GFLOP/s); the rest is search bookkeeping, log-softmax, tokenization",
                     100 * min(1, blasSeconds / seconds), gflops))
        return texts
    }
}
