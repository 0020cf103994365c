import Testing
import Tensor
@testable import Seq2Seq

@Suite struct EncoderTests {
    @Test(arguments: [CellKind.lstm, .gru])
    func gradientsMatchFiniteDifferences(cell: CellKind) {
        var rng = RandomGenerator(seed: 5)
        let embedding = Embedding(name: "encoder.embedding", vocabularySize: 7, dimension: 3, using: &rng)
        let encoder = Encoder(embedding: embedding, cell: cell, layers: 2, hiddenPerDirection: 2, dropout: 0.3,
                              residual: true, using: &rng)
        let lengths = [3, 1], steps = 3, batch = 2
        let m = mask(lengths: lengths, steps: steps)
        let ids: [Int32] = [4, 2, 5, 0, 6, 0]  // time-major, 0 = padding
        let rMemory = randomMatrix(steps * batch, 4, &rng)
        for (i, keep) in m.enumerated() where keep == 0 { for j in 0..<4 { rMemory[i, j] = 0 } }
        let rFinal = (0..<2).map { _ in (randomMatrix(batch, 4, &rng), randomMatrix(batch, 4, &rng)) }
        let cache = encoder.makeCache()
        let dropoutSeed = RandomGenerator(seed: 99)

        func loss() -> Double {
            var r = dropoutSeed  // the same dropout masks at every evaluation
            let memory = encoder.forward(ids: ids, batch: batch, mask: m, training: true, using: &r, cache: cache)
            var sum = dot(memory.view, rMemory.view)
            for (l, final) in encoder.finalStates(cache).enumerated() {
                sum += dot(final.h.view, rFinal[l].0.view)
                if let c = final.c { sum += dot(c.view, rFinal[l].1.view) }
            }
            return sum
        }
        _ = loss()
        encoder.backward(dMemory: rMemory, dFinal: rFinal.map { ($0.0, cell == .lstm ? $0.1 : nil) }, cache: cache)
        let failures = gradientFailures(encoder.parameters.map(Checked.init), loss: loss)
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(cache.dropoutMasks[1].storage.contains(0))  // dropout really dropped something
    }

    /// Encoding for search (no backward: layers read the outputs below in place, LSTMs keep no
    /// history) gives the memory and final states of an encoding kept for backward.
    @Test(arguments: [CellKind.lstm, .gru])
    func searchEncodingEqualsTheOneKeptForBackward(cell: CellKind) {
        var rng = RandomGenerator(seed: 6)
        let embedding = Embedding(name: "encoder.embedding", vocabularySize: 7, dimension: 3, using: &rng)
        let encoder = Encoder(embedding: embedding, cell: cell, layers: 3, hiddenPerDirection: 2, dropout: 0.3,
                              residual: true, using: &rng)
        let steps = 20, batch = 2
        let lengths = [20, 7]
        let ids: [Int32] = (0..<(steps * batch)).map { i in i % batch == 1 && i / batch >= 7 ? 0 : Int32(1 + i % 6) }
        let m = mask(lengths: lengths, steps: steps)
        let (kept, searched) = (encoder.makeCache(), encoder.makeCache())
        var r = RandomGenerator(seed: 1)
        let expected = encoder.forward(ids: ids, batch: batch, mask: m, training: false, using: &r, cache: kept).copy()
        let memory = encoder.forward(ids: ids, batch: batch, mask: m, training: false, forBackward: false, using: &r, cache: searched)
        #expect(memory.maxAbsDifference(expected) < 1e-6)
        for (a, b) in zip(encoder.finalStates(kept), encoder.finalStates(searched)) {
            #expect(a.h.maxAbsDifference(b.h) < 1e-6)
            if let ac = a.c, let bc = b.c { #expect(ac.maxAbsDifference(bc) < 1e-6) } else { #expect(a.c == nil && b.c == nil) }
        }
    }
}
