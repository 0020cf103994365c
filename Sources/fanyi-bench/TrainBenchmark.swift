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

    @Option(help: ArgumentHelp("Shards per batch, one thread each (as fanyi-train: the threads); a list (1,2) times each on the same batches, step by step.",
                               valueName: "n[,n...]"))
    var shards: String?

    /// The shard counts to time, in order.
    var shardCounts: [Int] { shards.map { $0.split(separator: ",").compactMap { Int($0) } } ?? [threads] }

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        if steps < 1 || warmup < 0 { throw ValidationError("--steps must be ≥ 1 and --warmup ≥ 0") }
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if let shards, shardCounts.count != shards.split(separator: ",").count || shardCounts.contains(where: { $0 < 1 || $0 > threads }) {
            throw ValidationError("--shards takes shard counts from 1 to --threads (\(threads)), e.g. 1,2; got '\(shards)'")
        }
        if corpus != nil && (sourceLang == nil || targetLang == nil || vocab == nil) {
            throw ValidationError("--corpus needs --source-lang, --target-lang and --vocab")
        }
        if corpus == nil && (sourceLang != nil || targetLang != nil || vocab != nil) {
            throw ValidationError("--source-lang, --target-lang and --vocab go with --corpus")
        }
    }

    /// One step's pairs (this rank's share), length-sorted as the trainer's batches are.
    typealias Pairs = [(source: [Int32], target: [Int32])]

    /// The batches to time and the vocabulary sizes they need.
    func makeBatches(group: ProcessGroup) throws -> (batches: [Pairs], sourceVocabulary: Int, targetVocabulary: Int, label: String) {
        let count = warmup + steps
        guard let corpus, let sourceLang, let targetLang, let vocab else {
            var rng = RandomGenerator(seed: 7).split(UInt64(group.rank))
            func sentence() -> [Int32] {
                (0..<Int.random(in: 20...30, using: &rng)).map { _ in Int32.random(in: 4..<8000, using: &rng) }
            }
            let batches: [Pairs] = (0..<count).map { _ in (0..<batchSize).map { _ in (sentence(), sentence()) } }
            return (batches, 8000, 8000, "synthetic batches")
        }
        let pipeline = try TextPipeline(manifest: vocab, sourceLanguage: sourceLang, targetLanguage: targetLang)
        let raw = try ParallelCorpus.read(prefixes: [corpus], sourceLanguage: sourceLang, targetLanguage: targetLang)
        let encoded = try pipeline.encode(raw, maxLength: TrainingOptions().maxLength)
        // Global batches of batchSize × ranks pairs; each rank takes its slice, as fanyi-train does.
        let batcher = Batcher(corpus: encoded.pairs, batchSize: batchSize * group.size, unit: .sentences)
        var batches: [Pairs] = []
        var epoch = 0
        while batches.count < count {
            for indices in batcher.batches(epoch: epoch, seed: 1) where batches.count < count {
                let mine = Trainer.share(of: indices, rank: group.rank, size: group.size, lengths: encoded.pairs.lengths)
                if !mine.isEmpty { batches.append(mine.map { encoded.pairs.pair($0) }) }
            }
            epoch += 1
        }
        return (batches, pipeline.source.vocabulary.count, pipeline.target.vocabulary.count,
                "real batches of \(corpus) (\(encoded.count) pairs)")
    }

    /// What one shard count's timed steps measured.
    struct Measurement {
        var times: [Double] = [], tokens: [Int] = [], flops: [Int] = [], modelFlops: [Int] = []
        /// Per step: the gradients' all-reduce, and the wait for the slower rank before it.
        var allReduceTimes: [Double] = [], rankWaitTimes: [Double] = []
        /// `allReduce` sums both; `rankWait` the waits alone.
        var forwardBackward = 0.0, optimizer = 0.0, blas = 0.0, allReduce = 0.0, rankWait = 0.0, shardWait = 0.0
        var userSeconds = 0.0, systemSeconds = 0.0
        var profile: [BLAS.Shape: BLAS.ShapeTotals] = [:]
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
        let counts = shardCounts
        let shards = BatchShards(model: model, workspace: model.makeWorkspace(), count: counts.max()!)
        var rng = RandomGenerator(seed: 7)
        let parameterCount = model.parameters.reduce(0) { $0 + $1.value.count }

        var measurements = counts.map { _ in Measurement() }
        // The ceiling is timed between the steps (outside the step times), so that on a shared
        // machine whose speed drifts both numbers see the same drift.
        var ceilingRng = RandomGenerator(seed: 1)
        let ceilingProbe = GemmBenchmark.Probe(m: 1600, k: 256, n: 1024, copies: threads, using: &ceilingRng)
        var ceilingSamples: [Double] = []
        for (i, pairs) in batches.enumerated() {
            // Each shard count trains on the same batch in turn, so that all see the same machine.
            for (c, shardCount) in counts.enumerated() {
                let parts = shards.shares(of: Array(pairs.indices), shards: shardCount) { (pairs[$0].source.count, pairs[$0].target.count) }
                    .map { Batch(sources: $0.map { pairs[$0].source }, targets: $0.map { pairs[$0].target }) }
                let targetTokens = parts.reduce(0) { $0 + $1.targetTokens }
                let modelFlops = parts.reduce(0) { $0 + config.trainingFlops(sourceLengths: $1.sourceLengths, targetLengths: $1.targetLengths) }
                BLAS.shapeProfile.withLock { $0 = [:] }
                BLAS.profiling = true
                let flopsBefore = BLAS.flopCounter.load(ordering: .relaxed)
                let blasBefore = BLAS.nanosecondCounter.load(ordering: .relaxed)
                // The ranks start each step together: the ceiling's products between the steps end
                // at different times on each rank, which would otherwise count as waiting below.
                if group.size > 1 {
                    var together = [0.0]
                    group.allReduceSum(&together)
                }
                let usageBefore = ResourceUsage.now()
                let start = monotonicSeconds()
                model.zeroGradients()
                _ = shards.lossAndGradients(parts, labelSmoothing: 0.1, gradientScale: 1 / Float(targetTokens), using: &rng)
                let middle = monotonicSeconds()
                // Tokens, executed GEMM flops and model flops of all ranks (their batches differ).
                var stepTokens = [Double(targetTokens), Double(BLAS.flopCounter.load(ordering: .relaxed) - flopsBefore),
                                  Double(modelFlops)]
                // The three numbers go first: that all-reduce returns when the slower rank arrives,
                // so its time is the wait, and the gradients' all-reduce after it is the transfer.
                let communicationBefore = group.communicationSeconds
                var rankWait = 0.0
                if group.size > 1 {
                    group.allReduceSum(&stepTokens)
                    rankWait = group.communicationSeconds - communicationBefore
                    group.allReduceSum(model.buffer.gradients.pointer, count: model.buffer.count)
                }
                let allReduce = group.communicationSeconds - communicationBefore
                optimizer.step(model.buffer, learningRate: 1e-3, gradientScale: clipScale(norm: shards.gradientNorm(ranks: group.size), maxNorm: 5))
                let end = monotonicSeconds()
                let usageAfter = ResourceUsage.now()
                BLAS.profiling = false
                guard i >= warmup else { continue }
                var m = measurements[c]
                m.times.append(end - start)
                m.tokens.append(Int(stepTokens[0]))
                m.flops.append(Int(stepTokens[1]))
                m.modelFlops.append(Int(stepTokens[2]))
                m.allReduceTimes.append(allReduce - rankWait)
                m.rankWaitTimes.append(rankWait)
                m.allReduce += allReduce
                m.rankWait += rankWait
                m.forwardBackward += middle - start
                m.optimizer += end - middle - allReduce
                m.blas += Double(BLAS.nanosecondCounter.load(ordering: .relaxed) - blasBefore) / 1e9
                m.shardWait += shards.shardSeconds.reduce(0) { $0 + shards.elapsedSeconds - $1 }
                m.userSeconds += usageAfter.userSeconds - usageBefore.userSeconds
                m.systemSeconds += usageAfter.systemSeconds - usageBefore.systemSeconds
                for (shape, totals) in BLAS.shapeProfile.withLock({ $0 }) {
                    m.profile[shape, default: BLAS.ShapeTotals()].calls += totals.calls
                    m.profile[shape, default: BLAS.ShapeTotals()].nanoseconds += totals.nanoseconds
                    m.profile[shape, default: BLAS.ShapeTotals()].flops += totals.flops
                }
                measurements[c] = m
            }
            if i >= warmup { ceilingSamples.append(ceilingProbe.ceiling(repeats: 3, threads: threads)) }
        }
        // Every rank times the ceiling at once, as they share the machine while training.
        let ceiling = median(ceilingSamples)
        guard group.isMain else { return }

        print(String(format: "train (%@, %@ attention, batch %d, %d threads, %.1f M parameters, %@%@):",
                     cell.rawValue, attention.rawValue, batchSize, threads, Double(parameterCount) / 1e6, label,
                     group.size > 1 ? ", \(group.description), flops and tokens of all ranks" : ""))
        print(String(format: "  GEMM ceiling in this run (1600×256·256×1024 on %d threads%@: the best of one product split by Fanyi's pool, split by OpenBLAS's threads, one product per thread at once, and one per thread at once through Fanyi's packed kernel; median of 3 runs each after each step): %.1f GFLOP/s",
                     threads, group.size > 1 ? " × \(group.size) ranks at once" : "", ceiling * Double(group.size)))
        for (c, m) in zip(counts, measurements) {
            let order = m.times.indices.sorted { m.times[$0] < m.times[$1] }
            let total = m.times.reduce(0, +)
            // The share of the ceiling counts model flops (real positions only, see
            // `ModelConfig.trainingFlops`): products run on padding are work, not progress.
            let (tokens, flops, modelFlops) = (Double(m.tokens.reduce(0, +)), Double(m.flops.reduce(0, +)), Double(m.modelFlops.reduce(0, +)))
            print(String(format: "  %d shard%@ (%d thread%@ each): %d timed steps, median step %.3f s, %.0f target tokens/s, %.1f GFLOP/s of model products (%.1f MFLOP per target token, padding left out): %.0f %% of the ceiling",
                         c, c == 1 ? "" : "s", c == 1 ? threads : 1, c == 1 && threads > 1 ? "s" : "", steps,
                         m.times[order[order.count / 2]], tokens / total, modelFlops / total / 1e9, modelFlops / tokens / 1e6,
                         100 * modelFlops / total / 1e9 / (ceiling * Double(group.size))))
            print(String(format: "    products executed, padding included: %.1f GFLOP/s (%.1f MFLOP per target token, %.0f %% of them on real positions)",
                         flops / total / 1e9, flops / tokens / 1e6, 100 * modelFlops / flops))
            if group.size > 1 {
                print(String(format: "    all-reduce of %d gradients (%.1f MB) per step: median %.1f ms, %.0f %% of the step time; waiting for the slower rank before it: median %.1f ms, %.0f %%",
                             model.buffer.count, Double(model.buffer.count * 4) / 1e6, 1000 * median(m.allReduceTimes),
                             100 * (m.allReduce - m.rankWait) / total, 1000 * median(m.rankWaitTimes), 100 * m.rankWait / total))
            }
            let cpu = m.userSeconds + m.systemSeconds
            print(String(format: "    %.1f %% of CPU time in the kernel during the steps (%.2f of %.1f s)",
                         cpu > 0 ? 100 * m.systemSeconds / cpu : 0, m.systemSeconds, cpu))
            // BLAS time is summed over the shards' threads: compare it with theirs.
            let stepTime = m.forwardBackward + m.optimizer
            let threadTime = m.forwardBackward * Double(c)
            print(String(format: "    where the time goes: forward+backward %.0f %% of the step (of the shards' thread time: BLAS %.0f %%, other work such as gates, softmax, copies %.0f %%, waiting for other shards %.0f %%), gradient sum + clipping + Adam %.0f %%",
                         100 * m.forwardBackward / stepTime, 100 * m.blas / threadTime, 100 * (threadTime - m.blas - m.shardWait) / threadTime,
                         100 * m.shardWait / threadTime, 100 * m.optimizer / stepTime))
            printShapeProfile(m.profile, threadTime: threadTime)
        }
        print("  peak memory \(ResourceUsage.now().peakResidentBytes / (1 << 20)) MiB")
    }

    /// The BLAS products that took the most time, with the speed each ran at.
    func printShapeProfile(_ profile: [BLAS.Shape: BLAS.ShapeTotals], threadTime: Double, top: Int = 16) {
        let slowest = profile.sorted { $0.value.nanoseconds > $1.value.nanoseconds }.prefix(top)
        print("    BLAS products by time (share of the shards' thread time, calls per step, GFLOP/s):")
        for (shape, totals) in slowest {
            let seconds = Double(totals.nanoseconds) / 1e9
            print(String(format: "      %5.1f %%  %6.1f/step  %6.1f GFLOP/s  %@", 100 * seconds / threadTime,
                         Double(totals.calls) / Double(steps), Double(totals.flops) / seconds / 1e9, shape.description))
        }
    }
}

extension CellKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
