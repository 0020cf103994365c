import ArgumentParser
import DataParallel
import Seq2Seq
import Tensor
import Tokenization
import Training

/// Training steps (forward, backward, clipping, Adam) of the reference configuration, on synthetic
/// batches or on real batches of a corpus cut as the trainer cuts them.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training speed of the reference configuration: target tokens/s, GFLOP/s, peak memory.",
        discussion: """
            Reference configuration: embeddings 256, encoder 2 bidirectional LSTM
            layers of 128 per direction, decoder 2 LSTM layers of 256, general
            attention with input feeding, dropout 0.2, label smoothing 0.1, Adam.
            Synthetic batches: vocabularies of 8,000, 64 pairs of 20–30 tokens.
            With --corpus: the corpus encoded with --vocab, batches as fanyi-train
            makes them (length buckets, shuffled, first epoch), vocabularies sized
            by --vocab. The GEMM ceiling is measured in the same run.
            Under mpirun every rank trains its own batches (synthetic) or its share
            of each global batch (--corpus), gradients summed by one all-reduce per
            step; rank 0 prints the aggregate and the all-reduce time.
            Examples: fanyi-bench train --threads 2
                      mpirun -np 2 fanyi-bench train --threads 1
                      fanyi-bench train --corpus corpora/en-zh-lohelp/train \\
                        --source-lang en --target-lang zh \\
                        --vocab vocab/en-zh-lohelp.json --steps 60
            """)

    @Option(help: "OpenBLAS threads.")
    var threads = 2

    @Option(help: "Timed training steps (after the warm-up).")
    var steps = 10

    @Option(help: "Untimed warm-up steps.")
    var warmup = 2

    @Option(help: "Sentence pairs per batch.")
    var batchSize = 64

    @Option(help: "Recurrent cell: lstm or gru.")
    var cell: CellKind = .lstm

    @Option(help: "Attention: dot, general or mlp.")
    var attention: AttentionKind = .general

    @Option(help: "Real batches from the corpus PREFIX (PREFIX.SRC, PREFIX.TGT) instead of synthetic ones.")
    var corpus: String?

    @Option(help: "Source language of --corpus.")
    var sourceLang: String?

    @Option(help: "Target language of --corpus.")
    var targetLang: String?

    @Option(help: "Vocabulary manifest for --corpus (from fanyi-vocab build).")
    var vocab: String?

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        if steps < 1 || warmup < 0 { throw ValidationError("--steps must be ≥ 1 and --warmup ≥ 0") }
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if corpus != nil && (sourceLang == nil || targetLang == nil || vocab == nil) {
            throw ValidationError("--corpus needs --source-lang, --target-lang and --vocab")
        }
        if corpus == nil && (sourceLang != nil || targetLang != nil || vocab != nil) {
            throw ValidationError("--source-lang, --target-lang and --vocab go with --corpus")
        }
    }

    /// The batches to time and the vocabulary sizes they need.
    func makeBatches(group: ProcessGroup) throws -> (batches: [Batch], sourceVocabulary: Int, targetVocabulary: Int, label: String) {
        let count = warmup + steps
        guard let corpus, let sourceLang, let targetLang, let vocab else {
            var rng = RandomGenerator(seed: 7).split(UInt64(group.rank))
            func sentence() -> [Int32] {
                (0..<Int.random(in: 20...30, using: &rng)).map { _ in Int32.random(in: 4..<8000, using: &rng) }
            }
            let batches = (0..<count).map { _ in
                let pairs = (0..<batchSize).map { _ in (sentence(), sentence()) }
                return Batch(sources: pairs.map(\.0), targets: pairs.map(\.1))
            }
            return (batches, 8000, 8000, "synthetic batches")
        }
        let pipeline = try TextPipeline(manifest: vocab, sourceLanguage: sourceLang, targetLanguage: targetLang)
        let raw = try ParallelCorpus.read(prefixes: [corpus], sourceLanguage: sourceLang, targetLanguage: targetLang)
        let encoded = try pipeline.encode(raw, maxLength: TrainingOptions().maxLength)
        // Global batches of batchSize × ranks pairs; each rank takes its slice, as fanyi-train does.
        let batcher = Batcher(corpus: encoded.pairs, batchSize: batchSize * group.size, unit: .sentences)
        var batches: [Batch] = []
        var epoch = 0
        while batches.count < count {
            for indices in batcher.batches(epoch: epoch, seed: 1) where batches.count < count {
                let mine = Trainer.share(of: indices, rank: group.rank, size: group.size)
                if !mine.isEmpty { batches.append(batcher.batch(mine)) }
            }
            epoch += 1
        }
        return (batches, pipeline.source.vocabulary.count, pipeline.target.vocabulary.count,
                "real batches of \(corpus) (\(encoded.count) pairs)")
    }

    func run() throws {
        BLAS.threads = threads
        let group = Launch.processGroup()
        let (batches, sourceVocabulary, targetVocabulary, label) = try makeBatches(group: group)
        var config = ModelConfig.reference(sourceVocabularySize: sourceVocabulary, targetVocabularySize: targetVocabulary)
        config.cell = cell
        config.attention = attention
        let model = Seq2SeqModel(config: config, seed: 1)
        let optimizer = Adam()
        let workspace = model.makeWorkspace()
        var rng = RandomGenerator(seed: 7)
        let parameterCount = model.parameters.reduce(0) { $0 + $1.value.count }

        var times: [Double] = []
        var tokens: [Int] = []
        var flops: [Int] = []
        var phases = (forwardBackward: 0.0, optimizer: 0.0, blas: 0.0, allReduce: 0.0)
        var allReduceTimes: [Double] = []
        // The ceiling is timed between the steps (outside the step times), so that on a shared
        // machine whose speed drifts both numbers see the same drift.
        var ceilingRng = RandomGenerator(seed: 1)
        let ceilingProbe = GemmBenchmark.Probe(m: 1600, k: 256, n: 1024, using: &ceilingRng)
        var ceilingSamples: [Double] = []
        BLAS.profiling = true
        let before = ResourceUsage.now()
        for (i, batch) in batches.enumerated() {
            if i == warmup { BLAS.shapeProfile.withLock { $0 = [:] } }
            let flopsBefore = BLAS.flopCounter.load(ordering: .relaxed)
            let blasBefore = BLAS.nanosecondCounter.load(ordering: .relaxed)
            let start = monotonicSeconds()
            model.zeroGradients()
            model.lossAndGradients(batch, labelSmoothing: 0.1, gradientScale: 1 / Float(batch.targetTokens),
                                   using: &rng, workspace: workspace)
            let middle = monotonicSeconds()
            // Tokens and GEMM flops of all ranks (their batches differ).
            var stepTokens = [Double(batch.targetTokens), Double(BLAS.flopCounter.load(ordering: .relaxed) - flopsBefore)]
            let communicationBefore = group.communicationSeconds
            if group.size > 1 {
                group.allReduceSum(model.buffer.gradients.pointer, count: model.buffer.count)
                group.allReduceSum(&stepTokens)
            }
            let allReduce = group.communicationSeconds - communicationBefore
            optimizer.step(model.buffer, learningRate: 1e-3, gradientScale: clipScale(norm: gradientNorm(model.buffer), maxNorm: 5))
            let end = monotonicSeconds()
            if i >= warmup {
                times.append(end - start)
                tokens.append(Int(stepTokens[0]))
                allReduceTimes.append(allReduce)
                phases.allReduce += allReduce
                flops.append(Int(stepTokens[1]))
                phases.forwardBackward += middle - start
                phases.optimizer += end - middle - allReduce
                phases.blas += Double(BLAS.nanosecondCounter.load(ordering: .relaxed) - blasBefore) / 1e9
                BLAS.profiling = false
                ceilingSamples.append(ceilingProbe.gflops(repeats: 3))
                BLAS.profiling = true
            }
        }
        BLAS.profiling = false
        let after = ResourceUsage.now()
        // Every rank times the ceiling at once, as they share the machine while training.
        let ceiling = ceilingSamples.sorted()[ceilingSamples.count / 2]
        guard group.isMain else { return }

        let order = times.indices.sorted { times[$0] < times[$1] }
        let median = order[order.count / 2]
        let total = times.reduce(0, +)
        let gflops = Double(flops.reduce(0, +)) / total / 1e9
        print(String(format: "train (%@, %@ attention, batch %d, %d threads, %.1f M parameters, %@%@):",
                     cell.rawValue, attention.rawValue, batchSize, threads, Double(parameterCount) / 1e6, label,
                     group.size > 1 ? ", \(group.description), flops and tokens of all ranks" : ""))
        print(String(format: "  %d timed steps: median step %.3f s, %.0f target tokens/s, %.1f GFLOP/s in GEMMs (%.1f MFLOP per target token)",
                     steps, times[median], Double(tokens.reduce(0, +)) / total, gflops,
                     Double(flops.reduce(0, +)) / Double(tokens.reduce(0, +)) / 1e6))
        if group.size > 1 {
            print(String(format: "  all-reduce of %d gradients (%.1f MB) per step: median %.1f ms, %.0f %% of the step time",
                         model.buffer.count, Double(model.buffer.count * 4) / 1e6, 1000 * allReduceTimes.sorted()[allReduceTimes.count / 2],
                         100 * phases.allReduce / total))
        }
        print(String(format: "  GEMM ceiling in this run (1600×256·256×1024, %d threads%@, median of 3 runs after each step): %.1f GFLOP/s; training reaches %.0f %% of it",
                     threads, group.size > 1 ? " × \(group.size) ranks at once" : "", ceiling * Double(group.size), 100 * gflops / (ceiling * Double(group.size))))
        let cpu = ResourceUsage(peakResidentBytes: after.peakResidentBytes, userSeconds: after.userSeconds - before.userSeconds,
                                systemSeconds: after.systemSeconds - before.systemSeconds)
        print("  \(cpu.summary) during the steps")
        let stepTime = phases.forwardBackward + phases.optimizer
        print(String(format: "  where the time goes: BLAS (gemm/gemv/ger) %.0f %%, other forward+backward work (gates, softmax, copies) %.0f %%, gradient clipping + Adam %.0f %%",
                     100 * phases.blas / stepTime, 100 * (phases.forwardBackward - phases.blas) / stepTime,
                     100 * phases.optimizer / stepTime))
        printShapeProfile(stepTime: stepTime)
    }

    /// The BLAS products that took the most time, with the speed each ran at.
    func printShapeProfile(stepTime: Double, top: Int = 10) {
        let profile = BLAS.shapeProfile.withLock { $0 }
        let slowest = profile.sorted { $0.value.nanoseconds > $1.value.nanoseconds }.prefix(top)
        print("  BLAS products by time (share of the step time, calls per step, GFLOP/s):")
        for (shape, totals) in slowest {
            let seconds = Double(totals.nanoseconds) / 1e9
            print(String(format: "    %5.1f %%  %6.1f/step  %6.1f GFLOP/s  %@", 100 * seconds / stepTime,
                         Double(totals.calls) / Double(steps), Double(totals.flops) / seconds / 1e9, shape.description))
        }
    }

}

extension CellKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
