import Testing
import Tensor
@testable import Seq2Seq

@Suite struct ShortlistTests {
    /// Source 5 always comes with target 10 and source 6 with 11: Dice ranks those first; the
    /// frequent ids (below 8 here) are never listed, being candidates anyway.
    @Test func learnsAssociationsByDice() {
        let sources: [[Int32]] = [[5], [6], [5, 6], [5, 7], [6]]
        let targets: [[Int32]] = [[10, 4], [11], [10, 11, 9], [10, 12], [11, 12]]
        let list = Shortlist.learn(sources: sources, targets: targets, sourceVocabularySize: 8, targetVocabularySize: 13,
                                   size: 2, frequent: 8)
        #expect(list.bySource[5] == [10, 9])    // 10: 2·3/(3+3) = 1; 9: 2·1/(3+1); 12: 2·1/(3+2)
        #expect(list.bySource[6] == [11, 9])    // 11: 1; 9: 2·1/(3+1) = 0.5 beats 12: 2·1/(3+2)
        #expect(list.bySource[7] == [12, 10])   // 12: 2·1/(1+2) beats 10: 2·1/(1+3)
        #expect(list.bySource[0].isEmpty && list.frequent == 8)
    }

    @Test func candidatesAreSortedAndAlwaysHoldTheSpecials() {
        let list = Shortlist(frequent: 0, bySource: [[], [], [], [], [9, 6], [6, 12]])
        #expect(list.candidates(for: [[4], [5, 99]]) == [0, 1, 2, 3, 6, 9, 12])
        #expect(Shortlist(frequent: 7, bySource: [[], [], [], [], [9, 6]]).candidates(for: [[4]]) == [0, 1, 2, 3, 4, 5, 6, 9])
    }

    @Test func textFormRoundTrips() throws {
        let list = Shortlist(frequent: 5, bySource: [[], [7, 6], [], [9]])
        let text = list.serialized()
        #expect(text == "fanyi-shortlist 1\nfrequent 5 sources 4\n\n7 6\n\n9")
        #expect(try Shortlist(parsing: text, sourceVocabularySize: 4, targetVocabularySize: 10, name: "m") == list)
    }

    @Test(arguments: [
        ("fanyi-shortlist 2\nfrequent 5 sources 1\n", 1, "expected 'fanyi-shortlist 1'"),
        ("fanyi-shortlist 1\nfrequent x sources 1\n", 2, "expected 'frequent F sources S'"),
        ("fanyi-shortlist 1\nfrequent 11 sources 1\n", 2, "0 ≤ F ≤ 10"),
        ("fanyi-shortlist 1\nfrequent 5 sources 2\n", 2, "2 sources and 1 lines for a source vocabulary of 1"),
        ("fanyi-shortlist 1\nfrequent 5 sources 1", 2, "1 sources and 0 lines"),
        ("fanyi-shortlist 1\nfrequent 5 sources 1\n7 10", 3, "'10' is not a target id below 10"),
        ("fanyi-shortlist 1\nfrequent 5 sources 1\n7  8", 3, "'' is not a target id"),
        ("fanyi-shortlist 1\nfrequent 5 sources 1\n-1", 3, "'-1' is not a target id"),
    ])
    func corruptedTextNamesTheLine(text: String, line: Int, reason: String) {
        #expect {
            try Shortlist(parsing: text, sourceVocabularySize: 1, targetVocabularySize: 10, name: "m.safetensors")
        } throws: { error in
            guard let error = error as? ShortlistError else { return false }
            return error.line == line && error.reason.contains(reason) && error.description.contains("--no-shortlist")
        }
    }

    func peakedModel(seed: UInt64) -> Seq2SeqModel {
        var config = ModelConfig(sourceVocabularySize: 12, targetVocabularySize: 16)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (6, 4, 8)
        let model = Seq2SeqModel(config: config, seed: seed)
        for p in model.parameters { for i in 0..<p.value.count { p.value.pointer[i] *= 8 } }
        return model
    }

    /// A shortlist holding every id changes nothing; a short one confines the output to its
    /// candidates (with n-gram blocking on, which maps tokens to columns).
    @Test(arguments: [1, 2, 3] as [UInt64])
    func searchStaysInsideTheCandidates(seed: UInt64) {
        let model = peakedModel(seed: seed)
        let sources: [[Int32]] = [[4, 5, 6, 7], [8], [9, 10, 11], [5, 5]]
        var options = SearchOptions()
        options.beamSize = 3
        options.nBest = 2
        let search = BeamSearch(model: model)
        let full = search.search(sources, options: options)
        options.shortlist = Shortlist(frequent: 16, bySource: Array(repeating: [], count: 12))
        // Per-sentence products round differently from the batch's one: scores agree to 1e-5.
        let everything = search.search(sources, options: options)
        #expect(everything.map { $0.map(\.tokens) } == full.map { $0.map(\.tokens) })
        for (a, b) in zip(everything.joined(), full.joined()) { #expect(abs(a.score - b.score) < 1e-5) }

        let lists: [[Int32]] = (0..<12).map { [Int32(4 + $0 % 5), Int32(15 - $0 % 3)] }
        let shortlist = Shortlist(frequent: 0, bySource: lists)
        options.shortlist = shortlist
        options.blockNgramRepeat = 2
        // Each sentence (group size 1) or each pair of sentences keeps to its own candidates.
        for groupSize in [1, 2] {
            options.shortlistGroupSize = groupSize
            for (b, hypotheses) in search.search(sources, options: options).enumerated() {
                let group = (b / groupSize * groupSize)..<min(sources.count, (b / groupSize + 1) * groupSize)
                let allowed = Set(shortlist.candidates(for: Array(sources[group])))
                for hypothesis in hypotheses { #expect(hypothesis.tokens.allSatisfy(allowed.contains)) }
            }
        }
        #expect(full.joined().contains { !$0.tokens.isEmpty })
    }

    /// With a candidate set per sentence, a sentence gets the hypotheses it gets when searched
    /// alone, whatever its neighbours in the batch (whose sets differ), as finished ones leave.
    @Test(arguments: [1, 4] as [Int])
    func perSentenceCandidatesMatchSentencesAlone(beam: Int) {
        let model = peakedModel(seed: 2)
        let sources: [[Int32]] = [[4, 5, 6, 7], [8], [9, 10, 11], [5, 5], [11, 4]]
        var options = SearchOptions()
        options.beamSize = beam
        options.nBest = beam
        options.shortlist = Shortlist(frequent: 4, bySource: (0..<12).map { [Int32(4 + $0), Int32(15 - $0)] })
        let search = BeamSearch(model: model)
        let batched = search.search(sources, options: options)
        for (source, hypotheses) in zip(sources, batched) {
            let alone = search.search([source], options: options)[0]
            #expect(hypotheses.map(\.tokens) == alone.map(\.tokens))
            for (a, b) in zip(hypotheses, alone) { #expect(abs(a.score - b.score) < 1e-4) }
        }
        #expect(Set(sources.map { options.shortlist!.candidates(for: [$0]) }).count > 1)
    }

    /// The gathered generator columns give the full generator's logits at those columns.
    @Test(arguments: [false, true])
    func subsetLogitsAreTheFullLogitsColumns(tied: Bool) {
        var config = ModelConfig(sourceVocabularySize: 12, targetVocabularySize: 16)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (8, 4, 8)
        config.tiedTargetEmbeddings = tied
        let model = Seq2SeqModel(config: config, seed: 5)
        var rng = RandomGenerator(seed: 9)
        let x = Matrix(rows: 3, cols: 8, uniform: 1, using: &rng)
        let full = Matrix(rows: 3, cols: 16), part = Matrix(rows: 3, cols: 4)
        model.generator.forward(x.view, into: full.view)
        let subset = Generator.Subset()
        model.generator.restrict(to: [1, 3, 7, 15], into: subset)
        model.generator.forward(x.view, subset: subset, into: part.view)
        for r in 0..<3 {
            for (j, id) in [1, 3, 7, 15].enumerated() { #expect(abs(part[r, j] - full[r, id]) < 1e-5) }
        }
        #expect(subset.column(of: 7) == 2 && subset.column(of: 8) == nil && subset.column(of: 0) == nil)
    }
}
