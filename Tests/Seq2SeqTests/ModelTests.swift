import Foundation
import Testing
import Tensor
@testable import Seq2Seq

@Suite struct ModelTests {
    static let pairs: [([Int32], [Int32])] = [([4, 5, 6, 7], [5, 6]), ([8, 4], [7, 4, 6]), ([5], [4])]

    func tinyConfig(cell: CellKind, attention: AttentionKind, bridge: BridgeKind, tied: Bool, residual: Bool) -> ModelConfig {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 8)
        config.embeddingSize = tied ? 4 : 3
        config.encoderHiddenSize = 2
        config.decoderHiddenSize = 4
        config.cell = cell
        config.attention = attention
        config.bridge = bridge
        config.tiedTargetEmbeddings = tied
        config.residual = residual
        config.dropout = 0.25
        return config
    }

    static let variants: [(CellKind, AttentionKind, BridgeKind, Bool, Bool)] = [
        (.lstm, .general, .copy, false, true),
        (.gru, .mlp, .dense, false, false),
        (.lstm, .dot, .zeros, true, false),
        (.lstm, .mlp, .dense, false, true),
    ]

    /// d loss / d every parameter of the whole model, with dropout and label smoothing on.
    @Test(arguments: variants)
    func wholeModelGradients(cell: CellKind, attention: AttentionKind, bridge: BridgeKind, tied: Bool, residual: Bool) {
        let model = Seq2SeqModel(config: tinyConfig(cell: cell, attention: attention, bridge: bridge, tied: tied, residual: residual), seed: 3)
        // Weights of ±0.5 instead of ±0.1: every path then carries gradients well above the
        // Float32 noise floor of the difference quotients, so a missing term shows.
        for p in model.parameters { for i in 0..<p.value.count { p.value.pointer[i] *= 5 } }
        let batch = Batch(sources: Self.pairs.map(\.0), targets: Self.pairs.map(\.1))
        let workspace = model.makeWorkspace()
        let seed = RandomGenerator(seed: 77)
        func loss() -> Double {
            var rng = seed
            return model.lossAndGradients(batch, labelSmoothing: 0.1, using: &rng, workspace: workspace)
        }
        model.zeroGradients()
        _ = loss()
        let analytic = model.parameters.map { Checked($0.name, $0.value, $0.grad.copy()) }
        let failures = gradientFailures(analytic, loss: loss)
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
        #expect(workspace.encoder.dropoutMasks[0].storage.contains(0))
    }

    /// With sources of one length, a step's products are exactly what `ModelConfig.trainingFlops`
    /// counts; source padding adds products the count leaves out.
    @Test(arguments: variants)
    func trainingFlopsCountAnUnpaddedStep(cell: CellKind, attention: AttentionKind, bridge: BridgeKind, tied: Bool, residual: Bool) {
        let config = tinyConfig(cell: cell, attention: attention, bridge: bridge, tied: tied, residual: residual)
        let model = Seq2SeqModel(config: config, seed: 5)
        let workspace = model.makeWorkspace()
        func stepFlops(_ batch: Batch) -> Int {
            var rng = RandomGenerator(seed: 2)
            let before = BLAS.threadFlops
            Parallel.serially { _ = model.lossAndGradients(batch, using: &rng, workspace: workspace) }
            return BLAS.threadFlops - before
        }
        let even = Batch(sources: [[4, 5, 6, 7], [8, 4, 5, 6], [5, 6, 7, 8]], targets: [[5, 6], [7, 4], [4, 4]])
        #expect(stepFlops(even) == config.trainingFlops(sourceLengths: even.sourceLengths, targetLengths: even.targetLengths))
        // Ragged targets cost nothing extra: the decoder runs only the sentences still going, the
        // generator only real positions.
        let ragged = Batch(sources: [[4, 5, 6, 7], [8, 4, 5, 6], [5, 6, 7, 8]], targets: [[5], [7, 4, 6, 5], [4, 4]])
        #expect(stepFlops(ragged) == config.trainingFlops(sourceLengths: ragged.sourceLengths, targetLengths: ragged.targetLengths))
        let padded = Batch(sources: Self.pairs.map(\.0), targets: Self.pairs.map(\.1))
        let counted = config.trainingFlops(sourceLengths: padded.sourceLengths, targetLengths: padded.targetLengths)
        #expect(stepFlops(padded) > counted)
        #expect(counted > 0)
    }

    /// A batch's rows come longest target first, so each decoder step runs a prefix of them;
    /// masks that are not prefixes run every row.
    @Test func decoderStepsRunTheSentencesStillGoing() {
        let batch = Batch(sources: [[4], [5], [6]], targets: [[5], [7, 4, 6], [4, 4]])
        #expect(batch.targetLengths == [4, 3, 2])
        #expect(batch.source == [5, 6, 4])
        #expect(Decoder.activeRows(masks: batch.targetMasks, batch: 3) == [3, 3, 2, 1])
        #expect(Decoder.activeRows(masks: [[1, 1], [0, 1]], batch: 2) == [2, 2])
        #expect(Decoder.activeRows(masks: [[1, 0], [1, 1]], batch: 2) == [2, 2])  // prefixes, but growing
    }

    /// A padded batch has the loss and gradients of its sentences one by one (no dropout).
    @Test(arguments: [CellKind.lstm, .gru])
    func paddedBatchEqualsSentencesAlone(cell: CellKind) {
        var config = tinyConfig(cell: cell, attention: .general, bridge: .copy, tied: false, residual: false)
        config.dropout = 0
        let model = Seq2SeqModel(config: config, seed: 4)
        let workspace = model.makeWorkspace()
        var rng = RandomGenerator(seed: 1)
        model.zeroGradients()
        let batchLoss = model.lossAndGradients(Batch(sources: Self.pairs.map(\.0), targets: Self.pairs.map(\.1)),
                                               labelSmoothing: 0.1, training: false, using: &rng, workspace: workspace)
        let batchGrads = model.parameters.map { $0.grad.copy() }
        model.zeroGradients()
        var singleLoss = 0.0
        for pair in Self.pairs {
            singleLoss += model.lossAndGradients(Batch(sources: [pair.0], targets: [pair.1]), labelSmoothing: 0.1,
                                                 training: false, using: &rng, workspace: workspace)
        }
        #expect(abs(batchLoss - singleLoss) < 1e-4)
        for (p, g) in zip(model.parameters, batchGrads) {
            #expect(p.grad.maxAbsDifference(g) < 1e-5, "\(p.name)")
        }
    }

    /// A small model learns a handful of pairs by heart.
    @Test func overfitsAHandfulOfPairs() {
        var config = ModelConfig(sourceVocabularySize: 20, targetVocabularySize: 20)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize, config.dropout) = (16, 16, 32, 0)
        let model = Seq2SeqModel(config: config, seed: 5)
        let pairs: [([Int32], [Int32])] = [
            ([4, 5, 6], [7, 8, 9]), ([10, 11], [12, 13, 14, 15]), ([16, 17, 18, 19], [4, 5]), ([6, 4], [19, 18, 17]),
        ]
        let batch = Batch(sources: pairs.map(\.0), targets: pairs.map(\.1))
        let loss = trainByHeart(model, batch)
        #expect(loss < 0.01, "loss per token after training: \(loss)")
    }
}

@Suite struct GreedySearchTests {
    /// After learning a few pairs by heart, greedy search reproduces them, in a batch or alone.
    @Test func reproducesLearnedPairs() {
        var config = ModelConfig(sourceVocabularySize: 20, targetVocabularySize: 20)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize, config.dropout) = (16, 16, 32, 0)
        let model = Seq2SeqModel(config: config, seed: 5)
        let pairs: [([Int32], [Int32])] = [([4, 5, 6], [7, 8, 9]), ([10, 11], [12, 13, 14, 15]), ([16, 17, 18, 19], [4, 5])]
        let batch = Batch(sources: pairs.map(\.0), targets: pairs.map(\.1))
        #expect(trainByHeart(model, batch) < 0.01)
        let search = GreedySearch(model: model)
        #expect(search.translate(pairs.map(\.0)) == pairs.map(\.1))
        #expect(search.translate([pairs[1].0]) == [pairs[1].1])
        #expect(search.translate([]) == [])
    }

    @Test func stopsAtTheLengthLimit() {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 8)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (3, 2, 4)
        let model = Seq2SeqModel(config: config, seed: 1)
        model.generator.bias.value[0, Int(Batch.eosID)] = -100  // never ends on its own
        let out = GreedySearch(model: model).translate([[4, 5]], maxLengthFactor: 1.5)
        #expect(out[0].count == 8)
    }
}

/// Trains `model` on one batch with Adam (written out here: optimizers belong to training) until
/// the loss per token is below 0.01 or 300 steps; returns the last loss per token.
func trainByHeart(_ model: Seq2SeqModel, _ batch: Batch) -> Double {
    let workspace = model.makeWorkspace()
    var rng = RandomGenerator(seed: 2)
    let params = model.parameters
    let m = params.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
    let v = params.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
    var loss = Double.infinity
    for step in 1...300 {
        model.zeroGradients()
        loss = model.lossAndGradients(batch, gradientScale: 1 / Float(batch.targetTokens), using: &rng, workspace: workspace)
            / Double(batch.targetTokens)
        let (lr, b1, b2): (Float, Float, Float) = (0.01, 0.9, 0.999)
        let c1 = 1 - Float(pow(Double(b1), Double(step))), c2 = 1 - Float(pow(Double(b2), Double(step)))
        for (i, p) in params.enumerated() {
            for k in 0..<p.value.count {
                let g = p.grad.pointer[k]
                m[i].pointer[k] = b1 * m[i].pointer[k] + (1 - b1) * g
                v[i].pointer[k] = b2 * v[i].pointer[k] + (1 - b2) * g * g
                p.value.pointer[k] -= lr * (m[i].pointer[k] / c1) / ((v[i].pointer[k] / c2).squareRoot() + 1e-8)
            }
        }
        if loss < 0.01 { break }
    }
    return loss
}

@Suite struct AveragingTests {
    /// Every averaged parameter is the mean of the models' values.
    @Test func averageIsTheElementwiseMean() {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 7)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (4, 3, 6)
        let models = [1, 2, 3].map { Seq2SeqModel(config: config, seed: $0) }
        let mean = Seq2SeqModel.average(models)
        #expect(mean.config == config)
        for (index, parameter) in mean.parameters.enumerated() {
            #expect(parameter.name == models[0].parameters[index].name)
            for i in 0..<parameter.value.count {
                let expected = models.map { $0.parameters[index].value.pointer[i] }.reduce(0, +) / 3
                #expect(abs(parameter.value.pointer[i] - expected) < 1e-6)
            }
        }
        #expect(Seq2SeqModel.average([models[1]]).parameters[0].value.storage == models[1].parameters[0].value.storage)
    }
}

@Suite struct GeneratorChunkTests {
    /// The generator and loss computed in chunks of a few target positions give the same loss
    /// and gradients as one pass over the whole batch; the forward-only loss agrees too.
    @Test func chunkedGeneratorMatchesOnePass() {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 8)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize, config.dropout) = (3, 2, 4, 0)
        let model = Seq2SeqModel(config: config, seed: 6)
        let batch = Batch(sources: ModelTests.pairs.map(\.0), targets: ModelTests.pairs.map(\.1))
        let workspace = model.makeWorkspace()
        func run(chunkRows: Int) -> (Double, [Float]) {
            model.generatorChunkElements = chunkRows * config.targetVocabularySize
            model.zeroGradients()
            var rng = RandomGenerator(seed: 2)
            let loss = model.lossAndGradients(batch, labelSmoothing: 0.1, training: false, using: &rng, workspace: workspace)
            return (loss, Array(model.buffer.gradients.buffer))
        }
        let rows = batch.targetSteps * batch.size
        #expect(model.generatorChunkRows >= 1)
        let (whole, wholeGradients) = run(chunkRows: rows)
        for chunk in [1, 2, 5] {
            let (loss, gradients) = run(chunkRows: chunk)
            #expect(abs(loss - whole) < 1e-5 * abs(whole))
            let worst = zip(gradients, wholeGradients).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-6, "chunks of \(chunk) rows: gradients differ by \(worst)")
        }
        var rng = RandomGenerator(seed: 2)
        model.generatorChunkElements = 3 * config.targetVocabularySize
        let plain = model.lossAndGradients(batch, training: false, using: &rng, workspace: workspace)
        #expect(abs(model.loss(batch, workspace: workspace) - plain) < 1e-5 * abs(plain))
    }
}
