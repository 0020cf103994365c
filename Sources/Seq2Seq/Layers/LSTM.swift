import Tensor

// Shapes: T steps, B batch, I input size, H hidden size. Sequences are time-major: row t·B + b
// of a T·B × features matrix is sentence b at step t.

/// An LSTM run over a padded, time-major batch, forwards or backwards in time.
///
/// The input projections of all steps are one GEMM (T·B × I by I × 4H); each step adds its
/// recurrent product (B × H by H × 4H) and runs the fused gate kernel (`LSTMCell`). Padded steps
/// carry the state, so running backwards over a padded sentence starts at its last real token.
public final class LSTM: RecurrentLayer {
    public let cell: LSTMCell
    public let reverse: Bool
    /// d[x ; h₋] of a single stacked step (B × (I + H)): needed only inside `backward`, so one
    /// buffer serves every step's cache (a decoder keeps a cache per step).
    private let dxh = Matrix(rows: 0, cols: 0)

    public var parameters: [Parameter] { cell.parameters }
    public var inputSize: Int { cell.inputSize }
    public var hiddenSize: Int { cell.hiddenSize }
    public var kind: CellKind { .lstm }

    public init(name: String, inputSize: Int, hiddenSize: Int, reverse: Bool = false, using rng: inout RandomGenerator) {
        cell = LSTMCell(name: name, inputSize: inputSize, hiddenSize: hiddenSize, using: &rng)
        self.reverse = reverse
    }

    /// What the backward pass needs, sized once and reused across batches.
    public final class Cache {
        let input = Matrix(rows: 0, cols: 0)   // T·B × I
        let gates = Matrix(rows: 0, cols: 0)   // T·B × 4H, activations [i f o g]
        let c = Matrix(rows: 0, cols: 0)       // T·B × H
        let tanhC = Matrix(rows: 0, cols: 0)   // T·B × H
        let h = Matrix(rows: 0, cols: 0)       // T·B × H, the output
        let h0 = Matrix(rows: 0, cols: 0)      // B × H
        let c0 = Matrix(rows: 0, cols: 0)      // B × H
        var mask: [Float] = []                 // T·B
        var steps = 0
        var batch = 0
        let dz = Matrix(rows: 0, cols: 0)      // T·B × 4H
        let dh = Matrix(rows: 0, cols: 0)      // B × H
        let dc = Matrix(rows: 0, cols: 0)      // B × H
        /// Single steps with stacked weights: [x ; h₋] (B × (I + H)), kept instead of `input`.
        let xh = Matrix(rows: 0, cols: 0)
        var stacked = false
        /// Rows of the caller's sequence buffers (B × (I + H) and B × 4H) where a single stacked
        /// step keeps [x ; h₋] and dz instead, leaving its weight and bias gradients to the caller:
        /// one product over all T·B rows (`accumulateSequenceGradients`) instead of one of B rows
        /// per step, each reading and writing all of d[wx ; wh].
        public var sequenceRows: (xh: MatrixPointer, dz: MatrixPointer)?
        /// [wx ; wh] packed for the forward product and its transpose for the backward one, by the
        /// caller for all steps of a batch (`Decoder.pack`); nil: the weights as they are.
        public var packedWeights: (forward: PackedMatrix, transposed: PackedMatrix)?
        /// A forward with no backward to follow (inference) over several steps keeps no history
        /// but h: `gates` holds one chunk of steps, `c` two steps (the one running and its
        /// predecessor), `tanhC` one.
        var inference = false
        /// wh packed for the steps of one `forward` (and transposed for its `backward`), when
        /// `packsRecurrentWeights`: the per-step products then skip their panel copies.
        let packedWh = PackedMatrix()
        let packedWhT = PackedMatrix()
        var whPacked = false
        public init() {}
    }

    /// Whether a multi-step pass over `batch` rows packs wh once for its steps: the steps'
    /// products are few-row ones (B × H by H × 4H), on CPUs where packed products run faster.
    func packsRecurrentWeights(batch: Int) -> Bool {
        PackedMatrix.isUseful && batch <= BLAS.smallRows && cell.wh.quantized == nil
    }

    /// z += h₋·wh for one step, from the packed wh when the pass packed it.
    private func addRecurrent(_ hPrev: MatrixPointer, into z: MatrixPointer, cache: Cache) {
        if cache.whPacked {
            BLAS.gemm(hPrev, packed: cache.packedWh, into: z, beta: 1)
        } else {
            cell.wh.projection.apply(hPrev, into: z, beta: 1)
        }
    }

    /// Steps whose input projections inference computes in one product: tall enough for BLAS,
    /// small enough that the gates (chunk·B × 4H) stay a few MB whatever the sentence length.
    static let inferenceChunk = 16

    /// [wx ; wh] as one (I + H) × 4H matrix, values and gradients, when the two lie back to back
    /// (as in a model's parameter buffer): a single step (the decoder's) then needs one product
    /// forward and two backward instead of two and four.
    var stackedWeights: (value: MatrixPointer, grad: MatrixPointer)? {
        let (i, h) = (inputSize, hiddenSize)
        let (wx, wh) = (cell.wx, cell.wh)
        // 8-bit weights have a scale per column of each matrix, so they multiply separately.
        guard wx.quantized == nil, wh.quantized == nil,
              wh.value.pointer == wx.value.pointer + i * 4 * h, wh.grad.pointer == wx.grad.pointer + i * 4 * h else { return nil }
        return (MatrixPointer(wx.value.pointer, rows: i + h, cols: 4 * h), MatrixPointer(wx.grad.pointer, rows: i + h, cols: 4 * h))
    }

    public func makeCache() -> AnyObject { Cache() }

    @discardableResult
    public func forward(_ x: MatrixPointer, batch: Int, mask: [Float], initial: RecurrentState? = nil, forBackward: Bool = true,
                        cache: AnyObject) -> Matrix {
        let cache = cache as! Cache
        let hs = hiddenSize
        precondition(x.cols == inputSize && x.rows % batch == 0 && mask.count == x.rows, "LSTM input shape")
        let steps = x.rows / batch
        (cache.steps, cache.batch, cache.mask) = (steps, batch, mask)
        cache.inference = !forBackward && steps > 1
        if cache.inference { return infer(x, batch: batch, steps: steps, mask: mask, initial: initial, cache: cache) }
        if !(steps == 1 && stackedWeights != nil) {
            cache.input.prepareUninitialized(rows: x.rows, cols: x.cols)  // assigned
            cache.input.view.assign(x)
        }
        for m in [cache.c, cache.tanhC, cache.h] { m.prepareUninitialized(rows: x.rows, cols: hs) }  // every step writes every row
        loadInitial(initial, batch: batch, cache: cache)

        cache.gates.prepareUninitialized(rows: x.rows, cols: 4 * hs)  // a GEMM with beta = 0
        cache.stacked = false
        if steps == 1, let stacked = stackedWeights {
            // z = [x ; h₋]·[wx ; wh] + b in one product.
            cache.stacked = true
            let xh: MatrixPointer
            if let rows = cache.sequenceRows {
                precondition(rows.xh.rows == batch && rows.xh.cols == inputSize + hs && rows.dz.rows == batch && rows.dz.cols == 4 * hs,
                             "sequence rows of another shape")
                xh = rows.xh
            } else {
                cache.xh.prepareUninitialized(rows: batch, cols: inputSize + hs)  // assigned
                xh = cache.xh.view
            }
            xh.columns(0, inputSize).assign(x)
            xh.columns(inputSize, hs).assign(cache.h0.view)
            if let packed = cache.packedWeights {
                BLAS.gemm(xh, packed: packed.forward, into: cache.gates.view)
            } else {
                BLAS.gemm(xh, stacked.value, into: cache.gates.view)
            }
            addBias(cache.gates.view, cell.b.value)
            mask.withUnsafeBufferPointer { mask in
                LSTMCell.stepForward(z: cache.gates.view, cPrev: cache.c0.view, hPrev: cache.h0.view, c: cache.c.view,
                                     tanhC: cache.tanhC.view, h: cache.h.view, mask: mask.baseAddress!)
            }
            return cache.h
        }

        // z = x·wx + b for every step at once.
        cell.wx.projection.apply(x, into: cache.gates.view, bias: cell.b.value)
        packRecurrentWeights(batch: batch, cache: cache)
        mask.withUnsafeBufferPointer { mask in
            for (t, previous) in stepOrder(steps, reverse: reverse) {
                let hPrev = previous.map { cache.h.rows($0 * batch, batch) } ?? cache.h0.view
                let cPrev = previous.map { cache.c.rows($0 * batch, batch) } ?? cache.c0.view
                let z = cache.gates.rows(t * batch, batch)
                addRecurrent(hPrev, into: z, cache: cache)  // z += h₋·wh
                LSTMCell.stepForward(
                    z: z, cPrev: cPrev, hPrev: hPrev, c: cache.c.rows(t * batch, batch),
                    tanhC: cache.tanhC.rows(t * batch, batch), h: cache.h.rows(t * batch, batch),
                    mask: mask.baseAddress! + t * batch)
            }
        }
        return cache.h
    }

    /// Packs wh for this pass's steps when that pays (`packsRecurrentWeights`), and its transpose
    /// too when a backward will follow.
    private func packRecurrentWeights(batch: Int, cache: Cache) {
        cache.whPacked = packsRecurrentWeights(batch: batch)
        guard cache.whPacked else { return }
        cache.packedWh.pack(cell.wh.value.view)
        if !cache.inference { cache.packedWhT.pack(cell.wh.value.view, transposed: true) }
    }

    /// h0 and c0 (B × H): `initial`, or zeros.
    private func loadInitial(_ initial: RecurrentState?, batch: Int, cache: Cache) {
        cache.h0.prepareUninitialized(rows: batch, cols: hiddenSize)
        cache.c0.prepareUninitialized(rows: batch, cols: hiddenSize)
        if let h = initial?.h { cache.h0.view.assign(h) } else { cache.h0.zero() }
        if let c = initial?.c { cache.c0.view.assign(c) } else { cache.c0.zero() }
    }

    /// `forward` with no backward to follow: the same steps, but the input projections are made
    /// a chunk of steps at a time and only h is kept for every step (see `Cache.inference`).
    private func infer(_ x: MatrixPointer, batch: Int, steps: Int, mask: [Float], initial: RecurrentState?, cache: Cache) -> Matrix {
        let hs = hiddenSize
        let chunk = min(steps, Self.inferenceChunk)
        cache.h.prepareUninitialized(rows: x.rows, cols: hs)       // T·B × H, every step writes its rows
        cache.c.prepareUninitialized(rows: 2 * batch, cols: hs)    // 2B × H: step i writes rows (i % 2)·B
        cache.tanhC.prepareUninitialized(rows: batch, cols: hs)    // B × H, not needed after the step
        cache.gates.prepareUninitialized(rows: chunk * batch, cols: 4 * hs)  // chunk·B × 4H
        loadInitial(initial, batch: batch, cache: cache)
        packRecurrentWeights(batch: batch, cache: cache)
        let order = stepOrder(steps, reverse: reverse)
        mask.withUnsafeBufferPointer { mask in
            var i = 0
            while i < steps {
                // The chunk's steps are order[i ..< i + n]: contiguous in time either way.
                let n = min(chunk, steps - i)
                let firstStep = reverse ? order[i + n - 1].t : order[i].t
                let z = cache.gates.rows(0, n * batch)
                cell.wx.projection.apply(x.rows(firstStep * batch, n * batch), into: z, bias: cell.b.value)  // z = x·wx + b
                for j in i..<(i + n) {
                    let (t, previous) = order[j]
                    let zt = cache.gates.rows((t - firstStep) * batch, batch)
                    let hPrev = previous.map { cache.h.rows($0 * batch, batch) } ?? cache.h0.view
                    let cPrev = j == 0 ? cache.c0.view : cache.c.rows(((j - 1) % 2) * batch, batch)
                    addRecurrent(hPrev, into: zt, cache: cache)  // z += h₋·wh
                    LSTMCell.stepForward(z: zt, cPrev: cPrev, hPrev: hPrev, c: cache.c.rows((j % 2) * batch, batch),
                                         tanhC: cache.tanhC.view, h: cache.h.rows(t * batch, batch),
                                         mask: mask.baseAddress! + t * batch)
                }
                i += n
            }
        }
        return cache.h
    }

    public func finalState(_ cache: AnyObject) -> RecurrentState {
        let cache = cache as! Cache
        let t = reverse ? 0 : cache.steps - 1
        let c = cache.inference ? cache.c.rows(((cache.steps - 1) % 2) * cache.batch, cache.batch) : cache.c.rows(t * cache.batch, cache.batch)
        return RecurrentState(h: cache.h.rows(t * cache.batch, cache.batch), c: c)
    }

    @discardableResult
    public func backward(dOutput: MatrixPointer?, dFinal: RecurrentState?, dx: MatrixPointer, cache: AnyObject,
                         jobs: GradientJobs) -> RecurrentState {
        let cache = cache as! Cache
        precondition(!cache.inference, "LSTM backward after a forward not made for it")
        let (hs, batch, steps) = (hiddenSize, cache.batch, cache.steps)
        let rows = steps * batch
        let sequenceRows = cache.stacked ? cache.sequenceRows : nil
        if sequenceRows == nil { cache.dz.prepareUninitialized(rows: rows, cols: 4 * hs) }  // every step writes every row
        cache.dh.prepareUninitialized(rows: batch, cols: hs)
        cache.dc.prepareUninitialized(rows: batch, cols: hs)
        if let h = dFinal?.h { cache.dh.view.assign(h) } else { cache.dh.zero() }
        if let c = dFinal?.c { cache.dc.view.assign(c) } else { cache.dc.zero() }
        let (dh, dc) = (cache.dh.view, cache.dc.view)

        if cache.stacked, let stacked = stackedWeights {
            if let dOutput { addInPlace(dh, dOutput) }
            let dz = sequenceRows?.dz ?? cache.dz.view
            cache.mask.withUnsafeBufferPointer { mask in
                LSTMCell.stepBackward(gates: cache.gates.view, tanhC: cache.tanhC.view, cPrev: cache.c0.view, dh: dh, dc: dc,
                                      dz: dz, mask: mask.baseAddress!)
            }
            // d[x ; h₋] = dz·[wx ; wh]ᵀ and d[wx ; wh] += [x ; h₋]ᵀ·dz, one product each (the
            // second one per sequence, by the caller, when the step keeps sequence rows).
            dxh.prepareUninitialized(rows: batch, cols: inputSize + hs)  // a GEMM with beta = 0
            if let packed = cache.packedWeights {
                BLAS.gemm(dz, packed: packed.transposed, into: dxh.view)
            } else {
                BLAS.gemm(dz, stacked.value, transposeB: true, into: dxh.view)
            }
            if sequenceRows == nil { accumulateSequenceGradients(xh: cache.xh.view, dz: dz, jobs: jobs) }  // a sequence of one step
            dx.assign(dxh.columns(0, inputSize))
            addInPlace(dh, dxh.columns(inputSize, hs))   // dh₋ = carried part + dz·whᵀ
            return RecurrentState(h: dh, c: dc)
        }

        cache.mask.withUnsafeBufferPointer { mask in
            for (t, previous) in stepOrder(steps, reverse: reverse).reversed() {
                if let dOutput { addInPlace(dh, dOutput.rows(t * batch, batch)) }
                let cPrev = previous.map { cache.c.rows($0 * batch, batch) } ?? cache.c0.view
                let dz = cache.dz.rows(t * batch, batch)
                LSTMCell.stepBackward(
                    gates: cache.gates.rows(t * batch, batch), tanhC: cache.tanhC.rows(t * batch, batch),
                    cPrev: cPrev, dh: dh, dc: dc, dz: dz, mask: mask.baseAddress! + t * batch)
                if cache.whPacked {
                    BLAS.gemm(dz, packed: cache.packedWhT, into: dh, beta: 1)  // dh₋ += dz·whᵀ
                } else {
                    BLAS.gemm(dz, cell.wh.value.view, transposeB: true, into: dh, beta: 1)
                }
            }
        }

        // Weight gradients of all steps at once: dwx += xᵀ·dz, db += Σ dz, dwh += Σ_t h₋ᵀ·dz.
        jobs.addWeightGradient(x: cache.input.view, dy: cache.dz.view, into: cell.wx.grad.view, biasGradient: cell.b.grad.pointer)
        jobs.addWeightGradient(recurrentTerms(h: cache.h, h0: cache.h0, dz: cache.dz, batch: batch, steps: steps, reverse: reverse),
                               into: cell.wh.grad.view)
        BLAS.gemm(cache.dz.view, cell.wx.value.view, transposeB: true, into: dx)  // dx = dz·wxᵀ
        return RecurrentState(h: dh, c: dc)
    }
}

extension LSTM {
    /// Whether single steps can keep sequence rows (`Cache.sequenceRows`): their weights lie
    /// stacked in Float32.
    public var keepsSequenceRows: Bool { stackedWeights != nil }

    /// `d[wx ; wh] += XHᵀ·DZ` and `db += Σ_rows DZ` over all steps whose caches kept their rows in
    /// `xh` (T·B × (I + H)) and `dz` (T·B × 4H): the weight and bias gradients those steps left,
    /// made now or left in `jobs`.
    public func accumulateSequenceGradients(xh: MatrixPointer, dz: MatrixPointer, jobs: GradientJobs = .immediate) {
        guard let stacked = stackedWeights else { preconditionFailure("sequence rows without stacked weights") }
        jobs.addWeightGradient(x: xh, dy: dz, into: stacked.grad, biasGradient: cell.b.grad.pointer)
    }
}

/// The products whose sum is `dwh = Σ_t h₋(t)ᵀ · dz(t)`, where h₋(t) is the state the step started
/// from: at most two, the steps that start from another step, and the one that starts from h0.
func recurrentTerms(h: Matrix, h0: Matrix, dz: Matrix, batch: Int, steps: Int, reverse: Bool)
    -> [(x: MatrixPointer, dy: MatrixPointer)] {
    let rows = steps * batch
    var terms: [(x: MatrixPointer, dy: MatrixPointer)] = []
    if steps > 1 {
        if reverse {  // step t starts from t + 1
            terms.append((h.rows(batch, rows - batch), dz.rows(0, rows - batch)))
        } else {      // step t starts from t − 1
            terms.append((h.rows(0, rows - batch), dz.rows(batch, rows - batch)))
        }
    }
    let first = reverse ? steps - 1 : 0
    terms.append((h0.view, dz.rows(first * batch, batch)))
    return terms
}
