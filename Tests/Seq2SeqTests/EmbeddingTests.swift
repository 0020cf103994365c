import Testing
import Tensor
@testable import Seq2Seq

@Suite struct EmbeddingTests {
    @Test func gradientIsSparseAndPaddingGetsNone() {
        var rng = RandomGenerator(seed: 4)
        let embedding = Embedding(name: "e", vocabularySize: 6, dimension: 3, using: &rng)
        #expect(embedding.weight.value.rows(0, 1).row(0).allSatisfy { $0 == 0 })  // <pad> embeds to zeros
        let ids: [Int32] = [2, 0, 5, 2]
        let out = Matrix(rows: 0, cols: 0)
        let r = randomMatrix(4, 3, &rng)
        func loss() -> Double {
            embedding.forward(ids, into: out)
            return dot(out.view, r.view)
        }
        _ = loss()
        embedding.backward(ids, r)
        #expect(gradientFailures([Checked(embedding.weight)], loss: loss).isEmpty)
        for row in [0, 1, 3, 4] { #expect(embedding.weight.grad.rows(row, 1).row(0).allSatisfy { $0 == 0 }) }
        #expect(abs(embedding.weight.grad[2, 1] - (r[0, 1] + r[3, 1])) < 1e-6)
        // The rows it wrote, each once and ascending, padding left out: all that a sum of
        // shards' gradients has to visit.
        #expect(embedding.touchedRows == [2, 5])
        embedding.backward([4, 1, 4], randomMatrix(3, 3, &rng))
        #expect(embedding.touchedRows == [1, 4])
    }
}
