import Tensor

// Shapes: B batch, S source steps, M memory size (2Hd), H query (decoder) size, A mlp size.
// The memory arrives time-major (S·B × M); attention works batch-major (row b·S + s), so each
// sentence's keys and values are one contiguous S × _ block for BLAS.
//
//   dot:      score_s = h · m_s                      (M == H)
//   general:  score_s = h · (m_s·wa)                 wa: M × H
//   mlp:      score_s = v · tanh(m_s·wm + h·wq)      wm: M × A, wq: H × A, v: 1 × A (Bahdanau)
//   a = softmax over the sentence's real positions;  context = Σ_s a_s m_s
//
// The memory-side projection (m·wa or m·wm) is computed once per batch, not per step.

/// How decoder states score encoder states.
public enum AttentionKind: String, Codable, Sendable, CaseIterable {
    case dot, general, mlp
}

/// Global attention (Luong et al. 2015; `mlp` is Bahdanau's), masked to each source length.
public final class Attention: ParameterOwner {
    public let kind: AttentionKind
    public let memorySize: Int
    public let querySize: Int
    public let wa: Parameter?  // general: M × H; mlp: wm, M × A
    public let wq: Parameter?  // mlp: H × A
    public let v: Parameter?   // mlp: 1 × A

    public var parameters: [Parameter] { [wa, wq, v].compactMap { $0 } }
    var keySize: Int { kind == .mlp ? wa!.value.cols : (kind == .general ? querySize : memorySize) }

    public init(kind: AttentionKind, name: String, memorySize: Int, querySize: Int, mlpSize: Int? = nil,
                using rng: inout RandomGenerator) {
        self.kind = kind
        self.memorySize = memorySize
        self.querySize = querySize
        switch kind {
        case .dot:
            precondition(memorySize == querySize, "dot attention needs memory size \(memorySize) == query size \(querySize)")
            (wa, wq, v) = (nil, nil, nil)
        case .general:
            wa = Parameter(name + ".wa", rows: memorySize, cols: querySize, uniform: 0.1, using: &rng)
            (wq, v) = (nil, nil)
        case .mlp:
            let a = mlpSize ?? querySize
            wa = Parameter(name + ".wm", rows: memorySize, cols: a, uniform: 0.1, using: &rng)
            wq = Parameter(name + ".wq", rows: querySize, cols: a, uniform: 0.1, using: &rng)
            v = Parameter(name + ".v", rows: 1, cols: a, uniform: 0.1, using: &rng)
        }
    }

    /// The memory of one batch, batch-major, with its projected keys and their gradients.
    ///
    /// Row b of a step reads the S-row block `blocks[b]` of `values` and `keys`. A prepared memory
    /// has one block per sentence (`blocks[b] == b`); a gathered one (search) shares its source's
    /// matrices and only maps rows to blocks, so K beams of a sentence read one copy.
    public final class Memory {
        public internal(set) var batch = 0
        public internal(set) var steps = 0
        public internal(set) var lengths: [Int] = []
        /// Per row (B), the block of `values`/`keys` it attends over.
        public internal(set) var blocks: [Int] = []
        fileprivate(set) var values = Matrix(rows: 0, cols: 0)   // blocks·S × M
        fileprivate(set) var keys = Matrix(rows: 0, cols: 0)     // blocks·S × (H or A)
        /// Gradients (training only): made by the first `backward` after `prepare`.
        let dValues = Matrix(rows: 0, cols: 0)  // B·S × M
        let dKeys = Matrix(rows: 0, cols: 0)    // B·S × (H or A)
        var gradientsReady = false
        /// The steps `backward` has seen since `prepare`, whose outer products into `dValues` and
        /// `dKeys` wait for `finishBackward`: B' rows of a step's `dContext` (B' × M).
        var pendingSteps: [(cache: StepCache, dContext: MatrixPointer)] = []
        /// One sentence's rows of the pending steps, gathered for its products (S × T', T' × M,
        /// S × T', T' × H with T' the steps it ran).
        let gatheredWeights = Matrix(rows: 0, cols: 0)
        let gatheredDContext = Matrix(rows: 0, cols: 0)
        let gatheredDScores = Matrix(rows: 0, cols: 0)
        let gatheredQueries = Matrix(rows: 0, cols: 0)
        public init() {}

        /// Makes `destination` the memory of `sentences` (indices into this one, repeats allowed):
        /// how search gives each beam its sentence's memory and drops finished sentences. Nothing
        /// is copied: `destination` reads this memory's matrices (gather again after a `prepare`).
        public func gather(_ sentences: [Int], into destination: Memory) {
            precondition(destination !== self)
            (destination.batch, destination.steps) = (sentences.count, steps)
            destination.lengths = sentences.map { lengths[$0] }
            destination.blocks = sentences.map { blocks[$0] }
            (destination.values, destination.keys) = (values, keys)
            destination.gradientsReady = false
            destination.pendingSteps = []
        }

        /// Sentence b's keys and values (its real positions only).
        func keys(_ b: Int) -> MatrixPointer { keys.rows(blocks[b] * steps, lengths[b]) }
        func values(_ b: Int) -> MatrixPointer { values.rows(blocks[b] * steps, lengths[b]) }
    }

    /// One step's activations.
    public final class StepCache {
        let query = Matrix(rows: 0, cols: 0)    // B × H
        /// Attention weights (B × S), zero beyond each source length.
        public let weights = Matrix(rows: 0, cols: 0)
        let q = Matrix(rows: 0, cols: 0)        // mlp: B × A
        let u = Matrix(rows: 0, cols: 0)        // mlp: B·S × A, tanh(keys + q)
        let scratch = Matrix(rows: 0, cols: 0)  // backward: B × max(S, A)
        let dq = Matrix(rows: 0, cols: 0)       // mlp backward: B × A
        public init() {}
    }

    /// Loads a batch's memory (S·B × M, time-major) and computes the keys.
    public func prepare(memory: MatrixPointer, batch: Int, lengths: [Int], into m: Memory) {
        let steps = memory.rows / batch
        (m.batch, m.steps, m.lengths, m.blocks) = (batch, steps, lengths, Array(0..<batch))
        m.values.prepareUninitialized(rows: batch * steps, cols: memorySize)  // assigned row by row
        for s in 0..<steps {
            for b in 0..<batch { m.values.rows(b * steps + s, 1).assign(memory.rows(s * batch + b, 1)) }
        }
        m.keys.prepareUninitialized(rows: batch * steps, cols: keySize)
        if let wa {
            wa.projection.apply(m.values.view, into: m.keys.view)
        } else {
            m.keys.assign(m.values)
        }
        m.gradientsReady = false
        m.pendingSteps.removeAll(keepingCapacity: true)
    }

    /// Attends with `query` (B' × H, rows 0 ..< B' of the memory's B: teacher forcing drops
    /// the sentences that have ended); writes the context (B' × M) and keeps the weights in `cache`.
    public func forward(query: MatrixPointer, memory m: Memory, context: MatrixPointer, cache: StepCache) {
        let (batch, steps) = (query.rows, m.steps)
        precondition(batch <= m.batch, "\(batch) queries for a memory of \(m.batch) sentences")
        cache.query.prepareUninitialized(rows: batch, cols: querySize)  // assigned
        cache.query.view.assign(query)
        cache.weights.prepare(rows: batch, cols: steps)
        if kind == .mlp {
            let a = keySize
            cache.q.prepare(rows: batch, cols: a)
            wq!.projection.apply(query, into: cache.q.view)
            cache.u.prepare(rows: batch * steps, cols: a)
        }
        Parallel.serially {
            var b = 0
            while b < batch {
                // Beams of one sentence (consecutive rows on one block) attend in two products.
                var rows = 1
                while b + rows < batch && m.blocks[b + rows] == m.blocks[b] { rows += 1 }
                if rows > 1 && kind != .mlp {
                    attendTogether(query.rows(b, rows), memory: m, first: b, context: context.rows(b, rows), cache: cache)
                } else {
                    for r in b..<(b + rows) { attend(query, memory: m, row: r, context: context, cache: cache) }
                }
                b += rows
            }
        }
    }

    /// One row's scores, weights and context.
    private func attend(_ query: MatrixPointer, memory m: Memory, row b: Int, context: MatrixPointer, cache: StepCache) {
        let (length, steps) = (m.lengths[b], m.steps)
        let scores = cache.weights.pointer + b * steps
        let keys = m.keys(b)
        switch kind {
        case .dot, .general:
            BLAS.gemv(keys, query.row(b).baseAddress!, into: scores)
        case .mlp:
            let u = cache.u.rows(b * steps, length)
            let q = cache.q.pointer + b * keySize
            for s in 0..<length {
                let (ur, kr) = (u.row(s).baseAddress!, keys.row(s).baseAddress!)
                for j in 0..<keySize { ur[j] = kr[j] + q[j] }
                Kernels.tanh(ur, ur, count: keySize)
            }
            BLAS.gemv(u, v!.value.pointer, into: scores)
        }
        let row = MatrixPointer(scores, rows: 1, cols: length)
        Kernels.softmaxRows(row, into: row)  // positions beyond the length stay 0
        BLAS.gemv(m.values(b), transpose: true, scores, into: context.row(b).baseAddress!)
    }

    /// Rows `first ..< first + R` on the same block (a sentence's beams, dot or general):
    /// scores (R × S) = q·keysᵀ, softmax per row, context (R × M) = a·values.
    private func attendTogether(_ query: MatrixPointer, memory m: Memory, first: Int, context: MatrixPointer, cache: StepCache) {
        let (length, steps, rows) = (m.lengths[first], m.steps, query.rows)
        let scores = MatrixPointer(cache.weights.pointer + first * steps, rows: rows, cols: length, stride: steps)  // R × S
        BLAS.gemm(query, m.keys(first), transposeB: true, into: scores)
        for r in 0..<rows {
            let row = scores.rows(r, 1)
            Kernels.softmaxRows(row, into: row)  // positions beyond the length stay 0
        }
        BLAS.gemm(scores, m.values(first), into: context)
    }

    /// Backpropagates `dContext` (B' × M, the forward's rows): adds the query gradient into
    /// `dQuery` (B' × H); the memory and key gradients are made by `finishBackward`, which reads
    /// `cache` and `dContext` again (both must stay unchanged until then).
    ///
    /// A step's memory-side gradients are outer products (dm_s += a_s dc, dk_s += ds_s h: S × M
    /// per sentence, read and written for a rank-one update); they are left to `finishBackward`,
    /// which makes those of all steps in one product per sentence.
    public func backward(dContext: MatrixPointer, memory m: Memory, cache: StepCache, dQuery: MatrixPointer) {
        let (batch, steps) = (dContext.rows, m.steps)
        precondition(m.blocks.elementsEqual(0..<m.batch), "backward needs a prepared memory, not a gathered one")
        if !m.gradientsReady {
            m.dValues.prepare(rows: m.batch * steps, cols: memorySize)
            m.dKeys.prepare(rows: m.batch * steps, cols: keySize)
            m.gradientsReady = true
        }
        cache.scratch.prepare(rows: batch, cols: max(steps, keySize))
        if kind == .mlp { cache.dq.prepare(rows: batch, cols: keySize) }
        Parallel.serially { for b in 0..<batch {
            let length = m.lengths[b]
            let a = cache.weights.pointer + b * steps
            let ds = cache.scratch.pointer + b * cache.scratch.cols
            let dc = dContext.row(b).baseAddress!
            let values = m.values(b)
            BLAS.gemv(values, dc, into: ds)                                 // da_s = m_s · dc
            var weighted: Float = 0
            for s in 0..<length { weighted += a[s] * ds[s] }
            for s in 0..<length { ds[s] = a[s] * (ds[s] - weighted) }      // through the softmax
            switch kind {
            case .dot, .general:
                BLAS.gemv(m.keys(b), transpose: true, ds, into: dQuery.row(b).baseAddress!, beta: 1)
            case .mlp:
                let dKeys = m.dKeys.rows(b * steps, length)
                let u = cache.u.rows(b * steps, length)
                BLAS.gemv(u, transpose: true, ds, into: v!.grad.pointer, beta: 1)  // dv += Σ ds_s u_s
                let dq = cache.dq.pointer + b * keySize
                for s in 0..<length {
                    let (ur, dk) = (u.row(s).baseAddress!, dKeys.row(s).baseAddress!)
                    for j in 0..<keySize {
                        let dpre = ds[s] * v!.value.pointer[j] * (1 - ur[j] * ur[j])
                        dk[j] += dpre
                        dq[j] += dpre
                    }
                }
            }
        } }
        if kind == .mlp {
            BLAS.gemm(cache.dq.view, wq!.value.view, transposeB: true, into: dQuery, beta: 1)   // dh += dq·wqᵀ
            BLAS.gemm(cache.query.view, transposeA: true, cache.dq.view, into: wq!.grad.view, beta: 1)
        }
        precondition(!m.pendingSteps.contains { $0.cache === cache }, "a step cache backpropagated twice before finishBackward")
        m.pendingSteps.append((cache, dContext))
    }

    /// The pending steps' outer products, per sentence b over the T' steps it ran:
    /// dValues_b += Aᵀ·dC (S × T' · T' × M) and, for dot and general, dKeys_b += dSᵀ·Q (S × T' · T' × H),
    /// where row t of A, dC, dS, Q is step t's a, dc, ds (the scores' gradient) and query for b.
    /// Aᵀ and dSᵀ are gathered already transposed, so that the products have S rows: few enough
    /// for the small-row kernel, which OpenBLAS's packing of a transposed A would cost more than.
    private func accumulatePendingOuterProducts(_ m: Memory) {
        let calls = m.pendingSteps.count
        guard calls > 0 else { return }
        let (steps, scoresToo) = (m.steps, kind != .mlp)
        m.gatheredWeights.prepareUninitialized(rows: steps, cols: calls)        // columns written before read
        m.gatheredDContext.prepareUninitialized(rows: calls, cols: memorySize)
        if scoresToo {
            m.gatheredDScores.prepareUninitialized(rows: steps, cols: calls)
            m.gatheredQueries.prepareUninitialized(rows: calls, cols: querySize)
        }
        for b in 0..<m.batch {
            let length = m.lengths[b]
            let (aT, dsT) = (m.gatheredWeights.pointer, m.gatheredDScores.pointer)  // S × T', rows `calls` apart
            var rows = 0
            for (cache, dContext) in m.pendingSteps where b < dContext.rows {
                let a = cache.weights.pointer + b * steps
                for s in 0..<length { aT[s * calls + rows] = a[s] }
                m.gatheredDContext.rows(rows, 1).assign(dContext.rows(b, 1))
                if scoresToo {
                    let ds = cache.scratch.pointer + b * cache.scratch.cols
                    for s in 0..<length { dsT[s * calls + rows] = ds[s] }
                    m.gatheredQueries.rows(rows, 1).assign(cache.query.rows(b, 1))
                }
                rows += 1
            }
            guard rows > 0 else { continue }
            BLAS.gemm(m.gatheredWeights.rows(0, length).columns(0, rows), m.gatheredDContext.rows(0, rows),
                      into: m.dValues.rows(b * steps, length), beta: 1)                       // S × M
            if scoresToo {
                BLAS.gemm(m.gatheredDScores.rows(0, length).columns(0, rows), m.gatheredQueries.rows(0, rows),
                          into: m.dKeys.rows(b * steps, length), beta: 1)                     // S × H
            }
        }
        m.pendingSteps.removeAll(keepingCapacity: true)
    }

    /// Makes the pending steps' memory and key gradients (see `backward`), turns the key
    /// gradients into memory and weight gradients, and adds the memory gradient into `dMemory`
    /// (S·B × M, time-major). Call once per batch, after all steps.
    public func finishBackward(memory m: Memory, dMemory: MatrixPointer) {
        guard m.gradientsReady else { return }  // no step reached backward
        accumulatePendingOuterProducts(m)
        if let wa {
            BLAS.gemm(m.values.view, transposeA: true, m.dKeys.view, into: wa.grad.view, beta: 1)
            BLAS.gemm(m.dKeys.view, wa.value.view, transposeB: true, into: m.dValues.view, beta: 1)
        } else {
            addInPlace(m.dValues.view, m.dKeys.view)
        }
        for s in 0..<m.steps {
            for b in 0..<m.batch { addInPlace(dMemory.rows(s * m.batch + b, 1), m.dValues.rows(b * m.steps + s, 1)) }
        }
    }
}
