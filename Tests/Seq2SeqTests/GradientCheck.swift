import Tensor
@testable import Seq2Seq

/// A tensor to check: its values (perturbed in place) and the analytic gradient.
struct Checked {
    var name: String
    var value: Matrix
    var grad: Matrix
    init(_ name: String, _ value: Matrix, _ grad: Matrix) {
        self.name = name
        self.value = value
        self.grad = grad
    }
    init(_ p: Parameter) { self.init(p.name, p.value, p.grad) }
}

/// Compares analytic gradients with central differences of `loss` (a Double-accumulated scalar).
///
/// An element passes when |analytic − numeric| ≤ tolerance · max(|analytic| + |numeric|, floor):
/// relative error for ordinary gradients, absolute error (tolerance · floor) for gradients so
/// small that Float rounding in the forward pass dominates the difference quotient (with the
/// defaults: 1 % relative, or 1e-4 absolute; a Float32 forward pass over a few dozen terms is
/// good to about 1e-6 of the loss, i.e. ~1e-4 in a difference quotient with ε = 1e-2).
/// Returns one line per failing element (empty when all pass).
func gradientFailures(_ tensors: [Checked], epsilon: Float = 1e-2, tolerance: Double = 1e-2, floor: Double = 1e-2,
                      loss: () -> Double) -> [String] {
    var failures: [String] = []
    for tensor in tensors {
        for i in 0..<tensor.value.count {
            let saved = tensor.value.pointer[i]
            tensor.value.pointer[i] = saved + epsilon
            let plus = loss()
            tensor.value.pointer[i] = saved - epsilon
            let minus = loss()
            tensor.value.pointer[i] = saved
            let numeric = (plus - minus) / (2 * Double(epsilon))
            let analytic = Double(tensor.grad.pointer[i])
            if abs(analytic - numeric) > tolerance * max(abs(analytic) + abs(numeric), floor) {
                failures.append("\(tensor.name)[\(i)]: analytic \(analytic), numeric \(numeric)")
            }
        }
    }
    return failures
}

/// Σ a ⊙ b in Double (a "loss" whose gradient with respect to a is b).
func dot(_ a: MatrixPointer, _ b: MatrixPointer) -> Double {
    var sum = 0.0
    for r in 0..<a.rows { for c in 0..<a.cols { sum += Double(a[r, c]) * Double(b[r, c]) } }
    return sum
}

func randomMatrix(_ rows: Int, _ cols: Int, _ rng: inout RandomGenerator, scale: Float = 1) -> Matrix {
    Matrix(rows: rows, cols: cols, uniform: scale, using: &rng)
}

/// Time-major mask for sentences of `lengths` padded to `steps`.
func mask(lengths: [Int], steps: Int) -> [Float] {
    (0..<steps).flatMap { t in lengths.map { t < $0 ? Float(1) : 0 } }
}

import Testing

@Suite struct GradientCheckTests {
    /// The checker itself must catch a wrong gradient.
    @Test func flagsAWrongGradient() {
        let x = Matrix([[0.5, -1.5, 2.0]])
        let right = Matrix([[1.0, -3.0, 4.0]])   // d/dx Σ x² = 2x
        let wrong = Matrix([[1.0, -3.0, 4.1]])
        func loss() -> Double { (0..<3).reduce(0) { $0 + Double(x[0, $1]) * Double(x[0, $1]) } }
        #expect(gradientFailures([Checked("x", x, right)], loss: loss).isEmpty)
        #expect(gradientFailures([Checked("x", x, wrong)], loss: loss).count == 1)
    }
}
