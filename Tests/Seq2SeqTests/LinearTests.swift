import Testing
import Tensor
@testable import Seq2Seq

@Suite struct LinearAndGeneratorTests {
    @Test(arguments: [false, true])
    func linearGradients(tanh: Bool) {
        var rng = RandomGenerator(seed: 12)
        let linear = Linear(name: "lin", inputSize: 3, outputSize: 4, tanh: tanh, using: &rng)
        let x = randomMatrix(5, 3, &rng), r = randomMatrix(5, 4, &rng)
        let y = Matrix(rows: 5, cols: 4)
        func loss() -> Double {
            linear.forward(x.view, into: y.view)
            return dot(y.view, r.view)
        }
        _ = loss()
        let dy = r.copy(), dx = Matrix(rows: 5, cols: 3)
        linear.backward(x: x.view, y: y.view, dy: dy.view, dx: dx.view)
        #expect(gradientFailures(linear.parameters.map(Checked.init) + [Checked("x", x, dx)], loss: loss).isEmpty)
    }

    @Test(arguments: [false, true])
    func generatorGradients(tied: Bool) {
        var rng = RandomGenerator(seed: 13)
        let embedding = Embedding(name: "emb", vocabularySize: 6, dimension: 4, using: &rng)
        let generator = Generator(hiddenSize: 4, vocabularySize: 6, tiedTo: tied ? embedding : nil, using: &rng)
        let x = randomMatrix(3, 4, &rng), r = randomMatrix(3, 6, &rng)
        let logits = Matrix(rows: 3, cols: 6)
        func loss() -> Double {
            generator.forward(x.view, into: logits.view)
            return dot(logits.view, r.view)
        }
        _ = loss()
        let dx = Matrix(rows: 3, cols: 4)
        generator.backward(x: x.view, dLogits: r.view, dx: dx.view)
        let parameters = generator.parameters + (tied ? embedding.parameters : [])
        #expect(gradientFailures(parameters.map(Checked.init) + [Checked("x", x, dx)], loss: loss).isEmpty)
        #expect(generator.parameters.count == (tied ? 1 : 2))
    }

    @Test func dropoutBackwardUsesTheForwardMask() {
        var rng = RandomGenerator(seed: 14)
        let dropout = Dropout(rate: 0.5)
        let x = randomMatrix(4, 5, &rng), mask = Matrix(rows: 0, cols: 0)
        let original = x.copy()
        dropout.forward(x, mask: mask, training: true, using: &rng)
        let dx = Matrix(rows: 4, cols: 5, repeating: 1)
        dropout.backward(dx, mask: mask)
        for i in 0..<x.count {
            #expect(x.pointer[i] == original.pointer[i] * mask.pointer[i])
            #expect(dx.pointer[i] == mask.pointer[i])   // d(x ⊙ mask)/dx = mask
        }
        let evaluation = original.copy()
        dropout.forward(evaluation, mask: mask, training: false, using: &rng)
        #expect(evaluation == original)
    }
}

@Suite struct DeterminismTests {
    /// The same seed gives the same parameters, dropout masks and gradients.
    @Test func sameSeedSameModelAndSameStep() {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 8)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (3, 2, 4)
        let batch = Batch(sources: [[4, 5], [6]], targets: [[5], [6, 7]])
        var results: [[Matrix]] = []
        var losses: [Double] = []
        for _ in 0..<2 {
            let model = Seq2SeqModel(config: config, seed: 21)
            var rng = RandomGenerator(seed: 5)
            model.zeroGradients()
            losses.append(model.lossAndGradients(batch, using: &rng, workspace: model.makeWorkspace()))
            results.append(model.parameters.map(\.value) + model.parameters.map(\.grad))
        }
        #expect(losses[0] == losses[1])
        #expect(results[0] == results[1])
        let other = Seq2SeqModel(config: config, seed: 22)
        #expect(other.parameters.map(\.value) != Seq2SeqModel(config: config, seed: 21).parameters.map(\.value))
    }
}
