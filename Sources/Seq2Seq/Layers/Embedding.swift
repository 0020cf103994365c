import Tensor

// Shapes: N tokens (flattened, e.g. T·B time-major), V vocabulary, E embedding size.

/// Token embeddings: a V × E table; row `id` is the vector of token `id`.
///
/// The gradient is sparse: `backward` adds each output row's gradient into the row of its token,
/// touching only the rows that occurred. Padding tokens (id `paddingID`) embed to zeros and get
/// no gradient.
public final class Embedding: ParameterOwner {
    public let weight: Parameter  // V × E
    public let paddingID: Int32?
    /// The rows the last `backward` added into, ascending: the only ones its gradient changed.
    public private(set) var touchedRows: [Int32] = []

    public var vocabularySize: Int { weight.value.rows }
    public var dimension: Int { weight.value.cols }
    public var parameters: [Parameter] { [weight] }

    public init(name: String, vocabularySize: Int, dimension: Int, paddingID: Int32? = 0, using rng: inout RandomGenerator) {
        weight = Parameter(name + ".weight", rows: vocabularySize, cols: dimension, uniform: 0.1, kind: .table, using: &rng)
        self.paddingID = paddingID
        if let paddingID {
            for c in 0..<dimension { weight.value[Int(paddingID), c] = 0 }
        }
    }

    public init(weight: Parameter, paddingID: Int32? = 0) {
        self.weight = weight
        self.paddingID = paddingID
    }

    /// Looks up `ids` (N) into `output` (N × E).
    public func forward(_ ids: [Int32], into output: Matrix) {
        output.prepare(rows: ids.count, cols: dimension)
        let e = dimension
        let table = weight.value
        for (n, id) in ids.enumerated() where id != paddingID {
            precondition(id >= 0 && Int(id) < table.rows, "token id \(id) outside the vocabulary of \(table.rows)")
            (output.pointer + n * e).update(from: table.pointer + Int(id) * e, count: e)
        }
    }

    /// Adds `dOutput` (N × E) into the gradient rows of `ids`.
    public func backward(_ ids: [Int32], _ dOutput: Matrix) {
        precondition(dOutput.rows == ids.count && dOutput.cols == dimension)
        let e = dimension
        for (n, id) in ids.enumerated() where id != paddingID {
            let dst = weight.grad.pointer + Int(id) * e
            let src = dOutput.pointer + n * e
            for j in 0..<e { dst[j] += src[j] }
        }
        touchedRows = Set(ids.filter { $0 != paddingID }).sorted()
    }
}
