import Tensor

// Shapes: B sentences, R decoder rows (B, or B·K hypotheses of a beam), S source length,
// E embedding, H decoder hidden, V target vocabulary (C candidate columns with a shortlist).

/// The decoder's state between search steps, in matrices of its own, so that it can reorder
/// itself: keep the rows of the hypotheses that survive, in their new order, and drop the rest.
public final class DecoderState {
    /// Two buffers: a step reads one while `advance` writes the other.
    private let buffers: [Buffer]
    private var current = 0

    final class Buffer {
        let h: [Matrix], c: [Matrix?], attentional = Matrix(rows: 0, cols: 0)
        init(layers: Int, lstm: Bool) {
            h = (0..<layers).map { _ in Matrix(rows: 0, cols: 0) }
            c = (0..<layers).map { _ in lstm ? Matrix(rows: 0, cols: 0) : nil }
        }
        var state: Decoder.State {
            Decoder.State(layers: zip(h, c).map { RecurrentState(h: $0.view, c: $1?.view) }, attentional: attentional.view)
        }
    }

    public init(model: Seq2SeqModel) {
        buffers = (0..<2).map { _ in Buffer(layers: model.config.decoderLayers, lstm: model.config.cell == .lstm) }
    }

    /// The state (R rows), as views into this object's matrices.
    public var state: Decoder.State { buffers[current].state }

    /// Takes rows `rows` of `state` (a step's output, or the initial state) as the new state, in
    /// that order; a row may be taken several times (a hypothesis with several extensions).
    public func advance(to state: Decoder.State, rows: [Int]) {
        let next = 1 - current
        let target = buffers[next]
        func copy(_ source: MatrixPointer, into matrix: Matrix) {
            matrix.prepare(rows: rows.count, cols: source.cols)  // R' × H
            for (i, r) in rows.enumerated() { matrix.rows(i, 1).assign(source.rows(r, 1)) }
        }
        for (l, layer) in state.layers.enumerated() {
            copy(layer.h, into: target.h[l])
            if let sc = layer.c, let tc = target.c[l] { copy(sc, into: tc) }
        }
        copy(state.attentional, into: target.attentional)
        current = next
    }
}

/// Buffers of a search's decoder steps: two step caches that alternate (a step reads the state the
/// one before left in its cache while writing its own), the embedded tokens, the initial h̃.
public final class StepWorkspace {
    let caches: [Decoder.StepCache]
    let embedded = Matrix(rows: 0, cols: 0)
    let zeroAttentional = Matrix(rows: 0, cols: 0)
    private var parity = 0

    public init(model: Seq2SeqModel) {
        caches = [model.decoder.makeStepCache(), model.decoder.makeStepCache()]
    }

    /// The cache the next step writes (they alternate).
    func nextCache() -> Decoder.StepCache {
        parity = 1 - parity
        return caches[parity]
    }

    /// The cache the last step wrote.
    var lastCache: Decoder.StepCache { caches[parity] }
}

extension Seq2SeqModel {
    /// Encodes sources of any lengths (non-empty id sequences, no `</s>`) for search: pads them
    /// time-major (S·B ids) and runs the encoder and bridge into `workspace`.
    public func encode(sources: [[Int32]], workspace: Workspace) {
        let batch = sources.count
        let lengths = sources.map(\.count)
        let steps = lengths.max() ?? 0
        var source = [Int32](repeating: Batch.paddingID, count: steps * batch)  // S·B, time-major
        for (b, sentence) in sources.enumerated() { for (s, id) in sentence.enumerated() { source[s * batch + b] = id } }
        var rng = RandomGenerator(seed: 0)  // never drawn from: no dropout outside training
        encode(source: source, lengths: lengths, batch: batch, training: false, forBackward: false, using: &rng, workspace: workspace)
    }

    /// The decoder's state before the first step (h̃ zero), for the B sentences just encoded.
    public func initialState(_ workspace: Workspace, steps: StepWorkspace) -> Decoder.State {
        steps.zeroAttentional.prepare(rows: workspace.initial.first?.h.rows ?? 0, cols: config.decoderHiddenSize)
        return initialState(workspace, attentional: steps.zeroAttentional.view)
    }

    /// One decoder step of search, the one every search uses: embeds the previous tokens (R),
    /// runs `Decoder.step` from `state` against `memory` (R rows of it), and scores the next token
    /// with the generator into `logits`: R × V raw scores (not normalised), or, given `blocks`
    /// (which cover the R rows in order), each block's rows over its subset's columns, laid out
    /// as `Generator.Block.views` says. `mask[r]` is 0 for rows whose sentence has ended (their
    /// state is carried). Returns the new state as views into `steps`' cache; the step's
    /// attention weights are `attentionWeights(steps)` until the next step.
    public func step(tokens: [Int32], from state: Decoder.State, mask: [Float]? = nil, memory: Attention.Memory,
                     steps: StepWorkspace, blocks: [Generator.Block]? = nil, logits: Matrix) -> Decoder.State {
        let rows = tokens.count
        decoder.embedding.forward(tokens, into: steps.embedded)  // R × E
        var rng = RandomGenerator(seed: 0)  // never drawn from: no dropout outside training
        let next = decoder.step(embedded: steps.embedded.view, previous: state, mask: mask ?? Array(repeating: 1, count: rows),
                                memory: memory, training: false, using: &rng, cache: steps.nextCache())
        guard let blocks else {
            logits.prepareUninitialized(rows: rows, cols: config.targetVocabularySize)  // R × V, written whole
            generator.forward(next.attentional, into: logits.view)
            return next
        }
        let firstRows = blocks.reduce(into: [0]) { $0.append($0.last! + $1.rows) }  // then the total
        precondition(firstRows.last == rows, "blocks cover \(firstRows.last!) of \(rows) rows")
        // Room for every block (R × the widest block holds Σ rows_b·C_b); only the blocks are read.
        logits.prepareUninitialized(rows: rows, cols: blocks.map(\.subset.count).max() ?? 0)
        let views = Generator.Block.views(blocks, at: logits.pointer)
        func score(_ b: Int) {
            generator.forward(next.attentional.rows(firstRows[b], blocks[b].rows), subset: blocks[b].subset, into: views[b])  // rows_b × C_b
        }
        // 8-bit blocks (a few rows each: one per sentence) share the threads block by block, each
        // product on its thread (a region inside a part stays there); one product split by
        // columns would cost a thread hand-off per sentence and step.
        let parts = min(Parallel.available, blocks.count)
        if parts > 1 && blocks.allSatisfy({ $0.subset.quantized != nil }) {
            let work = blocks.map { $0.rows * $0.subset.count }
            let total = work.reduce(0, +)
            var bounds = [0], sum = 0  // contiguous ranges of blocks with about equal work
            for (b, w) in work.enumerated() {
                sum += w
                if bounds.count < parts && sum * parts >= total * bounds.count { bounds.append(b + 1) }
            }
            bounds.append(blocks.count)
            let ranges = zip(bounds, bounds.dropFirst()).map { $0..<$1 }
            Parallel.forEachPart(ranges.count) { part in
                for b in ranges[part] { score(b) }
            }
        } else {
            for b in blocks.indices { score(b) }
        }
        return next
    }

    /// The attention weights of the last `step` (R × S).
    public func attentionWeights(_ steps: StepWorkspace) -> Matrix {
        steps.lastCache.attention.weights
    }
}
