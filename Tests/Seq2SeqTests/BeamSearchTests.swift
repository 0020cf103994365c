import Foundation
import Testing
import Tensor
@testable import Seq2Seq

@Suite struct BeamSearchTests {
    func smallModel(seed: UInt64) -> Seq2SeqModel {
        var config = ModelConfig(sourceVocabularySize: 12, targetVocabularySize: 10)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (6, 4, 8)
        return Seq2SeqModel(config: config, seed: seed)
    }

    /// Beam size 1 makes exactly greedy search's choices, batched or not.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func beamOneIsGreedy(seed: UInt64) {
        let model = smallModel(seed: seed)
        for p in model.parameters { for i in 0..<p.value.count { p.value.pointer[i] *= 8 } }  // peaked, varied outputs
        let sources: [[Int32]] = [[4, 5, 6, 7], [8], [9, 10, 11], [5, 5]]
        let greedy = GreedySearch(model: model).translate(sources)
        var options = SearchOptions()
        options.beamSize = 1
        let beam = BeamSearch(model: model).search(sources, options: options).map { $0[0].tokens }
        #expect(beam == greedy)
        #expect(greedy.contains { !$0.isEmpty })
    }

    /// A "scripted" model: all weights zero except the generator bias, so every step offers the
    /// same distribution p(</s>) = 0.4, p(a) = 0.35, p(b) = 0.25 and the beam's choices can be
    /// worked out by hand.
    func scriptedModel(eos: Double, a: Double, b: Double) -> Seq2SeqModel {
        var config = ModelConfig(sourceVocabularySize: 6, targetVocabularySize: 6)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (2, 2, 4)
        let model = Seq2SeqModel(config: config, seed: 1)
        for p in model.parameters { p.value.zero() }
        let bias = model.generator.bias.value
        for v in 0..<6 { bias[0, v] = -60 }
        (bias[0, 3], bias[0, 4], bias[0, 5]) = (Float(log(eos)), Float(log(a)), Float(log(b)))
        return model
    }

    @Test func scriptedBeamChoicesAndNBestOrder() {
        let model = scriptedModel(eos: 0.4, a: 0.35, b: 0.25)
        var options = SearchOptions()
        (options.beamSize, options.nBest, options.lengthPenalty) = (3, 3, .none)
        // Step 1 finishes "" (log .4) and keeps a, b; step 2's best candidates are "a</s>"
        // (log .35 + log .4), "aa", then "b</s>" (log .25 + log .4): three finished → done.
        let found = BeamSearch(model: model).search([[4, 5]], options: options)[0]
        #expect(found.map(\.tokens) == [[], [4], [5]])
        #expect(abs(found[0].score - log(0.4)) < 1e-5)
        #expect(abs(found[1].score - (log(0.35) + log(0.4))) < 1e-5)
        #expect(abs(found[2].score - (log(0.25) + log(0.4))) < 1e-5)
        // Each token's log-probability, and that of </s>, as the scripted distribution gives them.
        #expect(found[1].tokenLogProbabilities.count == 1 && abs(Double(found[1].tokenLogProbabilities[0]) - log(0.35)) < 1e-5)
        #expect(found.allSatisfy { abs(Double($0.endLogProbability ?? 0) - log(0.4)) < 1e-5 })
        for hypothesis in found {
            let sum = hypothesis.tokenLogProbabilities.reduce(0) { $0 + Double($1) } + Double(hypothesis.endLogProbability ?? 0)
            #expect(abs(sum - hypothesis.logProbability) < 1e-5)
        }
        // One best: the search stops as soon as the best candidate has ended.
        options.nBest = 1
        #expect(BeamSearch(model: model).search([[4, 5]], options: options)[0].map(\.tokens) == [[]])
    }

    @Test func lengthPenaltyFavoursLongerHypotheses() {
        // p(</s>) = 0.3, p(a) = 0.7: unnormalised, "" (log .3 ≈ −1.20) beats "a" (≈ −1.56);
        // averaged per token (α = 1), "a" (−0.78) beats "" (−1.20).
        let model = scriptedModel(eos: 0.3, a: 0.7, b: 1e-6)
        var options = SearchOptions()
        (options.beamSize, options.nBest, options.lengthPenalty) = (2, 2, .none)
        let plain = BeamSearch(model: model).search([[4]], options: options)[0]
        #expect(plain.map(\.tokens) == [[], [4]])
        options.lengthPenalty = .average(alpha: 1)
        let averaged = BeamSearch(model: model).search([[4]], options: options)[0]
        #expect(averaged.map(\.tokens) == [[4], []])
        #expect(abs(averaged[0].score - (log(0.7) + log(0.3)) / 2) < 1e-5)
        // GNMT: ((5 + |Y|)/6)^α
        #expect(abs(LengthPenalty.gnmt(alpha: 1).normalize(-2, length: 7) - (-2 / 2)) < 1e-12)
    }

    @Test func lengthLimitAndRepeatBlocking() {
        let model = scriptedModel(eos: 1e-6, a: 0.6, b: 0.4)
        var options = SearchOptions()
        (options.beamSize, options.lengthPenalty, options.maxLengthFactor) = (2, .none, 1)
        let long = BeamSearch(model: model).search([[4, 5]], options: options)[0][0]
        #expect(long.tokens == Array(repeating: 4, count: 7))  // 1 × 2 + 5 tokens, all "a"
        options.blockNgramRepeat = 2
        let blocked = BeamSearch(model: model).search([[4, 5]], options: options)[0][0]
        // No bigram twice: a a b b a … has each of aa, ab, bb, ba at most once.
        let bigrams = zip(blocked.tokens, blocked.tokens.dropFirst()).map { "\($0)-\($1)" }
        #expect(Set(bigrams).count == bigrams.count)
        #expect(blocked.alignment.count == blocked.tokens.count)
    }
}
