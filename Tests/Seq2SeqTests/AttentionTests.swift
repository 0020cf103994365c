import Testing
import Tensor
@testable import Seq2Seq

@Suite struct AttentionTests {
    /// An attention of `kind` over a memory of `memorySize` (queries of that size for dot, one
    /// less otherwise; mlp of 5).
    func makeAttention(_ kind: AttentionKind, memorySize: Int, using rng: inout RandomGenerator) -> (Attention, querySize: Int) {
        let querySize = kind == .dot ? memorySize : memorySize - 1
        return (Attention(kind: kind, name: "a", memorySize: memorySize, querySize: querySize, mlpSize: 5, using: &rng), querySize)
    }

    /// Gradients against finite differences, with the rank-1 updates done at each step or
    /// deferred to `finishBackward` (as the decoder's teacher-forced backward does).
    @Test(arguments: AttentionKind.allCases, [false, true])
    func gradientsMatchFiniteDifferences(kind: AttentionKind, deferred: Bool) {
        var rng = RandomGenerator(seed: 6)
        let (batch, steps, memorySize) = (2, 3, 4)
        let (attention, querySize) = makeAttention(kind, memorySize: memorySize, using: &rng)
        let lengths = [3, 2]
        let memory = randomMatrix(steps * batch, memorySize, &rng)
        let queries = (0..<2).map { _ in randomMatrix(batch, querySize, &rng) }
        let r = (0..<2).map { _ in randomMatrix(batch, memorySize, &rng) }
        let m = Attention.Memory()
        let caches = [Attention.StepCache(), Attention.StepCache()]
        let contexts = [Matrix(rows: batch, cols: memorySize), Matrix(rows: batch, cols: memorySize)]

        func loss() -> Double {
            attention.prepare(memory: memory.view, batch: batch, lengths: lengths, into: m)
            var sum = 0.0
            for t in 0..<2 {
                attention.forward(query: queries[t].view, memory: m, context: contexts[t].view, cache: caches[t])
                sum += dot(contexts[t].view, r[t].view)
            }
            return sum
        }
        _ = loss()
        #expect(caches[0].weights[1, 2] == 0)  // beyond the second sentence's length
        let dQueries = queries.map { Matrix(rows: $0.rows, cols: $0.cols) }
        let dMemory = Matrix(rows: steps * batch, cols: memorySize)
        if deferred { attention.deferOuterProducts(memory: m, steps: 2) }
        for t in (0..<2).reversed() {
            attention.backward(dContext: r[t].view, memory: m, cache: caches[t], dQuery: dQueries[t].view, step: deferred ? t : nil)
        }
        attention.finishBackward(memory: m, dMemory: dMemory.view)
        let failures = gradientFailures(
            attention.parameters.map(Checked.init) + [Checked("memory", memory, dMemory),
                                                      Checked("q0", queries[0], dQueries[0]), Checked("q1", queries[1], dQueries[1])],
            loss: loss)
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        // Padding positions of the memory get no gradient.
        for j in 0..<memorySize { #expect(dMemory[2 * batch + 1, j] == 0) }
    }

    /// A gathered memory (beams: sentences repeated, some dropped) copies nothing, and each row
    /// attends as it does over a memory of its sentence alone, whether its sentence's rows attend
    /// together (dot, general: two products) or one by one (mlp).
    @Test(arguments: AttentionKind.allCases)
    func gatheredRowsAttendAsTheirSentenceAlone(kind: AttentionKind) {
        var rng = RandomGenerator(seed: 8)
        let (batch, steps, memorySize) = (3, 4, 4)
        let (attention, querySize) = makeAttention(kind, memorySize: memorySize, using: &rng)
        let lengths = [4, 2, 3]
        let memory = randomMatrix(steps * batch, memorySize, &rng)  // S·B, time-major
        let prepared = Attention.Memory(), gathered = Attention.Memory()
        attention.prepare(memory: memory.view, batch: batch, lengths: lengths, into: prepared)
        let rows = [2, 2, 2, 0, 0, 0]  // sentence 1 has finished; three beams each
        prepared.gather(rows, into: gathered)
        #expect(gathered.blocks == rows && gathered.lengths == [3, 3, 3, 4, 4, 4])
        let query = randomMatrix(rows.count, querySize, &rng)
        let context = Matrix(rows: rows.count, cols: memorySize), cache = Attention.StepCache()
        attention.forward(query: query.view, memory: gathered, context: context.view, cache: cache)
        for (r, sentence) in rows.enumerated() {
            let alone = Attention.Memory()
            let own = Matrix(rows: steps, cols: memorySize)
            for s in 0..<steps { own.rows(s, 1).assign(memory.rows(s * batch + sentence, 1)) }
            attention.prepare(memory: own.view, batch: 1, lengths: [lengths[sentence]], into: alone)
            let single = Matrix(rows: 1, cols: memorySize), singleCache = Attention.StepCache()
            attention.forward(query: query.rows(r, 1), memory: alone, context: single.view, cache: singleCache)
            for j in 0..<memorySize { #expect(abs(context[r, j] - single[0, j]) < 1e-5) }
            for s in 0..<steps { #expect(abs(cache.weights[r, s] - singleCache.weights[0, s]) < 1e-5) }
        }
        #expect(cache.weights[0, 3] == 0)  // beyond sentence 2's length
    }

    /// Deferred rank-1 updates give the memory gradient the per-step ones give when later steps
    /// run fewer sentences (teacher forcing drops those that ended).
    @Test(arguments: AttentionKind.allCases)
    func deferredUpdatesEqualPerStepOnes(kind: AttentionKind) {
        var rng = RandomGenerator(seed: 9)
        let (batch, steps, memorySize) = (3, 4, 6)
        let (attention, querySize) = makeAttention(kind, memorySize: memorySize, using: &rng)
        let memory = randomMatrix(steps * batch, memorySize, &rng)
        let active = [3, 2, 2, 1]  // rows per decoder step
        let queries = active.map { randomMatrix($0, querySize, &rng) }
        let r = active.map { randomMatrix($0, memorySize, &rng) }
        func memoryGradient(deferred: Bool) -> Matrix {
            let m = Attention.Memory()
            attention.prepare(memory: memory.view, batch: batch, lengths: [4, 3, 2], into: m)
            let caches = active.map { _ in Attention.StepCache() }
            // Views do not keep their matrix alive: the outputs are kept here.
            let contexts = active.map { Matrix(rows: $0, cols: memorySize) }, dQueries = active.map { Matrix(rows: $0, cols: querySize) }
            for t in active.indices {
                attention.forward(query: queries[t].view, memory: m, context: contexts[t].view, cache: caches[t])
            }
            if deferred { attention.deferOuterProducts(memory: m, steps: active.count) }
            for t in active.indices.reversed() {
                attention.backward(dContext: r[t].view, memory: m, cache: caches[t], dQuery: dQueries[t].view, step: deferred ? t : nil)
            }
            let dMemory = Matrix(rows: steps * batch, cols: memorySize)
            attention.finishBackward(memory: m, dMemory: dMemory.view)
            return dMemory
        }
        let perStep = memoryGradient(deferred: false), deferred = memoryGradient(deferred: true)
        #expect(perStep.maxAbsDifference(deferred) < 1e-5)
        #expect(perStep.storage.contains { $0 != 0 })
    }
}
