import Tensor

// Shapes: T steps, B batch, I input size, H hidden size. Sequences are time-major: row t·B + b
// of a T·B × features matrix is sentence b at step t.

/// An LSTM run over a padded, time-major batch, forwards or backwards in time.
///
/// The input projections of all steps are one GEMM (T·B × I by I × 4H); each step adds its
/// recurrent product (B × H by H × 4H) and runs the fused gate kernel. `mask[t·B + b]` is 1 for
/// real tokens and 0 for padding; padded steps carry the state, so running backwards in time
/// over a padded sentence starts at its last real token.
public final class LSTM: ParameterOwner {
    public let cell: LSTMCell
    /// Runs from the last step to the first.
    public let reverse: Bool

    public var parameters: [Parameter] { cell.parameters }
    public var hiddenSize: Int { cell.hiddenSize }

    public init(name: String, inputSize: Int, hiddenSize: Int, reverse: Bool = false, using rng: inout RandomGenerator) {
        cell = LSTMCell(name: name, inputSize: inputSize, hiddenSize: hiddenSize, using: &rng)
        self.reverse = reverse
    }

    /// What the backward pass needs, sized once and reused across batches.
    public final class Cache {
        public let input = Matrix(rows: 0, cols: 0)   // T·B × I
        public let gates = Matrix(rows: 0, cols: 0)   // T·B × 4H  activations [i f o g]
        public let c = Matrix(rows: 0, cols: 0)       // T·B × H
        public let tanhC = Matrix(rows: 0, cols: 0)   // T·B × H
        /// The hidden states of all steps, the layer's output (T·B × H).
        public let h = Matrix(rows: 0, cols: 0)
        public let h0 = Matrix(rows: 0, cols: 0)      // B × H
        public let c0 = Matrix(rows: 0, cols: 0)      // B × H
        public var mask: [Float] = []                 // T·B
        public var steps = 0
        public var batch = 0
        // backward scratch
        let dz = Matrix(rows: 0, cols: 0)             // T·B × 4H
        let dh = Matrix(rows: 0, cols: 0)             // B × H
        let dc = Matrix(rows: 0, cols: 0)             // B × H
        public init() {}
    }

    /// Steps in processing order, and the step whose state each one starts from (nil: h0/c0).
    private func order(_ steps: Int) -> [(t: Int, previous: Int?)] {
        reverse ? (0..<steps).reversed().map { ($0, $0 + 1 < steps ? $0 + 1 : nil) }
                : (0..<steps).map { ($0, $0 > 0 ? $0 - 1 : nil) }
    }

    /// Runs over `x` (T·B × I); returns the hidden states (T·B × H, owned by the cache).
    /// `h0`/`c0` (B × H) default to zeros.
    @discardableResult
    public func forward(_ x: MatrixPointer, batch: Int, mask: [Float], h0: MatrixPointer? = nil, c0: MatrixPointer? = nil,
                        cache: Cache) -> Matrix {
        let hs = hiddenSize
        precondition(x.cols == cell.inputSize && x.rows % batch == 0 && mask.count == x.rows)
        let steps = x.rows / batch
        cache.steps = steps
        cache.batch = batch
        cache.mask = mask
        cache.input.prepare(rows: x.rows, cols: x.cols)
        cache.input.view.assign(x)
        for m in [cache.c, cache.tanhC, cache.h] { m.prepare(rows: x.rows, cols: hs) }
        cache.h0.prepare(rows: batch, cols: hs)
        cache.c0.prepare(rows: batch, cols: hs)
        if let h0 { cache.h0.view.assign(h0) }
        if let c0 { cache.c0.view.assign(c0) }

        // z = x·wx + b for every step at once.
        cache.gates.prepare(rows: x.rows, cols: 4 * hs)
        BLAS.gemm(x, cell.wx.value.view, into: cache.gates.view)
        let bias = cell.b.value.pointer
        for r in 0..<x.rows {
            let z = cache.gates.pointer + r * 4 * hs
            for j in 0..<4 * hs { z[j] += bias[j] }
        }
        mask.withUnsafeBufferPointer { mask in
            for (t, previous) in order(steps) {
                let hPrev = previous.map { cache.h.rows($0 * batch, batch) } ?? cache.h0.view
                let cPrev = previous.map { cache.c.rows($0 * batch, batch) } ?? cache.c0.view
                let z = cache.gates.rows(t * batch, batch)
                BLAS.gemm(hPrev, cell.wh.value.view, into: z, beta: 1)  // z += h₋·wh
                LSTMCell.stepForward(
                    z: z, cPrev: cPrev, hPrev: hPrev, c: cache.c.rows(t * batch, batch),
                    tanhC: cache.tanhC.rows(t * batch, batch), h: cache.h.rows(t * batch, batch),
                    mask: mask.baseAddress! + t * batch)
            }
        }
        return cache.h
    }

    /// The state after the last processed step (B × H each): step T−1 forwards, step 0 backwards.
    public func finalState(_ cache: Cache) -> (h: MatrixPointer, c: MatrixPointer) {
        let t = reverse ? 0 : cache.steps - 1
        return (cache.h.rows(t * cache.batch, cache.batch), cache.c.rows(t * cache.batch, cache.batch))
    }

    /// Backpropagates through all steps.
    ///
    /// - Parameters:
    ///   - dOutput: gradient of the hidden states (T·B × H), or nil.
    ///   - dFinalH, dFinalC: gradients of the final state (B × H), or nil.
    ///   - dx: receives the input gradient (T·B × I), overwritten.
    /// - Returns: the gradients of h0 and c0 (B × H, owned by the cache).
    @discardableResult
    public func backward(dOutput: MatrixPointer?, dFinalH: MatrixPointer? = nil, dFinalC: MatrixPointer? = nil,
                         dx: MatrixPointer, cache: Cache) -> (dh0: Matrix, dc0: Matrix) {
        let (hs, batch, steps) = (hiddenSize, cache.batch, cache.steps)
        let rows = steps * batch
        cache.dz.prepare(rows: rows, cols: 4 * hs)
        cache.dh.prepare(rows: batch, cols: hs)
        cache.dc.prepare(rows: batch, cols: hs)
        if let dFinalH { cache.dh.view.assign(dFinalH) }
        if let dFinalC { cache.dc.view.assign(dFinalC) }
        let (dh, dc) = (cache.dh, cache.dc)

        cache.mask.withUnsafeBufferPointer { mask in
            for (t, previous) in order(steps).reversed() {
                if let dOutput {
                    let d = dOutput.rows(t * batch, batch)
                    for r in 0..<batch {
                        let (dst, src) = (dh.pointer + r * hs, d.row(r))
                        for j in 0..<hs { dst[j] += src[j] }
                    }
                }
                let cPrev = previous.map { cache.c.rows($0 * batch, batch) } ?? cache.c0.view
                let dz = cache.dz.rows(t * batch, batch)
                LSTMCell.stepBackward(
                    gates: cache.gates.rows(t * batch, batch), tanhC: cache.tanhC.rows(t * batch, batch),
                    cPrev: cPrev, dh: dh.view, dc: dc.view, dz: dz, mask: mask.baseAddress! + t * batch)
                BLAS.gemm(dz, cell.wh.value.view, transposeB: true, into: dh.view, beta: 1)  // dh₋ += dz·whᵀ
            }
        }

        // Weight gradients over all steps at once.
        BLAS.gemm(cache.input.view, transposeA: true, cache.dz.view, into: cell.wx.grad.view, beta: 1)  // dwx += xᵀ·dz
        // dwh += h₋ᵀ·dz, where h₋ of step t is h of its previous step (h0 for the first).
        if steps > 1 {
            let (early, late) = (cache.h.rows(0, rows - batch), cache.dz.rows(batch, rows - batch))
            let (hEarly, dzEarly) = (cache.h.rows(batch, rows - batch), cache.dz.rows(0, rows - batch))
            if reverse {
                BLAS.gemm(hEarly, transposeA: true, dzEarly, into: cell.wh.grad.view, beta: 1)
            } else {
                BLAS.gemm(early, transposeA: true, late, into: cell.wh.grad.view, beta: 1)
            }
        }
        let firstStep = reverse ? steps - 1 : 0
        BLAS.gemm(cache.h0.view, transposeA: true, cache.dz.rows(firstStep * batch, batch), into: cell.wh.grad.view, beta: 1)
        let db = cell.b.grad.pointer
        for r in 0..<rows {
            let dz = cache.dz.pointer + r * 4 * hs
            for j in 0..<4 * hs { db[j] += dz[j] }
        }
        BLAS.gemm(cache.dz.view, cell.wx.value.view, transposeB: true, into: dx)  // dx = dz·wxᵀ
        return (dh, dc)
    }
}
