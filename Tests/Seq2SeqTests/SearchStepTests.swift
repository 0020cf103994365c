import Testing
import Tensor
@testable import Seq2Seq

/// A view's elements, row by row.
func elements(_ view: MatrixPointer) -> [Float] {
    (0..<view.rows).flatMap { Array(view.row($0)) }
}

/// The one decoder step every search takes, and the state that reorders itself for the beam.
@Suite struct SearchStepTests {
    func model(_ cell: CellKind) -> Seq2SeqModel {
        var config = ModelConfig(sourceVocabularySize: 12, targetVocabularySize: 10)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (6, 4, 8)
        config.cell = cell
        return Seq2SeqModel(config: config, seed: 3)
    }

    /// `step` is embedding → `Decoder.step` → generator, written out by hand here.
    @Test(arguments: [CellKind.lstm, .gru])
    func stepIsEmbedDecoderStepGenerator(cell: CellKind) {
        let model = model(cell)
        let workspace = model.makeWorkspace(), steps = StepWorkspace(model: model)
        model.encode(sources: [[4, 5, 6], [7, 8]], workspace: workspace)
        let logits = Matrix(rows: 0, cols: 0)
        let state = model.step(tokens: [Batch.bosID, 9], from: model.initialState(workspace, steps: steps),
                               memory: workspace.memory, steps: steps, logits: logits)

        let embedded = Matrix(rows: 0, cols: 0), expected = Matrix(rows: 2, cols: 10)
        model.decoder.embedding.forward([Batch.bosID, 9], into: embedded)
        var rng = RandomGenerator(seed: 0)
        let zero = Matrix(rows: 2, cols: 8), cache = model.decoder.makeStepCache()  // the state's views live in it
        let byHand = model.decoder.step(embedded: embedded.view, previous: model.initialState(workspace, attentional: zero.view),
                                        mask: [1, 1], memory: workspace.memory, training: false, using: &rng,
                                        cache: cache)
        model.generator.forward(byHand.attentional, into: expected.view)
        #expect(logits.maxAbsDifference(expected) == 0)
        #expect(elements(state.attentional) == elements(byHand.attentional))
        #expect(model.attentionWeights(steps).rows == 2)
    }

    /// Over a subset of columns, the logits are the full step's logits in those columns.
    @Test func subsetScoresTheSameColumns() {
        let model = model(.lstm)
        let workspace = model.makeWorkspace()
        model.encode(sources: [[4, 5, 6]], workspace: workspace)
        let full = Matrix(rows: 0, cols: 0), some = Matrix(rows: 0, cols: 0)
        let subset = Generator.Subset()
        model.generator.restrict(to: [3, 7, 9], into: subset)
        for (logits, restricted) in [(full, nil), (some, subset)] as [(Matrix, Generator.Subset?)] {
            let steps = StepWorkspace(model: model)
            _ = model.step(tokens: [Batch.bosID], from: model.initialState(workspace, steps: steps), memory: workspace.memory,
                           steps: steps, blocks: restricted.map { [Generator.Block(subset: $0, rows: 1)] }, logits: logits)
        }
        for (column, id) in subset.ids.enumerated() {
            #expect(abs(some[0, column] - full[0, Int(id)]) < 1e-6)
        }
    }

    /// `advance` keeps the rows asked for, in that order, repeating rows taken twice.
    @Test(arguments: [CellKind.lstm, .gru])
    func decoderStateReordersItsRows(cell: CellKind) {
        let model = model(cell)
        let workspace = model.makeWorkspace(), steps = StepWorkspace(model: model)
        model.encode(sources: [[4, 5, 6], [7, 8], [9]], workspace: workspace)
        let logits = Matrix(rows: 0, cols: 0)
        let decoderState = DecoderState(model: model)
        decoderState.advance(to: model.initialState(workspace, steps: steps), rows: [0, 1, 2])
        let out = model.step(tokens: [Batch.bosID, 4, 5], from: decoderState.state, memory: workspace.memory, steps: steps, logits: logits)
        decoderState.advance(to: out, rows: [2, 0, 0])
        let kept = decoderState.state
        for (i, r) in [2, 0, 0].enumerated() {
            for (l, layer) in out.layers.enumerated() {
                #expect(elements(kept.layers[l].h.rows(i, 1)) == elements(layer.h.rows(r, 1)))
                if let c = layer.c { #expect(elements(kept.layers[l].c!.rows(i, 1)) == elements(c.rows(r, 1))) }
                #expect((kept.layers[l].c == nil) == (cell == .gru))
            }
            #expect(elements(kept.attentional.rows(i, 1)) == elements(out.attentional.rows(r, 1)))
        }
    }
}
