import Tensor

/// Inverted dropout: `y = x ⊙ mask`, mask elements 0 (probability `rate`) or 1 / (1 − rate).
/// The mask is kept for the backward pass, where `dx = dy ⊙ mask`.
public struct Dropout {
    public let rate: Float

    public init(rate: Float) {
        precondition(rate >= 0 && rate < 1, "dropout rate \(rate) outside [0, 1)")
        self.rate = rate
    }

    /// Applies dropout to `x` in place, drawing the mask into `mask` (same shape). Does nothing
    /// (and leaves an empty mask) when not training or the rate is 0.
    public func forward(_ x: Matrix, mask: Matrix, training: Bool, using rng: inout RandomGenerator) {
        guard training && rate > 0 else {
            mask.prepare(rows: 0, cols: 0)
            return
        }
        mask.prepare(rows: x.rows, cols: x.cols)
        Kernels.dropoutMask(UnsafeMutableBufferPointer(start: mask.pointer, count: mask.count), rate: rate, using: &rng)
        for i in 0..<x.count { x.pointer[i] *= mask.pointer[i] }
    }

    /// `dx ⊙= mask`, in place (a no-op when forward did not drop).
    public func backward(_ dx: Matrix, mask: Matrix) {
        guard mask.count > 0 else { return }
        for i in 0..<dx.count { dx.pointer[i] *= mask.pointer[i] }
    }
}
