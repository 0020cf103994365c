import Testing
import Tensor
@testable import Seq2Seq
@testable import Training

@Suite struct BatchShardsTests {
    static let pairs: [([Int32], [Int32])] = [
        ([4, 5, 6, 7], [5, 6]), ([8, 4], [7, 4, 6]), ([5], [4]), ([6, 6, 7, 8, 4], [5, 7, 4, 4]), ([7, 5, 4], [6]),
    ]

    static func lengths(_ i: Int) -> (source: Int, target: Int) { (pairs[i].0.count, pairs[i].1.count) }

    /// Shares are dealt longest target first, in rounds of alternating direction: the first
    /// share gets the longest target, the second the next two; together they hold every pair once.
    @Test func sharesAreDealtByLength() {
        let all = Array(Self.pairs.indices)
        let first = Trainer.share(of: all, rank: 0, size: 2, lengths: Self.lengths)
        let second = Trainer.share(of: all, rank: 1, size: 2, lengths: Self.lengths)
        // Longest first: 3, 1, 0, 4, 2 (targets 4, 3, 2, 1, 1; of two with target 1 the longer
        // source first). Rounds: (3 → 0, 1 → 1), (0 → 1, 4 → 0), (2 → 0): targets 4, 1, 1 and 3, 2.
        #expect(first == [3, 4, 2] && second == [1, 0])
        #expect(Set(first + second) == Set(all) && first.count + second.count == all.count)
        // Three shares of seven equal-length pairs: rounds 0 1 2, 2 1 0, 0.
        let seven = Array(0..<7)
        let three = (0..<3).map { Trainer.share(of: seven, rank: $0, size: 3) { _ in (source: 1, target: 1) } }
        #expect(three == [[0, 5, 6], [1, 4], [2, 3]])
        #expect(Trainer.share(of: [2], rank: 1, size: 2, lengths: Self.lengths).isEmpty)
    }

    func makeModel(dropout: Float, tied: Bool = false, cell: CellKind = .lstm) -> Seq2SeqModel {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 8)
        config.cell = cell
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize, config.dropout) = (tied ? 4 : 3, 2, 4, dropout)
        config.tiedTargetEmbeddings = tied
        return Seq2SeqModel(config: config, seed: 5)
    }

    func batch(_ indices: [Int]) -> Batch {
        Batch(sources: indices.map { Self.pairs[$0].0 }, targets: indices.map { Self.pairs[$0].1 })
    }

    /// A replica sees the model's values (also after they change) and keeps gradients of its own.
    @Test func replicaSharesValuesNotGradients() {
        let model = makeModel(dropout: 0)
        let replica = model.replica()
        #expect(replica.buffer.values === model.buffer.values)
        #expect(replica.buffer.gradients !== model.buffer.gradients)
        model.buffer.values.pointer[7] = 0.75
        #expect(replica.parameters.map(\.value.storage) == model.parameters.map(\.value.storage))
        replica.parameters[0].grad.pointer[0] = 3
        #expect(model.parameters[0].grad.pointer[0] == 0)
    }

    /// Without dropout, shards of a batch (1, 2 and 3, on whatever threads there are) give the
    /// loss and summed gradients of the whole batch in one pass, and leave the replicas' gradients
    /// at zero for the next batch. The forward-only loss agrees too. With the generator tied to
    /// the target embeddings, that table's gradient is dense and summed whole. Several shards
    /// leave their weight-gradient products as jobs (`GradientJobs`), LSTM and GRU alike.
    @Test(arguments: [1, 2, 3], [false, true])
    func shardsEqualTheWholeBatch(count: Int, tied: Bool) {
        for cell in CellKind.allCases { shardsEqualTheWholeBatch(count: count, tied: tied, cell: cell) }
    }

    func shardsEqualTheWholeBatch(count: Int, tied: Bool, cell: CellKind) {
        Parallel.threads = max(2, Parallel.threads)
        let model = makeModel(dropout: 0, tied: tied, cell: cell)
        #expect(model.sparseGradientTables.count == (tied ? 1 : 2))
        let all = Array(Self.pairs.indices)
        let whole = batch(all)
        var rng = RandomGenerator(seed: 2)
        model.zeroGradients()
        let scale = 1 / Float(whole.targetTokens)
        let expectedLoss = model.lossAndGradients(whole, labelSmoothing: 0.1, gradientScale: scale, using: &rng,
                                                  workspace: model.makeWorkspace())
        let expected = Array(model.buffer.gradients.buffer)
        let expectedPlainLoss = model.loss(whole, workspace: model.makeWorkspace())

        let shards = BatchShards(model: model, workspace: model.makeWorkspace(), count: count)
        let parts = shards.shares(of: all, lengths: Self.lengths).map(batch)
        #expect(parts.reduce(0) { $0 + $1.size } == whole.size)
        for _ in 0..<2 {  // twice: the replicas must start the second batch from zero
            model.zeroGradients()
            var rng = RandomGenerator(seed: 2)
            let loss = shards.lossAndGradients(parts, labelSmoothing: 0.1, gradientScale: scale, using: &rng)
            #expect(abs(loss - expectedLoss) < 1e-5 * abs(expectedLoss))
            let worst = zip(model.buffer.gradients.buffer, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-6, "\(count) shards: gradients differ by \(worst)")
            #expect(expected.contains { abs($0) > 1e-4 })  // the comparison compares something
            for replica in shards.models.dropFirst() { #expect(replica.buffer.gradients.buffer.allSatisfy { $0 == 0 }) }
            // The sum's pass also gives the norm clipping needs.
            if count == 1 {
                #expect(shards.summedSquares == nil)
            } else {
                let norm = gradientNorm(model.buffer)
                #expect(abs(Float(shards.summedSquares!.squareRoot()) - norm) <= 1e-6 * norm, "\(shards.summedSquares!) vs \(norm)²")
                #expect(shards.gradientNorm(ranks: 1) == Float(shards.summedSquares!.squareRoot()))
                #expect(shards.gradientNorm(ranks: 2) == norm)  // other ranks' gradients: a pass of its own
            }
        }
        #expect(abs(shards.loss(parts) - expectedPlainLoss) < 1e-5 * abs(expectedPlainLoss))
    }

    /// On a busy pool (here a serial section) the shards run one after another on the calling
    /// thread: a shard done first must not wait for jobs of one not started, and the gradients
    /// are those of the whole batch.
    @Test func shardsRunOneAfterAnotherOnABusyPool() {
        Parallel.threads = max(2, Parallel.threads)
        let model = makeModel(dropout: 0)
        let all = Array(Self.pairs.indices)
        let whole = batch(all)
        var rng = RandomGenerator(seed: 2)
        model.zeroGradients()
        model.lossAndGradients(whole, using: &rng, workspace: model.makeWorkspace())
        let expected = Array(model.buffer.gradients.buffer)
        let shards = BatchShards(model: model, workspace: model.makeWorkspace(), count: 2)
        model.zeroGradients()
        rng = RandomGenerator(seed: 2)
        Parallel.serially {
            _ = shards.lossAndGradients(shards.shares(of: all, lengths: Self.lengths).map(batch), labelSmoothing: 0,
                                        gradientScale: 1, using: &rng)
        }
        let worst = zip(model.buffer.gradients.buffer, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-6, "gradients differ by \(worst)")
        #expect(shards.workspaces.allSatisfy { $0.gradientJobs.claim() == nil && !$0.gradientJobs.isRunning })
        // After the batch the workspaces make gradients at once again (a direct
        // `lossAndGradients` on them must not leave jobs nobody runs).
        #expect(shards.workspaces.allSatisfy { !$0.gradientJobs.deferring })
    }

    /// Shards whose tokens differ (in both tables, each shard touches rows the other does not;
    /// target inputs share only <s>): the sum visits every row some shard touched, and zeroes the
    /// replica's rows, batch after batch with other tokens.
    @Test func tableRowsOfEveryShardAreSummed() {
        Parallel.threads = max(2, Parallel.threads)
        let steps: [[([Int32], [Int32])]] = [[([4, 5], [4]), ([7, 8, 7], [6, 7])], [([6], [5, 5]), ([5, 4], [7])]]
        let model = makeModel(dropout: 0)
        let shards = BatchShards(model: model, workspace: model.makeWorkspace(), count: 2)
        for pairs in steps {
            let parts = pairs.map { Batch(sources: [$0.0], targets: [$0.1]) }
            let whole = Batch(sources: pairs.map(\.0), targets: pairs.map(\.1))
            model.zeroGradients()
            var rng = RandomGenerator(seed: 2)
            model.lossAndGradients(whole, using: &rng, workspace: model.makeWorkspace())
            let expected = Array(model.buffer.gradients.buffer)
            model.zeroGradients()
            rng = RandomGenerator(seed: 2)
            shards.lossAndGradients(parts, labelSmoothing: 0, gradientScale: 1, using: &rng)
            let tables = shards.models.map { $0.sparseGradientTables.map(\.touchedRows) }
            for t in 0..<2 {
                #expect(!Set(tables[0][t]).isSubset(of: tables[1][t]) && !Set(tables[1][t]).isSubset(of: tables[0][t]))
            }
            let worst = zip(model.buffer.gradients.buffer, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-6, "gradients differ by \(worst)")
            #expect(shards.models[1].buffer.gradients.buffer.allSatisfy { $0 == 0 })
            let norm = gradientNorm(model.buffer)
            #expect(abs(Float(shards.summedSquares!.squareRoot()) - norm) <= 1e-6 * norm)
        }
    }

    /// With dropout, shard 0 draws from the caller's generator as unsharded training does, so one
    /// shard is exactly the unsharded step; more shards are reproducible.
    @Test func dropoutMasksAreReproducible() {
        let all = Array(Self.pairs.indices)
        func run(count: Int) -> [Float] {
            let model = makeModel(dropout: 0.3)
            let shards = BatchShards(model: model, workspace: model.makeWorkspace(), count: count)
            var rng = RandomGenerator(seed: 4)
            shards.lossAndGradients(shards.shares(of: all, lengths: Self.lengths).map(batch), labelSmoothing: 0,
                                    gradientScale: 1, using: &rng)
            return Array(model.buffer.gradients.buffer)
        }
        let model = makeModel(dropout: 0.3)
        var rng = RandomGenerator(seed: 4)
        model.lossAndGradients(batch(all), using: &rng, workspace: model.makeWorkspace())
        #expect(run(count: 1) == Array(model.buffer.gradients.buffer))
        #expect(run(count: 2) == run(count: 2))
    }
}
