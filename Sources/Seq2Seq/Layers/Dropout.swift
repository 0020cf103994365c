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
        mask.prepareUninitialized(rows: x.rows, cols: x.cols)
        Kernels.dropout(x.pointer, mask: mask.pointer, count: x.count, rate: rate, using: &rng)
    }

    /// `dx ⊙= mask`, in place (a no-op when forward did not drop).
    public func backward(_ dx: Matrix, mask: Matrix) {
        guard mask.count > 0 else { return }
        precondition(dx.count == mask.count, "dropout backward: \(dx.count) gradients for a mask of \(mask.count)")
        Kernels.multiply(dx.pointer, by: mask.pointer, count: dx.count)
    }
}
