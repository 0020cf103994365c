import Seq2Seq
import Tensor

/// Cuts a corpus into batches, with length bucketing inside shuffled windows (OpenNMT's bucket,
/// Marian's maxi-batch): pairs are shuffled, each window of `window` batches' worth of pairs is
/// sorted by length and cut into batches, and the batches are shuffled again. Padding stays small
/// and the order stays random. Everything is drawn from the seed and the epoch number.
public struct Batcher: Sendable {
    public enum Unit: String, Codable, Sendable, CaseIterable {
        /// `batchSize` sentence pairs per batch.
        case sentences
        /// At most `batchSize` padded target-side tokens per batch (B × longest side).
        case tokens
    }

    public let corpus: any EncodedPairs
    public let batchSize: Int
    public let unit: Unit
    public let window: Int

    public init(corpus: any EncodedPairs, batchSize: Int, unit: Unit, window: Int = 100) {
        self.corpus = corpus
        self.batchSize = batchSize
        self.unit = unit
        self.window = max(1, window)
    }

    /// The batches of epoch `epoch` (each a list of pair indices).
    public func batches(epoch: Int, seed: UInt64) -> [[Int]] {
        var rng = RandomGenerator(seed: seed).split(UInt64(epoch))
        var order = Array(0..<corpus.count)
        order.shuffle(using: &rng)
        let averageLength = max(1, corpus.sourceTokens / max(1, corpus.count))
        let pairsPerWindow = window * (unit == .sentences ? batchSize : max(1, batchSize / averageLength))
        var batches: [[Int]] = []
        var start = 0
        while start < order.count {
            let slice = Array(order[start..<min(order.count, start + pairsPerWindow)])
            let lengths = slice.map { corpus.lengths($0) }
            let keyed = zip(slice, lengths).sorted { a, b in (a.1.source, a.1.target, a.0) < (b.1.source, b.1.target, b.0) }
            var current: [Int] = []
            var longest = 0
            for (index, pairLengths) in keyed {
                let length = max(pairLengths.source, pairLengths.target + 1)
                let full = unit == .sentences ? current.count >= batchSize : (current.count + 1) * max(longest, length) > batchSize
                if full && !current.isEmpty {
                    batches.append(current)
                    current = []
                    longest = 0
                }
                current.append(index)
                longest = max(longest, length)
            }
            if !current.isEmpty { batches.append(current) }
            start += pairsPerWindow
        }
        batches.shuffle(using: &rng)
        return batches
    }

    /// The model batch of pair indices.
    public func batch(_ indices: [Int]) -> Batch {
        let pairs = indices.map { corpus.pair($0) }
        return Batch(sources: pairs.map(\.source), targets: pairs.map(\.target))
    }

    /// Share of padding in the source and target matrices over `batches` (0 = none).
    public func paddingRatio(_ batches: [[Int]]) -> Double {
        var real = 0, padded = 0
        for indices in batches {
            let lengths = indices.map { corpus.lengths($0) }
            let s = lengths.map(\.source), t = lengths.map { $0.target + 1 }
            real += s.reduce(0, +) + t.reduce(0, +)
            padded += indices.count * (s.max()! + t.max()!)
        }
        return padded == 0 ? 0 : 1 - Double(real) / Double(padded)
    }
}
