import Testing
import Tensor
@testable import Seq2Seq

@Suite struct AttentionTests {
    @Test(arguments: AttentionKind.allCases)
    func gradientsMatchFiniteDifferences(kind: AttentionKind) {
        var rng = RandomGenerator(seed: 6)
        let (batch, steps, memorySize) = (2, 3, 4)
        let querySize = kind == .dot ? 4 : 3
        let attention = Attention(kind: kind, name: "a", memorySize: memorySize, querySize: querySize, mlpSize: 5, using: &rng)
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
        for t in (0..<2).reversed() {
            attention.backward(dContext: r[t].view, memory: m, cache: caches[t], dQuery: dQueries[t].view)
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
        let querySize = kind == .dot ? 4 : 3
        let attention = Attention(kind: kind, name: "a", memorySize: memorySize, querySize: querySize, mlpSize: 5, using: &rng)
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
}
