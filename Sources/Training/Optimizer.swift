import Seq2Seq
import Tensor

/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// One update with learning rate `learningRate`; gradients are read, not cleared.
    func step(_ parameters: [Parameter], learningRate: Float)
}

/// Adam (Kingma & Ba 2015) with bias correction.
///
///   m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²
///   θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
public final class Adam: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public private(set) var steps = 0
    /// First and second moments, by parameter name.
    public private(set) var moments: [String: (m: Matrix, v: Matrix)] = [:]

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Restores the state saved in a checkpoint.
    public func restore(steps: Int, moments: [String: (m: Matrix, v: Matrix)]) {
        self.steps = steps
        self.moments = moments
    }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        steps += 1
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let correction1 = 1 - Float(powInt(Double(b1), steps))
        let correction2 = 1 - Float(powInt(Double(b2), steps))
        // Fold both corrections into the step size and ε: θ −= α m / (√v + ε̂).
        let alpha = learningRate * correction2.squareRoot() / correction1
        let epsHat = eps * correction2.squareRoot()
        for p in parameters {
            let state = moments[p.name] ?? {
                let s = (m: Matrix(rows: p.value.rows, cols: p.value.cols), v: Matrix(rows: p.value.rows, cols: p.value.cols))
                moments[p.name] = s
                return s
            }()
            let (theta, g, m, v) = (p.value.pointer, p.grad.pointer, state.m.pointer, state.v.pointer)
            for i in 0..<p.value.count {
                let gi = g[i]
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                theta[i] -= alpha * m[i] / (v[i].squareRoot() + epsHat)
            }
        }
    }
}

/// Plain stochastic gradient descent: θ ← θ − lr · g.
public final class SGD: Optimizer {
    public init() {}
    public func step(_ parameters: [Parameter], learningRate: Float) {
        for p in parameters {
            let (theta, g) = (p.value.pointer, p.grad.pointer)
            for i in 0..<p.value.count { theta[i] -= learningRate * g[i] }
        }
    }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm
/// before scaling.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var sum = 0.0
    for p in parameters { sum += sumOfSquares(p.grad.pointer, count: p.grad.count) }
    let norm = Float(sum.squareRoot())
    if maxNorm > 0 && norm > maxNorm {
        let scale = maxNorm / norm
        for p in parameters {
            let g = p.grad.pointer
            for i in 0..<p.grad.count { g[i] *= scale }
        }
    }
    return norm
}

/// Σ x², accumulated in Double over eight independent lanes: one running sum would make every
/// addition wait for the last (a 4-cycle chain per element over millions of gradients).
func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
    var lanes = SIMD8<Double>()
    var i = 0
    while i + 8 <= count {
        let v = SIMD8<Double>(SIMD8<Float>(UnsafeBufferPointer(start: x + i, count: 8)))
        lanes += v * v
        i += 8
    }
    var sum = lanes.sum()
    while i < count {
        sum += Double(x[i]) * Double(x[i])
        i += 1
    }
    return sum
}

func powInt(_ x: Double, _ n: Int) -> Double {
    var result = 1.0, base = x, e = n
    while e > 0 {
        if e & 1 == 1 { result *= base }
        base *= base
        e >>= 1
    }
    return result
}
