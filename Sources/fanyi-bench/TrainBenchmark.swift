import ArgumentParser
import Seq2Seq
import Tensor
import Training

/// Training steps (forward, backward, Adam) of the reference configuration on synthetic batches.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training speed of the reference configuration: target tokens/s, GFLOP/s, peak memory.",
        discussion: """
            Reference configuration: vocabularies 8,000, embeddings 256, encoder 2
            bidirectional LSTM layers of 128 per direction, decoder 2 LSTM layers of
            256, general attention with input feeding, dropout 0.2; batches of 64
            sentence pairs of 20–30 tokens (synthetic ids).
            Example: fanyi-bench train --threads 2
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

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        if steps < 1 || warmup < 0 { throw ValidationError("--steps must be ≥ 1 and --warmup ≥ 0") }
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
    }

    func run() throws {
        BLAS.threads = threads
        var config = ModelConfig.reference()
        config.cell = cell
        config.attention = attention
        let model = Seq2SeqModel(config: config, seed: 1)
        let optimizer = Adam()
        let workspace = model.makeWorkspace()
        var rng = RandomGenerator(seed: 7)
        func syntheticBatch() -> Batch {
            func sentence() -> [Int32] {
                (0..<Int.random(in: 20...30, using: &rng)).map { _ in Int32.random(in: 4..<8000, using: &rng) }
            }
            let pairs = (0..<batchSize).map { _ in (sentence(), sentence()) }
            return Batch(sources: pairs.map(\.0), targets: pairs.map(\.1))
        }
        let batches = (0..<(warmup + steps)).map { _ in syntheticBatch() }
        let parameterCount = model.parameters.reduce(0) { $0 + $1.value.count }

        var times: [Double] = []
        var tokens: [Int] = []
        var flops: [Int] = []
        var phases = (forwardBackward: 0.0, optimizer: 0.0, blas: 0.0)
        BLAS.profiling = true
        for (i, batch) in batches.enumerated() {
            let flopsBefore = BLAS.flopCounter.load(ordering: .relaxed)
            let blasBefore = BLAS.nanosecondCounter.load(ordering: .relaxed)
            let start = monotonicSeconds()
            model.zeroGradients()
            model.lossAndGradients(batch, labelSmoothing: 0.1, gradientScale: 1 / Float(batch.targetTokens),
                                   using: &rng, workspace: workspace)
            let middle = monotonicSeconds()
            clipGradientNorm(model.parameters, maxNorm: 5)
            optimizer.step(model.parameters, learningRate: 1e-3)
            let end = monotonicSeconds()
            if i >= warmup {
                times.append(end - start)
                tokens.append(batch.targetTokens)
                flops.append(BLAS.flopCounter.load(ordering: .relaxed) - flopsBefore)
                phases.forwardBackward += middle - start
                phases.optimizer += end - middle
                phases.blas += Double(BLAS.nanosecondCounter.load(ordering: .relaxed) - blasBefore) / 1e9
            }
        }
        let order = times.indices.sorted { times[$0] < times[$1] }
        let median = order[order.count / 2]
        let tokensPerSecond = Double(tokens[median]) / times[median]
        let gflops = Double(flops[median]) / times[median] / 1e9
        print(String(format: "train (%@, %@ attention, batch %d, %d threads, %.1f M parameters): median step %.3f s over %d steps, %.0f target tokens/s, %.1f GFLOP/s in GEMMs (%.1f MFLOP per target token), peak memory %.0f MiB",
                     cell.rawValue, attention.rawValue, batchSize, threads, Double(parameterCount) / 1e6, times[median], steps,
                     tokensPerSecond, gflops, Double(flops[median]) / Double(tokens[median]) / 1e6, peakMemoryMiB()))
        let total = phases.forwardBackward + phases.optimizer
        print(String(format: "  where the time goes: BLAS (gemm/gemv/ger) %.0f %%, other forward+backward work (gates, softmax, copies) %.0f %%, gradient clipping + Adam %.0f %%",
                     100 * phases.blas / total, 100 * (phases.forwardBackward - phases.blas) / total,
                     100 * phases.optimizer / total))
    }
}

extension CellKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
