import Testing
import Tensor
@testable import Seq2Seq

@Suite struct ParameterBufferTests {
    /// Moving parameters into the flat buffers keeps their values, lays them out in order, and
    /// layers then accumulate their gradients into the flat gradient buffer.
    @Test func layoutAndValuesAreKept() {
        var rng = RandomGenerator(seed: 5)
        let a = Parameter("a", rows: 2, cols: 3, uniform: 1, using: &rng)
        let b = Parameter("b", rows: 1, cols: 4, uniform: 1, using: &rng)
        let (valuesA, valuesB) = (a.value.storage, b.value.storage)
        a.grad[0, 1] = 5  // gradients are not carried over: they start at zero in the buffer
        let buffer = ParameterBuffer([a, b])
        #expect(Array(buffer.gradients.buffer).allSatisfy { $0 == 0 } && a.grad.storage.allSatisfy { $0 == 0 })
        #expect(buffer.count == 10 && buffer.offsets == [0, 6])
        #expect(a.value.storage == valuesA && b.value.storage == valuesB)
        #expect(Array(buffer.values.buffer) == valuesA + valuesB)
        b.grad[0, 2] = 7
        a.grad[1, 0] = -2
        #expect(buffer.gradients.pointer[3] == -2 && buffer.gradients.pointer[8] == 7)
        buffer.zeroGradients()
        #expect(a.grad.storage.allSatisfy { $0 == 0 } && b.grad.storage.allSatisfy { $0 == 0 })
    }

    /// A model's buffer holds every parameter once, in `parameters` order.
    @Test func modelBufferCoversEveryParameter() {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 8)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (3, 2, 4)
        let model = Seq2SeqModel(config: config, seed: 1)
        #expect(model.buffer.count == model.parameters.reduce(0) { $0 + $1.value.count })
        var offset = 0
        for p in model.parameters {
            #expect(p.value.pointer == model.buffer.values.pointer + offset, "\(p.name)")
            #expect(p.grad.pointer == model.buffer.gradients.pointer + offset, "\(p.name)")
            offset += p.value.count
        }
    }

    /// Matrices over a shared buffer keep it alive after the buffer's owner is gone.
    @Test func matricesKeepTheirBufferAlive() {
        var matrix: Matrix
        do {
            let buffer = FloatBuffer(count: 4)
            buffer.pointer[2] = 3
            matrix = Matrix(rows: 2, cols: 2, in: buffer, offset: 0)
        }
        #expect(matrix[1, 0] == 3)
        matrix[1, 1] = 4
        #expect(matrix.storage == [0, 0, 3, 4])
    }
}
