import Tensor

// Shapes: N rows, I input size, O output size.

/// An affine layer `y = x·w + b` (w: I × O, b: 1 × O), optionally followed by tanh.
public final class Linear: ParameterOwner {
    public let w: Parameter
    public let b: Parameter?
    public let usesTanh: Bool

    public var parameters: [Parameter] { [w] + (b.map { [$0] } ?? []) }
    public var inputSize: Int { w.value.rows }
    public var outputSize: Int { w.value.cols }

    public init(name: String, inputSize: Int, outputSize: Int, bias: Bool = true, tanh: Bool = false,
                using rng: inout RandomGenerator) {
        w = Parameter(name + ".w", rows: inputSize, cols: outputSize, uniform: 0.1, using: &rng)
        b = bias ? Parameter(name + ".b", rows: 1, cols: outputSize, uniform: 0.1, using: &rng) : nil
        usesTanh = tanh
    }

    /// y = x·w + b (then tanh); y is N × O and may be a view. `packed` is w packed for
    /// few-row products (a decoder's steps), when the caller packed it.
    public func forward(_ x: MatrixPointer, into y: MatrixPointer, packed: PackedMatrix? = nil) {
        if let packed {
            if let b { Kernels.fillRows(y, b.value.pointer) }
            BLAS.gemm(x, packed: packed, into: y, beta: b == nil ? 0 : 1)
        } else {
            w.projection.apply(x, into: y, bias: b?.value)
        }
        if usesTanh {
            for r in 0..<y.rows { let row = y.base + r * y.stride; Kernels.tanh(row, row, count: y.cols) }
        }
    }

    /// Given the output `y` and its gradient `dy` (turned in place into the pre-activation
    /// gradient when tanh is used), accumulates dw and db (unless `weightGradients` is false: the
    /// caller then makes them for many calls at once with `accumulateWeightGradients`) and writes
    /// (or adds, with `accumulate`) the input gradient into `dx`, from `packedTransposed` (wᵀ
    /// packed) when given.
    public func backward(x: MatrixPointer, y: MatrixPointer, dy: MatrixPointer, dx: MatrixPointer?, accumulate: Bool = false,
                         weightGradients: Bool = true, packedTransposed: PackedMatrix? = nil) {
        if usesTanh {
            for r in 0..<dy.rows {
                let (d, o) = (dy.base + r * dy.stride, y.base + r * y.stride)
                for j in 0..<dy.cols { d[j] *= 1 - o[j] * o[j] }
            }
        }
        if weightGradients { accumulateWeightGradients(x: x, dy: dy) }
        guard let dx else { return }
        if let packedTransposed {
            BLAS.gemm(dy, packed: packedTransposed, into: dx, beta: accumulate ? 1 : 0)
        } else {
            BLAS.gemm(dy, w.value.view, transposeB: true, into: dx, beta: accumulate ? 1 : 0)
        }
    }

    /// dw += xᵀ·dy and db += Σ_rows dy, with dy the pre-activation gradient (N × O): now, or
    /// left in `jobs`.
    public func accumulateWeightGradients(x: MatrixPointer, dy: MatrixPointer, jobs: GradientJobs = .immediate) {
        jobs.addWeightGradient(x: x, dy: dy, into: w.grad.view, biasGradient: b?.grad.pointer)
    }
}
