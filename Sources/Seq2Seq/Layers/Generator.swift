import Tensor

// Shapes: N rows (T·B target positions), H input (h̃) size, V target vocabulary.

/// The output layer: logits = h̃·w + b over the target vocabulary (w: H × V), or with tied
/// target embeddings, logits = h̃·embᵀ + b (the V × E embedding table, E == H).
public final class Generator: ParameterOwner {
    public let weight: Parameter?       // H × V, nil when tied
    public let tied: Embedding?
    public let bias: Parameter          // 1 × V

    public var vocabularySize: Int { bias.value.cols }
    public var parameters: [Parameter] { (weight.map { [$0] } ?? []) + [bias] }

    public init(hiddenSize: Int, vocabularySize: Int, tiedTo embedding: Embedding?, using rng: inout RandomGenerator) {
        if let embedding {
            precondition(embedding.dimension == hiddenSize, "tied embeddings need embedding size \(embedding.dimension) == hidden size \(hiddenSize)")
            weight = nil
        } else {
            weight = Parameter("generator.w", rows: hiddenSize, cols: vocabularySize, uniform: 0.1, using: &rng)
        }
        tied = embedding
        bias = Parameter("generator.b", rows: 1, cols: vocabularySize, uniform: 0.1, using: &rng)
    }

    /// logits (N × V) = x (N × H) · w + b.
    public func forward(_ x: MatrixPointer, into logits: MatrixPointer) {
        if let weight {
            weight.projection.apply(x, into: logits, bias: bias.value)
        } else {
            forwardWithoutBias(x, into: logits)
            addBias(logits, bias.value)
        }
    }

    /// x (N × H) · w without b, for a caller that adds the bias as it reads the logits (the
    /// training loss kernel: one pass over N × V fewer).
    public func forwardWithoutBias(_ x: MatrixPointer, into logits: MatrixPointer) {
        if let weight {
            weight.projection.apply(x, into: logits)
        } else {
            BLAS.gemm(x, tied!.weight.value.view, transposeB: true, into: logits)
        }
    }

    /// The generator's columns for some target ids, gathered once per batch so that search
    /// scores C candidates instead of the V-word vocabulary (see `Shortlist`).
    public final class Subset {
        /// The target id of each column, ascending.
        public internal(set) var ids: [Int32] = []
        /// H × C; not made when `quantized` holds the columns.
        let weight = Matrix(rows: 0, cols: 0)
        /// The same columns in 8 bits, when the generator's weight is.
        var quantized: QuantizedMatrix?
        let bias = Matrix(rows: 0, cols: 0)    // 1 × C
        public init() {}

        /// The column of target `id`, nil when it is not a candidate.
        public func column(of id: Int32) -> Int? {
            var (low, high) = (0, ids.count)
            while low < high {
                let middle = (low + high) / 2
                if ids[middle] < id { low = middle + 1 } else { high = middle }
            }
            return low < ids.count && ids[low] == id ? low : nil
        }

        public var count: Int { ids.count }
    }

    /// Fills `subset` with the columns of the target ids `ids` (ascending).
    public func restrict(to ids: [Int32], into subset: Subset) {
        let (h, v) = (tied?.dimension ?? weight!.value.rows, vocabularySize)
        subset.ids = ids
        subset.bias.prepareUninitialized(rows: 1, cols: ids.count)
        for (j, id) in ids.enumerated() { subset.bias.pointer[j] = bias.value.pointer[Int(id)] }
        subset.quantized = weight?.quantized?.columns(ids)
        if subset.quantized != nil { return }
        subset.weight.prepareUninitialized(rows: h, cols: ids.count)   // H × C
        let out = subset.weight.pointer
        if let weight {
            let w = weight.value.pointer                    // H × V
            for r in 0..<h {
                for (j, id) in ids.enumerated() { out[r * ids.count + j] = w[r * v + Int(id)] }
            }
        } else {
            let table = tied!.weight.value.pointer          // V × H
            for (j, id) in ids.enumerated() {
                for r in 0..<h { out[r * ids.count + j] = table[Int(id) * h + r] }
            }
        }
    }

    /// Consecutive rows that score one subset's columns: search's candidate sets per sentence or
    /// per group of sentences, each block of rows over columns of its own.
    public struct Block {
        public let subset: Subset
        public let rows: Int
        public init(subset: Subset, rows: Int) {
            self.subset = subset
            self.rows = rows
        }

        /// Where each block's logits lie in a buffer at `base`: block b is a rows_b × C_b matrix,
        /// contiguous, right after block b − 1. They need Σ rows_b·C_b floats.
        public static func views(_ blocks: [Block], at base: UnsafeMutablePointer<Float>) -> [MatrixPointer] {
            var offset = 0
            return blocks.map { block in
                defer { offset += block.rows * block.subset.count }
                return MatrixPointer(base + offset, rows: block.rows, cols: block.subset.count)
            }
        }
    }

    /// logits (N × C) = x (N × H) · w[:, C] + b[C].
    public func forward(_ x: MatrixPointer, subset: Subset, into logits: MatrixPointer) {
        if let quantized = subset.quantized {
            withExtendedLifetime(subset.bias) { quantized.multiply(x, into: logits, bias: subset.bias.pointer) }
        } else {
            Projection(weights: subset.weight.view, quantized: nil).apply(x, into: logits, bias: subset.bias)
        }
    }

    /// Accumulates dw (or the tied embedding's gradient) and, unless the loss kernel already
    /// summed dLogits into `bias.grad` (`biasGradient` false), db; writes dx (N × H).
    public func backward(x: MatrixPointer, dLogits: MatrixPointer, dx: MatrixPointer, biasGradient: Bool = true) {
        if let weight {
            BLAS.gemm(x, transposeA: true, dLogits, into: weight.grad.view, beta: 1)
            BLAS.gemm(dLogits, weight.value.view, transposeB: true, into: dx)
        } else {
            let table = tied!.weight
            BLAS.gemm(dLogits, transposeA: true, x, into: table.grad.view, beta: 1)  // d emb += dlogitsᵀ·x
            BLAS.gemm(dLogits, table.value.view, into: dx)
        }
        if biasGradient { addColumnSums(dLogits, into: bias.grad) }
    }
}
