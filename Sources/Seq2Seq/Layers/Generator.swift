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
            BLAS.gemm(x, weight.value.view, into: logits)
        } else {
            BLAS.gemm(x, tied!.weight.value.view, transposeB: true, into: logits)
        }
        addBias(logits, bias.value)
    }

    /// Accumulates dw (or the tied embedding's gradient) and db; writes dx (N × H).
    public func backward(x: MatrixPointer, dLogits: MatrixPointer, dx: MatrixPointer) {
        if let weight {
            BLAS.gemm(x, transposeA: true, dLogits, into: weight.grad.view, beta: 1)
            BLAS.gemm(dLogits, weight.value.view, transposeB: true, into: dx)
        } else {
            let table = tied!.weight
            BLAS.gemm(dLogits, transposeA: true, x, into: table.grad.view, beta: 1)  // d emb += dlogitsᵀ·x
            BLAS.gemm(dLogits, table.value.view, into: dx)
        }
        addColumnSums(dLogits, into: bias.grad)
    }
}
