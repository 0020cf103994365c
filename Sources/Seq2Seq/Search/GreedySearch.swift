import Tensor

// Shapes: B sentences, H decoder hidden, E embedding, V target vocabulary.

/// Greedy decoding of a batch: at every step each sentence takes its most probable next token,
/// until `</s>` or the length limit.
///
/// Each step is `Seq2SeqModel.step`, the decoder step beam search takes too (and inside it
/// `Decoder.step`, the one training takes).
public final class GreedySearch {
    public let model: Seq2SeqModel
    private let workspace: Seq2SeqModel.Workspace
    private let steps: StepWorkspace
    private let logits = Matrix(rows: 0, cols: 0)

    /// A search with buffers of its own, or with `workspace`'s encoder buffers (a trainer's, so
    /// that validation needs no second copy of them).
    public init(model: Seq2SeqModel, workspace: Seq2SeqModel.Workspace? = nil) {
        self.model = model
        self.workspace = workspace ?? model.makeWorkspace()
        steps = StepWorkspace(model: model)
    }

    /// Target ids (without `</s>`) for each source; at most `maxLengthFactor` × source length + 5
    /// tokens each. Sources must be non-empty.
    public func translate(_ sources: [[Int32]], maxLengthFactor: Double = 2) -> [[Int32]] {
        guard !sources.isEmpty else { return [] }
        let batch = sources.count
        model.encode(sources: sources, workspace: workspace)
        let limits = sources.map { Int(Double($0.count) * maxLengthFactor) + 5 }
        var state = model.initialState(workspace, steps: steps)
        var previous = [Int32](repeating: Batch.bosID, count: batch)
        var outputs = [[Int32]](repeating: [], count: batch)
        // Ended sentences stay in the batch, their state carried (mask 0), so rows never move.
        var running = [Float](repeating: 1, count: batch)
        let vocabulary = model.config.targetVocabularySize
        for _ in 0..<limits.max()! {
            state = model.step(tokens: previous, from: state, mask: running, memory: workspace.memory, steps: steps, logits: logits)
            for b in 0..<batch where running[b] == 1 {
                let row = logits.pointer + b * vocabulary   // B × V
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
