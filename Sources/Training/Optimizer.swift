import Seq2Seq
import Tensor

/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// One update with learning rate `learningRate` from the gradients times `gradientScale`
    /// (clipping folded in, so the gradients are read once); gradients are read, not changed.
    func step(_ parameters: ParameterBuffer, learningRate: Float, gradientScale: Float)
}

extension Optimizer {
    public func step(_ parameters: ParameterBuffer, learningRate: Float) {
        step(parameters, learningRate: learningRate, gradientScale: 1)
    }
}

/// Adam (Kingma & Ba 2015) with bias correction, over the flat parameter buffer.
///
///   m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²
///   θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
public final class Adam: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public private(set) var steps = 0
    /// First and second moments, laid out like the parameter buffer (nil before the first step).
    private var m: FloatBuffer?
    private var v: FloatBuffer?
    /// The buffer the moments belong to.
    private var layout: ParameterBuffer?
    /// Moments from a checkpoint, by parameter name, until the first step places them.
    private var restored: [String: (m: Matrix, v: Matrix)] = [:]

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Restores the state saved in a checkpoint.
    public func restore(steps: Int, moments: [String: (m: Matrix, v: Matrix)]) {
        self.steps = steps
        restored = moments
        m = nil
        v = nil
        layout = nil
    }

    /// First and second moments by parameter name, as matrices over the moment buffers (empty
    /// before the first step).
    public var moments: [String: (m: Matrix, v: Matrix)] {
        guard let layout, let m, let v else { return restored }
        var result: [String: (m: Matrix, v: Matrix)] = [:]
        for (p, offset) in zip(layout.parameters, layout.offsets) {
            result[p.name] = (Matrix(rows: p.value.rows, cols: p.value.cols, in: m, offset: offset),
                              Matrix(rows: p.value.rows, cols: p.value.cols, in: v, offset: offset))
        }
        return result
    }

    /// The moment buffers laid out like `parameters` (zeros, or the restored moments), for the
    /// ranks of a data-parallel run to receive rank 0's.
    public func momentBuffers(for parameters: ParameterBuffer) -> (m: FloatBuffer, v: FloatBuffer) {
        place(parameters)
        return (m!, v!)
    }

    private func place(_ parameters: ParameterBuffer) {
        guard layout !== parameters else { return }
        let (newM, newV) = (FloatBuffer(count: parameters.count), FloatBuffer(count: parameters.count))
        for (p, offset) in zip(parameters.parameters, parameters.offsets) {
            if let saved = restored[p.name], saved.m.count == p.value.count, saved.v.count == p.value.count {
                (newM.pointer + offset).update(from: saved.m.pointer, count: p.value.count)
                (newV.pointer + offset).update(from: saved.v.pointer, count: p.value.count)
            }
        }
        (m, v, layout, restored) = (newM, newV, parameters, [:])
    }

    public func step(_ parameters: ParameterBuffer, learningRate: Float, gradientScale: Float) {
        place(parameters)
        steps += 1
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let correction1 = 1 - Float(powInt(Double(b1), steps))
        let correction2 = 1 - Float(powInt(Double(b2), steps))
        // Fold both corrections into the step size and ε: θ −= α m / (√v + ε̂).
        let alpha = learningRate * correction2.squareRoot() / correction1
        let epsHat = eps * correction2.squareRoot()
        let (theta, g, m, v) = (parameters.values.pointer, parameters.gradients.pointer, m!.pointer, v!.pointer)
        Parallel.forEachRange(parameters.count) { range in
            Kernels.adam(theta: theta + range.lowerBound, gradient: g + range.lowerBound, m: m + range.lowerBound,
                         v: v + range.lowerBound, count: range.count, beta1: b1, beta2: b2, alpha: alpha, epsilon: epsHat,
                         scale: gradientScale)
        }
    }
}

/// Plain stochastic gradient descent: θ ← θ − lr · g.
public final class SGD: Optimizer {
    public init() {}
    public func step(_ parameters: ParameterBuffer, learningRate: Float, gradientScale: Float) {
        let (theta, g) = (parameters.values.pointer, parameters.gradients.pointer)
        let rate = learningRate * gradientScale
        for i in 0..<parameters.count { theta[i] -= rate * g[i] }
    }
}

/// The L2 norm of all gradients (summed on `Parallel.threads` threads).
public func gradientNorm(_ parameters: ParameterBuffer) -> Float {
    let g = parameters.gradients.pointer
    let parts = Parallel.mapRanges(parameters.count) { range in sumOfSquares(g + range.lowerBound, count: range.count) }
    return Float(parts.reduce(0, +).squareRoot())
}

/// The factor that brings gradients of norm `norm` down to `maxNorm` (1 when they are within
/// it, or when `maxNorm` is 0: no clipping).
public func clipScale(norm: Float, maxNorm: Float) -> Float {
    maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm
/// before scaling.
@discardableResult
public func clipGradientNorm(_ parameters: ParameterBuffer, maxNorm: Float) -> Float {
    let norm = gradientNorm(parameters)
    if maxNorm > 0 && norm > maxNorm {
        let scale = maxNorm / norm
        let g = parameters.gradients.pointer
        for i in 0..<parameters.count { g[i] *= scale }
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
