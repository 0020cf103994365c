/// Token ids of a batch of sentence pairs, padded and time-major (row t·B + b), ready for the model.
///
/// Sources are used as they are; targets become decoder inputs `<s> y₁ … y_n` and reference
/// outputs `y₁ … y_n </s>`. Padding is id 0 (`<pad>`). Rows are the pairs ordered longest
/// target first (ties in the given order): then at every decoder step the sentences still
/// running are the first rows, and teacher forcing runs only those (`Decoder.activeRows`).
/// A batch's loss and gradients are sums over its pairs, so the order changes nothing else.
public struct Batch: Sendable {
    public static let paddingID: Int32 = 0
    public static let bosID: Int32 = 2
    public static let eosID: Int32 = 3

    public let size: Int
    public let sourceSteps: Int
    public let targetSteps: Int
    public let sourceLengths: [Int]
    /// Decoder steps per sentence (target length + 1).
    public let targetLengths: [Int]
    public let source: [Int32]        // S·B
    public let targetInput: [Int32]   // T·B
    public let targetOutput: [Int32]  // T·B
    /// Real (non-padding) target positions: the tokens the loss is over.
    public let targetTokens: Int

    public init(sources: [[Int32]], targets: [[Int32]]) {
        precondition(sources.count == targets.count && !sources.isEmpty, "a batch needs as many sources as targets, at least one")
        precondition(sources.allSatisfy { !$0.isEmpty }, "empty source sentence in a batch")
        let order = targets.indices.sorted { (targets[$0].count, $1) > (targets[$1].count, $0) }
        let (sources, targets) = (order.map { sources[$0] }, order.map { targets[$0] })
        size = sources.count
        sourceLengths = sources.map(\.count)
        targetLengths = targets.map { $0.count + 1 }
        sourceSteps = sourceLengths.max()!
        targetSteps = targetLengths.max()!
        var source = [Int32](repeating: Self.paddingID, count: sourceSteps * size)
        var input = [Int32](repeating: Self.paddingID, count: targetSteps * size)
        var output = [Int32](repeating: Self.paddingID, count: targetSteps * size)
        for b in 0..<size {
            for (s, id) in sources[b].enumerated() { source[s * size + b] = id }
            let y = targets[b]
            input[b] = Self.bosID
            for (t, id) in y.enumerated() {
                input[(t + 1) * size + b] = id
                output[t * size + b] = id
            }
            output[y.count * size + b] = Self.eosID
        }
        self.source = source
        targetInput = input
        targetOutput = output
        targetTokens = targetLengths.reduce(0, +)
    }

    /// 1 at real source positions, 0 at padding (S·B).
    public var sourceMask: [Float] {
        (0..<sourceSteps).flatMap { s in sourceLengths.map { s < $0 ? Float(1) : 0 } }
    }

    /// Per decoder step, 1 for sentences still running (T arrays of B).
    public var targetMasks: [[Float]] {
        (0..<targetSteps).map { t in targetLengths.map { t < $0 ? Float(1) : 0 } }
    }
}
