import Tensor

// Shapes: T target steps, B batch, E embedding size, H hidden size, M memory size (2Hd);
// time-major rows t·B + b.
//
// One step (Luong et al. 2015, with input feeding):
//   x_t  = [emb(y_{t−1}) ; h̃_{t−1}]                        B × (E + H)
//   h_t  = N-layer recurrent stack, one step, from state_{t−1}
//   c_t  = attention(h_t, memory)                           B × M
//   h̃_t  = dropout(tanh([c_t ; h_t]·wc))                    B × H  (to the generator and step t+1)
//
// `step` serves both teacher-forced training (every step cached for backward) and search.

/// The attentional recurrent decoder.
public final class Decoder: ParameterOwner {
    public let embedding: Embedding
    public let layers: [any RecurrentLayer]
    public let attention: Attention
    /// wc: [context ; h] → h̃, tanh, no bias.
    public let output: Linear
    public let dropout: Dropout

    public var hiddenSize: Int { layers[0].hiddenSize }
    public var memorySize: Int { attention.memorySize }
    public var parameters: [Parameter] {
        embedding.parameters + layers.flatMap(\.parameters) + attention.parameters + output.parameters
    }

    public init(embedding: Embedding, cell: CellKind, layers count: Int, hiddenSize: Int, memorySize: Int,
                attention kind: AttentionKind, dropout: Float, using rng: inout RandomGenerator) {
        self.embedding = embedding
        layers = (0..<count).map { l in
            makeRecurrentLayer(cell, name: "decoder.layers.\(l)",
                               inputSize: l == 0 ? embedding.dimension + hiddenSize : hiddenSize,
                               hiddenSize: hiddenSize, using: &rng)
        }
        attention = Attention(kind: kind, name: "decoder.attention", memorySize: memorySize, querySize: hiddenSize, using: &rng)
        output = Linear(name: "decoder.output", inputSize: memorySize + hiddenSize, outputSize: hiddenSize,
                        bias: false, tanh: true, using: &rng)
        self.dropout = Dropout(rate: dropout)
    }

    /// The decoder state between steps, as views (into a step cache or a search buffer).
    public struct State {
        public var layers: [RecurrentState]
        /// h̃ of the previous step (B × H).
        public var attentional: MatrixPointer
        public init(layers: [RecurrentState], attentional: MatrixPointer) {
            self.layers = layers
            self.attentional = attentional
        }

        /// The state of the first `rows` sentences.
        func prefix(_ rows: Int) -> State {
            State(layers: layers.map { RecurrentState(h: $0.h.rows(0, rows), c: $0.c?.rows(0, rows)) },
                  attentional: attentional.rows(0, rows))
        }
    }

    /// The gradient of a `State`.
    public struct StateGradient {
        public var layers: [RecurrentState]
        public var attentional: MatrixPointer
    }

    /// One step's activations and backward scratch.
    public final class StepCache {
        let input = Matrix(rows: 0, cols: 0)            // B × (E + H)
        var layerInputs: [Matrix] = []                  // l ≥ 1: B × H after dropout
        var layerMasks: [Matrix] = []
        var recurrent: [AnyObject] = []
        public let attention = Attention.StepCache()
        let concat = Matrix(rows: 0, cols: 0)           // B × (M + H): [context ; h_top]
        let attentionalRaw = Matrix(rows: 0, cols: 0)   // B × H, tanh output
        let attentional = Matrix(rows: 0, cols: 0)      // B × H, after dropout
        let attentionalMask = Matrix(rows: 0, cols: 0)
        var batch = 0
        let dAttentional = Matrix(rows: 0, cols: 0)
        let dConcat = Matrix(rows: 0, cols: 0)
        let dTop = Matrix(rows: 0, cols: 0)
        var dx: [Matrix] = []                           // per layer: B × input size
        /// Teacher forcing: wc packed for the batch's steps (forward, transposed), and whether
        /// the decoder's backward makes wc's gradient for all steps at once.
        var packedOutput: (forward: PackedMatrix, transposed: PackedMatrix)?
        var defersOutputGradient = false
        init() {}
    }

    public func makeStepCache() -> StepCache {
        let cache = StepCache()
        cache.layerInputs = layers.map { _ in Matrix(rows: 0, cols: 0) }
        cache.layerMasks = layers.map { _ in Matrix(rows: 0, cols: 0) }
        cache.recurrent = layers.map { $0.makeCache() }
        cache.dx = layers.map { _ in Matrix(rows: 0, cols: 0) }
        return cache
    }

    /// One decoder step from `previous` given the embedded previous tokens (B × E, dropout
    /// already applied). `mask[b]` is 0 where sentence b has ended (its recurrent state is carried).
    /// Returns the new state as views into `cache`; h̃ is `cache`'s attentional output.
    public func step(embedded: MatrixPointer, previous: State, mask: [Float], memory: Attention.Memory,
                     training: Bool, using rng: inout RandomGenerator, cache: StepCache) -> State {
        let batch = embedded.rows
        let (e, h, m) = (embedding.dimension, hiddenSize, memorySize)
        cache.batch = batch
        // Step buffers below are written whole before they are read: no zeroing.
        cache.input.prepareUninitialized(rows: batch, cols: e + h)
        cache.input.columns(0, e).assign(embedded)
        cache.input.columns(e, h).assign(previous.attentional)
        var x = cache.input.view
        var top: Matrix!
        for (l, layer) in layers.enumerated() {
            if l > 0 {
                cache.layerInputs[l].prepareUninitialized(rows: batch, cols: h)
                cache.layerInputs[l].assign(top)
                dropout.forward(cache.layerInputs[l], mask: cache.layerMasks[l], training: training, using: &rng)
                x = cache.layerInputs[l].view
            }
            top = layer.forward(x, batch: batch, mask: mask, initial: previous.layers[l], forBackward: true, cache: cache.recurrent[l])
        }
        cache.concat.prepareUninitialized(rows: batch, cols: m + h)
        attention.forward(query: top.view, memory: memory, context: cache.concat.columns(0, m), cache: cache.attention)
        cache.concat.columns(m, h).assign(top.view)
        cache.attentionalRaw.prepareUninitialized(rows: batch, cols: h)
        output.forward(cache.concat.view, into: cache.attentionalRaw.view, packed: cache.packedOutput?.forward)
        cache.attentional.prepareUninitialized(rows: batch, cols: h)
        cache.attentional.assign(cache.attentionalRaw)
        dropout.forward(cache.attentional, mask: cache.attentionalMask, training: training, using: &rng)
        return State(layers: zip(layers, cache.recurrent).map { $0.finalState($1) }, attentional: cache.attentional.view)
    }

    /// Backpropagates one step. `dAttentional` is the gradient of this step's h̃ (from the
    /// generator and the next step's input), `dState` that of its recurrent state (from the next
    /// step, nil for the last). The key and memory gradients are made in `memory` by
    /// `Attention.finishBackward`, which reads this step's `cache` again: one cache per step.
    /// Returns the gradients of the embedded input (B × E) and of the previous state.
    public func stepBackward(dAttentional: MatrixPointer, dState: [RecurrentState]?, memory: Attention.Memory,
                             cache: StepCache) -> (dEmbedded: MatrixPointer, dPrevious: StateGradient) {
        let batch = cache.batch
        let (e, h, m) = (embedding.dimension, hiddenSize, memorySize)
        cache.dAttentional.prepareUninitialized(rows: batch, cols: h)
        cache.dAttentional.view.assign(dAttentional)
        dropout.backward(cache.dAttentional, mask: cache.attentionalMask)
        cache.dConcat.prepareUninitialized(rows: batch, cols: m + h)
        output.backward(x: cache.concat.view, y: cache.attentionalRaw.view, dy: cache.dAttentional.view, dx: cache.dConcat.view,
                        weightGradients: !cache.defersOutputGradient, packedTransposed: cache.packedOutput?.transposed)
        cache.dTop.prepareUninitialized(rows: batch, cols: h)
        cache.dTop.view.assign(cache.dConcat.columns(m, h))
        attention.backward(dContext: cache.dConcat.columns(0, m), memory: memory, cache: cache.attention, dQuery: cache.dTop.view)

        var dPreviousLayers = [RecurrentState](repeating: RecurrentState(h: cache.dTop.view), count: layers.count)
        var dOut = cache.dTop
        for l in layers.indices.reversed() {
            let dx = cache.dx[l]
            dx.prepareUninitialized(rows: batch, cols: layers[l].inputSize)
            dPreviousLayers[l] = layers[l].backward(dOutput: dOut.view, dFinal: dState?[l], dx: dx.view, cache: cache.recurrent[l])
            if l > 0 {
                dropout.backward(dx, mask: cache.layerMasks[l])
                dOut = dx
            }
        }
        let dInput = cache.dx[0]
        return (dInput.columns(0, e), StateGradient(layers: dPreviousLayers, attentional: dInput.columns(e, h)))
    }

    // MARK: - Teacher forcing over a whole batch

    /// Activations of a teacher-forced pass over a batch.
    public final class Cache {
        var ids: [Int32] = []
        var batch = 0
        var masks: [[Float]] = []
        /// Rows each step runs (`activeRows`).
        var active: [Int] = []
        let embedded = Matrix(rows: 0, cols: 0)         // T·B × E
        let embeddingMask = Matrix(rows: 0, cols: 0)
        var steps: [StepCache] = []
        /// h̃ of every step (T·B × H): the generator's input.
        public let attentional = Matrix(rows: 0, cols: 0)
        let dEmbedded = Matrix(rows: 0, cols: 0)
        let zeroAttentional = Matrix(rows: 0, cols: 0)
        /// Per layer whose steps keep sequence rows (LSTM): [x ; h₋] of every step (T·B × (I + H))
        /// and dz (T·B × 4H), for one weight-gradient product per batch.
        var sequenceInputs: [Matrix] = []
        var sequenceGradients: [Matrix] = []
        /// The weights packed for the batch's steps: `ownPacked`, or the packing `pack(for:)`
        /// made for several caches in the first one's `sharedPacked` (never written by a cache's
        /// own packing, which others may be reading).
        var packed: PackedWeights
        let ownPacked = PackedWeights()
        let sharedPacked = PackedWeights()
        /// Set by `pack` for the next forward only, which then uses `packed` as it is.
        var prepacked = false
        /// Every step's [c ; h] (Σ n_t × (M + H)) and the pre-activation gradient of its h̃
        /// (Σ n_t × H), gathered for wc's gradient in one product.
        let outputInputs = Matrix(rows: 0, cols: 0)
        let outputGradients = Matrix(rows: 0, cols: 0)
        init() { packed = ownPacked }
    }

    public func makeCache() -> Cache { Cache() }

    /// The weights packed for one batch's few-row step products (AVX-512 only): [wx ; wh] of
    /// every LSTM layer and wc, each as it is (forward) and transposed (backward).
    public final class PackedWeights {
        var layers: [(forward: PackedMatrix, transposed: PackedMatrix)] = []
        let output = (forward: PackedMatrix(), transposed: PackedMatrix())
    }

    /// Packs the weights into `packed` on the pool's threads, for the next forward of every cache
    /// in `caches` (shards whose models share these parameter values): they then read `packed`
    /// instead of each packing the same weights.
    public func pack(for caches: [Cache]) {
        guard PackedMatrix.isUseful, let first = caches.first else { return }
        let packed = caches.count == 1 ? first.ownPacked : first.sharedPacked
        pack(into: packed)
        for cache in caches { (cache.packed, cache.prepacked) = (packed, true) }
    }

    private func pack(into packed: PackedWeights) {
        var jobs: [() -> Void] = []
        while packed.layers.count < layers.count { packed.layers.append((PackedMatrix(), PackedMatrix())) }
        for (l, layer) in layers.enumerated() {
            guard let lstm = layer as? LSTM, let stacked = lstm.stackedWeights else { continue }
            jobs.append { packed.layers[l].forward.pack(stacked.value) }
            jobs.append { packed.layers[l].transposed.pack(stacked.value, transposed: true) }
        }
        jobs.append { packed.output.forward.pack(self.output.w.value.view) }
        jobs.append { packed.output.transposed.pack(self.output.w.value.view, transposed: true) }
        Parallel.forEachPart(jobs.count) { jobs[$0]() }
    }

    /// Rows step t runs: when every step's running sentences come first (a batch ordered longest
    /// target first, as `Batch` is), the n_t that are still running, since an ended sentence's
    /// later steps feed nothing but padding; otherwise all B, carrying ended sentences' states.
    static func activeRows(masks: [[Float]], batch: Int) -> [Int] {
        let running = masks.map { mask in mask.firstIndex(of: 0) ?? batch }
        let prefixes = zip(masks, running).allSatisfy { mask, n in n > 0 && mask[n...].allSatisfy { $0 == 0 } }
        let shrinking = zip(running, running.dropFirst()).allSatisfy { $0 >= $1 }
        return prefixes && shrinking ? running : masks.map { _ in batch }
    }

    /// Runs all steps with the reference inputs `ids` (T·B, time-major: <s> y₁ … padded with 0);
    /// `masks[t]` has B entries. Returns h̃ of every step (T·B × H, owned by the cache); rows of
    /// positions no step ran (after a sentence's end, see `activeRows`) are zero.
    public func forward(ids: [Int32], batch: Int, masks: [[Float]], initial: [RecurrentState], memory: Attention.Memory,
                        training: Bool, using rng: inout RandomGenerator, cache: Cache) -> Matrix {
        let steps = masks.count
        let h = hiddenSize
        (cache.ids, cache.batch, cache.masks) = (ids, batch, masks)
        cache.active = Self.activeRows(masks: masks, batch: batch)
        while cache.steps.count < steps { cache.steps.append(makeStepCache()) }
        prepareSteps(cache: cache)
        embedding.forward(ids, into: cache.embedded)
        var dropRng = rng.split(1000)
        dropout.forward(cache.embedded, mask: cache.embeddingMask, training: training, using: &dropRng)
        cache.zeroAttentional.prepare(rows: batch, cols: h)
        cache.attentional.prepare(rows: steps * batch, cols: h)
        var state = State(layers: initial, attentional: cache.zeroAttentional.view)
        for t in 0..<steps {
            var stepRng = rng.split(UInt64(2000 + t))
            let n = cache.active[t]  // B' ≤ B rows from here on
            state = step(embedded: cache.embedded.rows(t * batch, n), previous: state.prefix(n), mask: Array(masks[t][0..<n]),
                         memory: memory, training: training, using: &stepRng, cache: cache.steps[t])
            cache.attentional.rows(t * batch, n).assign(state.attentional)
        }
        _ = rng.next()
        return cache.attentional
    }

    /// Backpropagates the gradient of every step's h̃ (T·B × H). Returns the gradient of the
    /// initial recurrent state (per layer). Embedding gradients are accumulated here; the
    /// recurrent layers' and wc's weight gradients, one product each over all steps, are made
    /// here or left in `jobs` (their operands stay in `cache` until the next batch).
    public func backward(dAttentional: Matrix, memory: Attention.Memory, cache: Cache,
                         jobs: GradientJobs = .immediate) -> [RecurrentState] {
        let (batch, steps) = (cache.batch, cache.masks.count)
        let h = hiddenSize
        cache.dEmbedded.prepare(rows: steps * batch, cols: embedding.dimension)
        let carried = Matrix(rows: batch, cols: h)   // gradient of h̃_t from step t + 1's input
        let total = Matrix(rows: batch, cols: h)
        // The state gradient from step t + 1, widened with zeros to step t's rows: the sentences
        // that end at step t had no step t + 1.
        let dNext = layers.map { layer in (h: Matrix(rows: batch, cols: h), c: layer.kind == .lstm ? Matrix(rows: batch, cols: h) : nil) }
        var dState: [RecurrentState]?
        for t in (0..<steps).reversed() {
            let n = cache.active[t]
            total.rows(0, n).assign(dAttentional.rows(t * batch, n))
            addInPlace(total.rows(0, n), carried.rows(0, n))
            let (dEmbedded, dPrevious) = stepBackward(dAttentional: total.rows(0, n), dState: dState, memory: memory,
                                                      cache: cache.steps[t])
            cache.dEmbedded.rows(t * batch, n).assign(dEmbedded)
            let previous = t > 0 ? cache.active[t - 1] : n
            if previous > n { carried.zero() }
            carried.rows(0, n).assign(dPrevious.attentional)
            if previous > n {
                dState = zip(dNext, dPrevious.layers).map { next, d in
                    next.h.zero()
                    next.h.rows(0, n).assign(d.h)
                    if let c = d.c { next.c!.zero(); next.c!.rows(0, n).assign(c) }
                    return RecurrentState(h: next.h.rows(0, previous), c: next.c?.rows(0, previous))
                }
            } else {
                dState = dPrevious.layers
            }
        }
        for (l, layer) in layers.enumerated() {
            guard let lstm = layer as? LSTM, lstm.keepsSequenceRows else { continue }
            lstm.accumulateSequenceGradients(xh: cache.sequenceInputs[l].view, dz: cache.sequenceGradients[l].view, jobs: jobs)
        }
        accumulateOutputGradients(cache: cache, jobs: jobs)
        dropout.backward(cache.dEmbedded, mask: cache.embeddingMask)
        embedding.backward(cache.ids, cache.dEmbedded)
        return dState ?? []
    }

    /// Points each step's LSTM caches at their rows of the sequence buffers, so that `backward`
    /// makes each layer's weight gradient in one product of T·B rows instead of T products of B
    /// rows (each of which read and wrote all of the layer's weight gradient), and at the layer's
    /// weights packed once for all the batch's steps (on CPUs where that pays).
    private func prepareSteps(cache: Cache) {
        while cache.sequenceInputs.count < layers.count {
            cache.sequenceInputs.append(Matrix(rows: 0, cols: 0))
            cache.sequenceGradients.append(Matrix(rows: 0, cols: 0))
        }
        let pack = PackedMatrix.isUseful
        if pack && !cache.prepacked { self.pack(for: [cache]) }
        cache.prepacked = false
        let packed = cache.packed
        // Step t's rows start after those of the steps before it: Σ n_t rows in all.
        let offsets = cache.active.reduce(into: [0]) { $0.append($0.last! + $1) }
        for (t, _) in cache.active.enumerated() {
            cache.steps[t].packedOutput = pack ? packed.output : nil
            cache.steps[t].defersOutputGradient = true
        }
        for (l, layer) in layers.enumerated() {
            let keeps = (layer as? LSTM)?.keepsSequenceRows ?? false
            if keeps {
                // Every row is written: by the step's forward ([x ; h₋]) and backward (dz).
                cache.sequenceInputs[l].prepareUninitialized(rows: offsets.last!, cols: layer.inputSize + layer.hiddenSize)
                cache.sequenceGradients[l].prepareUninitialized(rows: offsets.last!, cols: 4 * layer.hiddenSize)
            }
            for (t, n) in cache.active.enumerated() {
                guard let stepCache = cache.steps[t].recurrent[l] as? LSTM.Cache else { continue }
                stepCache.sequenceRows = keeps ? (cache.sequenceInputs[l].rows(offsets[t], n),
                                                  cache.sequenceGradients[l].rows(offsets[t], n)) : nil
                stepCache.packedWeights = keeps && pack ? packed.layers[l] : nil
            }
        }
    }

    /// wc's gradient for all steps at once: one product of Σ n_t rows instead of one of n_t rows
    /// per step (each reading and writing all of dwc).
    private func accumulateOutputGradients(cache: Cache, jobs: GradientJobs) {
        let rows = cache.active.reduce(0, +)
        cache.outputInputs.prepareUninitialized(rows: rows, cols: output.inputSize)    // every row assigned
        cache.outputGradients.prepareUninitialized(rows: rows, cols: output.outputSize)
        var offset = 0
        for (t, n) in cache.active.enumerated() {
            cache.outputInputs.rows(offset, n).assign(cache.steps[t].concat.view)
            cache.outputGradients.rows(offset, n).assign(cache.steps[t].dAttentional.view)
            offset += n
        }
        output.accumulateWeightGradients(x: cache.outputInputs.view, dy: cache.outputGradients.view, jobs: jobs)
    }
}
