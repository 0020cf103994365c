import Tensor

// Shapes: B batch, I input size, H hidden size.
// Gate order inside each 4H-wide row of pre-activations z: input i | forget f | output o | candidate g
// (the three sigmoid gates first, so one kernel call covers them).
//
//   z  = x·wx + h₋·wh + b          (B × 4H)
//   i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_g)
//   c  = f ⊙ c₋ + i ⊙ g
//   h  = o ⊙ tanh(c)
//
// A row whose mask is 0 (padding) keeps its state: c = c₋, h = h₋, so a sentence's final state
// is the state after its last real token, and its gradient passes straight through.

/// The weights of one LSTM and its single-step forward and backward over a batch.
public final class LSTMCell: ParameterOwner {
    public let wx: Parameter  // I × 4H
    public let wh: Parameter  // H × 4H
    public let b: Parameter   // 1 × 4H
    public let inputSize: Int
    public let hiddenSize: Int

    public var parameters: [Parameter] { [wx, wh, b] }

    public init(name: String, inputSize: Int, hiddenSize: Int, using rng: inout RandomGenerator) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        wx = Parameter(name + ".wx", rows: inputSize, cols: 4 * hiddenSize, uniform: 0.1, using: &rng)
        wh = Parameter(name + ".wh", rows: hiddenSize, cols: 4 * hiddenSize, uniform: 0.1, using: &rng)
        b = Parameter(name + ".b", rows: 1, cols: 4 * hiddenSize, uniform: 0.1, using: &rng)
    }

    /// Turns pre-activations `z` (B × 4H, in place) into gate activations and computes the new
    /// state. `tanhC` keeps tanh(c) for the backward pass.
    static func stepForward(
        z: MatrixPointer, cPrev: MatrixPointer, hPrev: MatrixPointer,
        c: MatrixPointer, tanhC: MatrixPointer, h: MatrixPointer, mask: UnsafePointer<Float>
    ) {
        Kernels.lstmStepForward(z: z, cPrev: cPrev, hPrev: hPrev, c: c, tanhC: tanhC, h: h, mask: mask)
    }

    /// One step back. In: the gate activations, tanh(c), c₋ and the gradients `dh`, `dc` of this
    /// step's h and c. Out: `dz` (B × 4H, pre-activation gradient), `dc` replaced by the gradient
    /// of c₋, `dh` replaced by the part of h₋'s gradient that bypasses the weights (masked rows);
    /// the caller adds dz·whᵀ to it.
    static func stepBackward(
        gates: MatrixPointer, tanhC: MatrixPointer, cPrev: MatrixPointer,
        dh: MatrixPointer, dc: MatrixPointer, dz: MatrixPointer, mask: UnsafePointer<Float>
    ) {
        Kernels.lstmStepBackward(gates: gates, tanhC: tanhC, cPrev: cPrev, dh: dh, dc: dc, dz: dz, mask: mask)
    }
}
