#if canImport(Glibc)
import Glibc
#endif
import Seq2Seq
import Tensor

/// Forward and backward over a batch cut into shards, one per thread.
///
/// Each thread runs its shard with products left whole (regions nested in a pool run stay on
/// their thread) on a replica of the model: the same parameter values, gradients and
/// activations of its own. The replicas' gradients are then summed into the model's. This is data
/// parallelism inside one process, as the ranks of an `mpirun` job do across processes: the
/// decoder's per-step products have only B rows, and split across threads each of thousands
/// of them a step paid a hand-off, while the element-wise work between them ran on one thread.
public final class BatchShards {
    /// `models[0]` is the model being trained; the others are its replicas.
    public let models: [Seq2SeqModel]
    public let workspaces: [Seq2SeqModel.Workspace]

    public var count: Int { models.count }

    /// Seconds each thread of the last `lossAndGradients` worked (its shard, and the jobs it took
    /// from other shards), and seconds until the last thread was done: the difference is the
    /// threads' wait for the slowest (a benchmark reports it).
    public private(set) var shardSeconds: [Double] = []
    public private(set) var elapsedSeconds = 0.0

    /// Σ g² of the model's gradients after the last `lossAndGradients` summed its shards (nil
    /// after one shard): the gradient norm for clipping, from the same pass as the sum. It counts
    /// the embedding rows that batch touched, so it holds when the model's gradients were zero
    /// before the call (training zeroes them every step); after gradients of several calls,
    /// use `Training.gradientNorm`.
    public private(set) var summedSquares: Double?

    /// The L2 norm of the model's gradients for clipping: from the shards' sum when it squared
    /// them and no other rank's gradients were added since (`ranks` == 1), else a pass of its own.
    public func gradientNorm(ranks: Int) -> Float {
        if ranks == 1, let summedSquares { return Float(summedSquares.squareRoot()) }
        return Training.gradientNorm(models[0].buffer)
    }

    /// Shards for `model` (whose `workspace` serves shard 0).
    public init(model: Seq2SeqModel, workspace: Seq2SeqModel.Workspace, count: Int) {
        precondition(count >= 1, "at least one shard")
        let replicas = (1..<count).map { _ in model.replica() }
        models = [model] + replicas
        workspaces = [workspace] + replicas.map { $0.makeWorkspace() }
    }

    /// A batch's pairs cut into shards, dealt by length (`Trainer.share`) so that the shards'
    /// steps take about the same time; empty shards (a batch of fewer pairs than shards) left out.
    /// `shards` (at most `count`, all of them by default) is how many to cut.
    public func shares(of indices: [Int], shards: Int? = nil, lengths: (Int) -> (source: Int, target: Int)) -> [[Int]] {
        let size = shards ?? count
        precondition(size >= 1 && size <= count, "\(size) shares for \(count) shards")
        return (0..<size).map { Trainer.share(of: indices, rank: $0, size: size, lengths: lengths) }.filter { !$0.isEmpty }
    }

    /// Accumulates the gradients of `batches` (one per shard, at most `count`) into `models[0]`'s
    /// gradients, each scaled by `gradientScale`; returns their summed loss. Shard 0 draws its
    /// dropout masks from `rng` as unsharded training does; shard s > 0 from `rng.split(6000 + s)`.
    public func lossAndGradients(_ batches: [Batch], labelSmoothing: Float, gradientScale: Float,
                                 using rng: inout RandomGenerator) -> Double {
        precondition(batches.count <= count, "\(batches.count) batches for \(count) shards")
        summedSquares = nil
        models[0].packDecoderWeights(for: Array(workspaces.prefix(batches.count)))
        let start = ContinuousClock.now
        if batches.count <= 1 {
            guard let batch = batches.first else { return 0 }
            defer {
                elapsedSeconds = Self.seconds(since: start)
                shardSeconds = [elapsedSeconds]
            }
            return models[0].lossAndGradients(batch, labelSmoothing: labelSmoothing, gradientScale: gradientScale,
                                              using: &rng, workspace: workspaces[0])
        }
        var generators = batches.indices.map { $0 == 0 ? rng : rng.split(UInt64(6_000 + $0)) }
        var losses = [Double](repeating: 0, count: batches.count)
        var seconds = [Double](repeating: 0, count: batches.count)
        // The shards leave their weight-gradient products as jobs for this region only.
        let jobs = workspaces.prefix(batches.count).map(\.gradientJobs)
        for shard in jobs {
            shard.reset()
            shard.deferring = true
        }
        generators.withUnsafeMutableBufferPointer { generators in
            losses.withUnsafeMutableBufferPointer { losses in
                seconds.withUnsafeMutableBufferPointer { seconds in
                    Parallel.forEachPart(batches.count) { s in
                        let partStart = ContinuousClock.now
                        jobs[s].start()
                        losses[s] = models[s].lossAndGradients(batches[s], labelSmoothing: labelSmoothing, gradientScale: gradientScale,
                                                               using: &generators[s], workspace: workspaces[s])
                        jobs[s].runRemainingAndFinish()
                        seconds[s] = Self.seconds(since: partStart) + Self.helpOtherShards(jobs, except: s)
                    }
                }
            }
        }
        (shardSeconds, elapsedSeconds) = (seconds, Self.seconds(since: start))
        // Every job has run (the region's end waits for the threads that took some): a later
        // direct use of these workspaces makes its gradients at once.
        for shard in jobs { shard.deferring = false }
        rng = generators[0]
        summedSquares = sumReplicaGradients(count: batches.count)
        return losses.reduce(0, +)
    }

    /// Adds the first `count − 1` replicas' gradients into the model's, in shard order, and
    /// leaves them at zero for the next batch; returns Σ g² of the sums (eight Double lanes per
    /// part, parts added in order).
    ///
    /// An embedding table's gradient is nonzero only on the rows of the batch's tokens (a few
    /// hundred of its thousands of rows), so there the pass visits only the rows some shard
    /// touched: the tables are half of the reference model's parameters.
    private func sumReplicaGradients(count: Int) -> Double {
        let total = models[0].buffer.gradients.pointer
        let replicas = models[1..<count].map { $0.buffer.gradients.pointer }
        let buffer = models[0].buffer!
        let ownTables = models[0].sparseGradientTables
        let tables = ownTables.indices.map { t in
            let weight = ownTables[t].weight
            let offset = buffer.offsets[buffer.parameters.firstIndex { $0 === weight }!]
            // The rows any of the shards touched, ascending.
            let rows = Set(models[0..<count].flatMap { $0.sparseGradientTables[t].touchedRows }).sorted()
            return (offset: offset, width: weight.value.cols, length: weight.value.count, rows: rows)
        }.sorted { $0.offset < $1.offset }
        // The dense stretches between the tables.
        var dense: [Range<Int>] = []
        var start = 0
        for table in tables {
            if table.offset > start { dense.append(start..<table.offset) }
            start = table.offset + table.length
        }
        if start < buffer.count { dense.append(start..<buffer.count) }

        var squares = 0.0
        for stretch in dense {
            squares += Parallel.mapRanges(stretch.count) { range in
                Self.addReplicas(replicas, into: total, range: (stretch.lowerBound + range.lowerBound)..<(stretch.lowerBound + range.upperBound))
            }.reduce(0, +)
        }
        for table in tables {
            squares += Parallel.mapRanges(table.rows.count, minimumPart: 64) { range in
                var sum = 0.0
                for row in table.rows[range] {
                    let first = table.offset + Int(row) * table.width
                    sum += Self.addReplicas(replicas, into: total, range: first..<(first + table.width))
                }
                return sum
            }.reduce(0, +)
        }
        return squares
    }

    /// `total[range] += Σ replica[range]` (in replica order), the replicas' range zeroed; returns
    /// Σ total[range]² (eight Double lanes; the last replica's pass squares the sums).
    private static func addReplicas(_ replicas: [UnsafeMutablePointer<Float>], into total: UnsafeMutablePointer<Float>,
                                    range: Range<Int>) -> Double {
        for replica in replicas.dropLast() {
            for i in range { total[i] += replica[i] }
            (replica + range.lowerBound).update(repeating: 0, count: range.count)
        }
        let last = replicas.last!
        var lanes = SIMD8<Double>()
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let t = UnsafeRawPointer(total + i).loadUnaligned(as: SIMD8<Float>.self)
                + UnsafeRawPointer(last + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(total + i).storeBytes(of: t, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(last + i).storeBytes(of: SIMD8<Float>(), as: SIMD8<Float>.self)
            let d = SIMD8<Double>(t)
            lanes += d * d
            i += 8
        }
        var sum = lanes.sum()
        while i < range.upperBound {
            total[i] += last[i]
            last[i] = 0
            sum += Double(total[i]) * Double(total[i])
            i += 1
        }
        return sum
    }

    /// Runs other shards' weight-gradient jobs while any other shard is running, so that a thread
    /// done with its shard shares the slower shards' last products instead of waiting for them.
    /// A shard not started is not waited for: when the pool is busy, the parts run one after
    /// another on this thread. Idle longer than the pool's own spin (200 µs), it sleeps 50 µs
    /// between looks, as a pool worker would sleep, so that on a machine with more threads than
    /// cores it leaves the core to the shards. Returns the seconds spent running jobs.
    private static func helpOtherShards(_ jobs: [GradientJobs], except own: Int) -> Double {
        var busy = 0.0
        var idleSince: ContinuousClock.Instant?
        while true {
            var ran = false, anyRunning = false
            for (s, shard) in jobs.enumerated() where s != own {
                // Read before claiming: a shard that was not running then has nothing left to publish.
                let running = shard.isRunning
                if let job = shard.claim() {
                    let start = ContinuousClock.now
                    job()
                    busy += seconds(since: start)
                    ran = true
                } else if running {
                    anyRunning = true
                }
            }
            if !anyRunning && !ran { return busy }
            if ran {
                idleSince = nil
            } else if let since = idleSince, ContinuousClock.now - since > .microseconds(200) {
                usleep(50)
            } else {
                idleSince = idleSince ?? .now
                // A few microseconds between looks (a job takes a millisecond or more): fewer
                // passes over the shards, each of which retains and releases them.
                for _ in 0..<32 { Parallel.relax() }
            }
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// The summed cross-entropy of `batches` (one per shard, at most `count`) without dropout or
    /// gradients (validation perplexity), the shards side by side.
    public func loss(_ batches: [Batch]) -> Double {
        precondition(batches.count <= count, "\(batches.count) batches for \(count) shards")
        var losses = [Double](repeating: 0, count: batches.count)
        models[0].packDecoderWeights(for: Array(workspaces.prefix(batches.count)))
        losses.withUnsafeMutableBufferPointer { losses in
            Parallel.forEachPart(batches.count) { s in losses[s] = models[s].loss(batches[s], workspace: workspaces[s]) }
        }
        return losses.reduce(0, +)
    }
}
