import Tensor

// Shapes: B sentences, H decoder hidden, E embedding, V target vocabulary.

/// Greedy decoding of a batch: at every step each sentence takes its most probable next token,
/// until `</s>` or the length limit.
///
/// Uses the model's `Decoder.step`, the same function training uses. Two step caches alternate,
/// since a step reads the previous step's state while writing its own.
public final class GreedySearch {
    public let model: Seq2SeqModel
    private let workspace: Seq2SeqModel.Workspace
    private var caches: [Decoder.StepCache]
    private let embedded = Matrix(rows: 0, cols: 0)
    private let logits = Matrix(rows: 0, cols: 0)
    private let zeroAttentional = Matrix(rows: 0, cols: 0)

    /// A search with buffers of its own, or with `workspace`'s encoder buffers (a trainer's, so
    /// that validation needs no second copy of them).
    public init(model: Seq2SeqModel, workspace: Seq2SeqModel.Workspace? = nil) {
        self.model = model
        self.workspace = workspace ?? model.makeWorkspace()
        caches = [model.decoder.makeStepCache(), model.decoder.makeStepCache()]
    }

    /// Target ids (without `</s>`) for each source; at most `maxLengthFactor` × source length + 5
    /// tokens each. Sources must be non-empty.
    public func translate(_ sources: [[Int32]], maxLengthFactor: Double = 2) -> [[Int32]] {
        guard !sources.isEmpty else { return [] }
        let batch = sources.count
        let lengths = sources.map(\.count)
        let steps = lengths.max()!
        var source = [Int32](repeating: Batch.paddingID, count: steps * batch)
        for (b, sentence) in sources.enumerated() { for (s, id) in sentence.enumerated() { source[s * batch + b] = id } }
        var rng = RandomGenerator(seed: 0)  // not drawn from: no dropout outside training
        model.encode(source: source, lengths: lengths, batch: batch, training: false, using: &rng, workspace: workspace)

        let limits = lengths.map { Int(Double($0) * maxLengthFactor) + 5 }
        zeroAttentional.prepare(rows: batch, cols: model.config.decoderHiddenSize)
        var state = model.initialState(workspace, attentional: zeroAttentional.view)
        var previous = [Int32](repeating: Batch.bosID, count: batch)
        var outputs = [[Int32]](repeating: [], count: batch)
        var running = [Float](repeating: 1, count: batch)
        let vocabulary = model.config.targetVocabularySize
        for t in 0..<limits.max()! {
            model.decoder.embedding.forward(previous, into: embedded)
            state = model.decoder.step(embedded: embedded.view, previous: state, mask: running, memory: workspace.memory,
                                       training: false, using: &rng, cache: caches[t % 2])
            logits.prepare(rows: batch, cols: vocabulary)
            model.generator.forward(state.attentional, into: logits.view)
            for b in 0..<batch where running[b] == 1 {
                let row = logits.pointer + b * vocabulary
                var best = 0
                for v in 1..<vocabulary where row[v] > row[best] { best = v }
                let token = Int32(best)
                if token == Batch.eosID || outputs[b].count >= limits[b] {
                    running[b] = 0
                } else {
                    outputs[b].append(token)
                    previous[b] = token
                }
            }
            if !running.contains(1) { break }
        }
        return outputs
    }
}
