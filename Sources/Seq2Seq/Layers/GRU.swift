import Tensor

// Shapes: T steps, B batch, I input size, H hidden size; time-major rows t·B + b.
// Gate order inside each 3H-wide row: reset r | update z | candidate n.
//
//   zx = x·wx + bx,  a = h₋·wh + bh                (B × 3H each)
//   r = σ(zx_r + a_r),  z = σ(zx_z + a_z)
//   n = tanh(zx_n + r ⊙ a_n)
//   h = (1 − z) ⊙ n + z ⊙ h₋
//
// The recurrent part of n is kept apart (a_n) because the reset gate scales it, as in cuDNN and
// PyTorch. Padded rows (mask 0) carry h₋.

/// A GRU run over a padded, time-major batch; the same interface as `LSTM`.
public final class GRU: RecurrentLayer {
    public let wx: Parameter  // I × 3H
    public let wh: Parameter  // H × 3H
    public let bx: Parameter  // 1 × 3H
    public let bh: Parameter  // 1 × 3H
    public let inputSize: Int
    public let hiddenSize: Int
    public let reverse: Bool

    public var parameters: [Parameter] { [wx, wh, bx, bh] }
    public var kind: CellKind { .gru }

    public init(name: String, inputSize: Int, hiddenSize: Int, reverse: Bool = false, using rng: inout RandomGenerator) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.reverse = reverse
        wx = Parameter(name + ".wx", rows: inputSize, cols: 3 * hiddenSize, uniform: 0.1, using: &rng)
        wh = Parameter(name + ".wh", rows: hiddenSize, cols: 3 * hiddenSize, uniform: 0.1, using: &rng)
        bx = Parameter(name + ".bx", rows: 1, cols: 3 * hiddenSize, uniform: 0.1, using: &rng)
        bh = Parameter(name + ".bh", rows: 1, cols: 3 * hiddenSize, uniform: 0.1, using: &rng)
    }

    public final class Cache {
        let input = Matrix(rows: 0, cols: 0)   // T·B × I
        let gates = Matrix(rows: 0, cols: 0)   // T·B × 3H: zx, then activations [r z n]
        let a = Matrix(rows: 0, cols: 0)       // T·B × 3H: h₋·wh + bh
        let h = Matrix(rows: 0, cols: 0)       // T·B × H, the output
        let h0 = Matrix(rows: 0, cols: 0)      // B × H
        var mask: [Float] = []
        var steps = 0
        var batch = 0
        let dzx = Matrix(rows: 0, cols: 0)     // T·B × 3H
        let da = Matrix(rows: 0, cols: 0)      // T·B × 3H
        let dh = Matrix(rows: 0, cols: 0)      // B × H
        public init() {}
    }

    public func makeCache() -> AnyObject { Cache() }

    @discardableResult
    public func forward(_ x: MatrixPointer, batch: Int, mask: [Float], initial: RecurrentState? = nil, forBackward: Bool = true,
                        cache: AnyObject) -> Matrix {
        let cache = cache as! Cache
        let hs = hiddenSize
        precondition(x.cols == inputSize && x.rows % batch == 0 && mask.count == x.rows, "GRU input shape")
        let steps = x.rows / batch
        (cache.steps, cache.batch, cache.mask) = (steps, batch, mask)
        cache.input.prepare(rows: x.rows, cols: x.cols)
        cache.input.view.assign(x)
        cache.h.prepare(rows: x.rows, cols: hs)
        cache.a.prepare(rows: x.rows, cols: 3 * hs)
        cache.h0.prepare(rows: batch, cols: hs)
        if let initial { cache.h0.view.assign(initial.h) }
        cache.gates.prepare(rows: x.rows, cols: 3 * hs)
        wx.projection.apply(x, into: cache.gates.view, bias: bx.value)  // zx for every step at once

        mask.withUnsafeBufferPointer { mask in
            for (t, previous) in stepOrder(steps, reverse: reverse) {
                let hPrev = previous.map { cache.h.rows($0 * batch, batch) } ?? cache.h0.view
                let a = cache.a.rows(t * batch, batch)
                wh.projection.apply(hPrev, into: a, bias: bh.value)  // a = h₋·wh + bh
                let gates = cache.gates.rows(t * batch, batch), h = cache.h.rows(t * batch, batch)
                for b in 0..<batch {
                    let (g, ar, hp, hn) = (gates.row(b).baseAddress!, a.row(b).baseAddress!, hPrev.row(b).baseAddress!, h.row(b).baseAddress!)
                    if mask[t * batch + b] == 0 {
                        hn.update(from: hp, count: hs)
                        g.update(repeating: 0, count: 3 * hs)
                        continue
                    }
                    for j in 0..<2 * hs { g[j] += ar[j] }
                    Kernels.sigmoid(g, g, count: 2 * hs)                       // r, z
                    let (r, z, n, an) = (g, g + hs, g + 2 * hs, ar + 2 * hs)
                    for j in 0..<hs { n[j] += r[j] * an[j] }
                    Kernels.tanh(n, n, count: hs)                              // n
                    for j in 0..<hs { hn[j] = (1 - z[j]) * n[j] + z[j] * hp[j] }
                }
            }
        }
        return cache.h
    }

    public func finalState(_ cache: AnyObject) -> RecurrentState {
        let cache = cache as! Cache
        let t = reverse ? 0 : cache.steps - 1
        return RecurrentState(h: cache.h.rows(t * cache.batch, cache.batch))
    }

    @discardableResult
    public func backward(dOutput: MatrixPointer?, dFinal: RecurrentState?, dx: MatrixPointer, cache: AnyObject,
                         jobs: GradientJobs) -> RecurrentState {
        let cache = cache as! Cache
        let (hs, batch, steps) = (hiddenSize, cache.batch, cache.steps)
        let rows = steps * batch
        cache.dzx.prepare(rows: rows, cols: 3 * hs)
        cache.da.prepare(rows: rows, cols: 3 * hs)
        cache.dh.prepare(rows: batch, cols: hs)
        if let dFinal { cache.dh.view.assign(dFinal.h) }
        let dh = cache.dh.view

        cache.mask.withUnsafeBufferPointer { mask in
            for (t, previous) in stepOrder(steps, reverse: reverse).reversed() {
                if let dOutput { addInPlace(dh, dOutput.rows(t * batch, batch)) }
                let hPrev = previous.map { cache.h.rows($0 * batch, batch) } ?? cache.h0.view
                let gates = cache.gates.rows(t * batch, batch), a = cache.a.rows(t * batch, batch)
                let dzx = cache.dzx.rows(t * batch, batch), da = cache.da.rows(t * batch, batch)
                for b in 0..<batch where mask[t * batch + b] != 0 {  // masked rows: dh passes through
                    let (g, ar, hp) = (gates.row(b).baseAddress!, a.row(b).baseAddress!, hPrev.row(b).baseAddress!)
                    let (dzr, dar, dhr) = (dzx.row(b).baseAddress!, da.row(b).baseAddress!, dh.row(b).baseAddress!)
                    let (r, z, n, an) = (g, g + hs, g + 2 * hs, ar + 2 * hs)
                    for j in 0..<hs {
                        let dn = dhr[j] * (1 - z[j]) * (1 - n[j] * n[j])  // through tanh: pre-activation of n
                        let dr = dn * an[j] * r[j] * (1 - r[j])
                        let dz = dhr[j] * (hp[j] - n[j]) * z[j] * (1 - z[j])
                        dzr[j] = dr
                        dzr[hs + j] = dz
                        dzr[2 * hs + j] = dn
                        dar[j] = dr
                        dar[hs + j] = dz
                        dar[2 * hs + j] = dn * r[j]
                        dhr[j] *= z[j]  // the direct path; dh₋ += da·whᵀ below
                    }
                }
                BLAS.gemm(da, wh.value.view, transposeB: true, into: dh, beta: 1)
            }
        }

        // dwx += xᵀ·dzx, dbx += Σ dzx; dwh += Σ_t h₋ᵀ·da, dbh += Σ da (the terms' rows are all of da's).
        jobs.addWeightGradient(x: cache.input.view, dy: cache.dzx.view, into: wx.grad.view, biasGradient: bx.grad.pointer)
        jobs.addWeightGradient(recurrentTerms(h: cache.h, h0: cache.h0, dz: cache.da, batch: batch, steps: steps, reverse: reverse),
                               into: wh.grad.view, biasGradient: bh.grad.pointer)
        BLAS.gemm(cache.dzx.view, wx.value.view, transposeB: true, into: dx)
        return RecurrentState(h: dh)
    }
}
