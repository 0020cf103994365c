import Tensor

// Shapes: B batch, S source steps, T target steps, H decoder hidden, V target vocabulary.

/// The encoder–decoder model: bidirectional encoder, bridge, attentional decoder, generator.
///
/// Not thread-safe: it owns the activation buffers of the batch in flight.
public final class Seq2SeqModel: ParameterOwner {
    public let config: ModelConfig
    public let encoder: Encoder
    public let decoder: Decoder
    public let generator: Generator
    /// Dense bridge: per decoder layer, a tanh layer for h (and one for c with LSTMs).
    public let bridges: [(h: Linear, c: Linear?)]
    /// The parameters' values and gradients, each in one buffer in `parameters` order.
    public private(set) var buffer: ParameterBuffer!

    public var parameters: [Parameter] {
        encoder.parameters + bridges.flatMap { [$0.h] + ($0.c.map { [$0] } ?? []) }.flatMap(\.parameters)
            + decoder.parameters + generator.parameters
    }

    /// A model with fresh parameters drawn from `seed`.
    public init(config: ModelConfig, seed: UInt64) {
        precondition(config.problems().isEmpty, config.problems().joined(separator: "; "))
        self.config = config
        let root = RandomGenerator(seed: seed)
        var rng = root.split(1)
        let sourceEmbedding = Embedding(name: "encoder.embedding", vocabularySize: config.sourceVocabularySize,
                                        dimension: config.embeddingSize, using: &rng)
        encoder = Encoder(embedding: sourceEmbedding, cell: config.cell, layers: config.encoderLayers,
                          hiddenPerDirection: config.encoderHiddenSize, dropout: config.dropout,
                          residual: config.residual, using: &rng)
        var bridgeRng = root.split(2)
        bridges = config.bridge == .dense ? (0..<config.decoderLayers).map { l in
            (Linear(name: "bridge.\(l).h", inputSize: 2 * config.encoderHiddenSize, outputSize: config.decoderHiddenSize,
                    tanh: true, using: &bridgeRng),
             config.cell == .lstm ? Linear(name: "bridge.\(l).c", inputSize: 2 * config.encoderHiddenSize,
                                           outputSize: config.decoderHiddenSize, tanh: true, using: &bridgeRng) : nil)
        } : []
        var decoderRng = root.split(3)
        let targetEmbedding = Embedding(name: "decoder.embedding", vocabularySize: config.targetVocabularySize,
                                        dimension: config.embeddingSize, using: &decoderRng)
        decoder = Decoder(embedding: targetEmbedding, cell: config.cell, layers: config.decoderLayers,
                          hiddenSize: config.decoderHiddenSize, memorySize: 2 * config.encoderHiddenSize,
                          attention: config.attention, dropout: config.dropout, using: &decoderRng)
        generator = Generator(hiddenSize: config.decoderHiddenSize, vocabularySize: config.targetVocabularySize,
                              tiedTo: config.tiedTargetEmbeddings ? targetEmbedding : nil, using: &decoderRng)
        let names = parameters.map(\.name)
        precondition(Set(names).count == names.count, "duplicate parameter names")
        buffer = ParameterBuffer(parameters)
    }

    /// A model that shares this one's parameter values and has gradients and activations of its
    /// own, for training on part of a batch on another thread.
    public func replica() -> Seq2SeqModel {
        let copy = Seq2SeqModel(config: config, seed: 0)
        copy.buffer = ParameterBuffer(copy.parameters, sharingValuesOf: buffer)
        return copy
    }

    /// The embedding tables whose gradient only `Embedding.backward` writes (the target table
    /// not when the generator is tied to it): after a batch, only their `touchedRows` are nonzero.
    public var sparseGradientTables: [Embedding] {
        config.tiedTargetEmbeddings ? [encoder.embedding] : [encoder.embedding, decoder.embedding]
    }

    // MARK: - Encoding (shared by training and search)

    /// Buffers of one batch in flight.
    public final class Workspace {
        let encoder: Encoder.Cache
        public let memory = Attention.Memory()
        let decoder: Decoder.Cache
        var initial: [(h: Matrix, c: Matrix?)] = []
        var encoderFinal: [(h: Matrix, c: Matrix?)] = []
        let logits = Matrix(rows: 0, cols: 0)
        let dAttentional = Matrix(rows: 0, cols: 0)
        /// h̃ and dh̃ of the real target positions (N × H): the generator's rows.
        let realAttentional = Matrix(rows: 0, cols: 0)
        let dRealAttentional = Matrix(rows: 0, cols: 0)
        let dMemory = Matrix(rows: 0, cols: 0)
        /// The recurrent layers' and wc's weight-gradient products, when the caller lets other
        /// threads take them (`GradientJobs.deferring`; the caller then runs what is left).
        public let gradientJobs: GradientJobs
        init(model: Seq2SeqModel) {
            gradientJobs = GradientJobs(capacity: GradientJobs.maximumJobsPerGradient * model.parameters.count)
            encoder = model.encoder.makeCache()
            decoder = model.decoder.makeCache()
        }
    }

    public func makeWorkspace() -> Workspace { Workspace(model: self) }

    /// Packs the decoder's weights once for the next batch of each of `workspaces` (shards whose
    /// models share this model's parameter values), on the pool's threads, instead of each
    /// shard packing the same weights.
    public func packDecoderWeights(for workspaces: [Workspace]) {
        decoder.pack(for: workspaces.map(\.decoder))
    }

    /// Encodes the batch's sources and prepares the attention memory and the decoder's initial
    /// state (`workspace.initial`, B × H per layer).
    public func encode(source: [Int32], lengths: [Int], batch: Int, training: Bool, forBackward: Bool = true,
                       using rng: inout RandomGenerator, workspace: Workspace) {
        let mask = (0..<(source.count / batch)).flatMap { s in lengths.map { s < $0 ? Float(1) : 0 } }
        let memory = encoder.forward(ids: source, batch: batch, mask: mask, training: training, forBackward: forBackward,
                                     using: &rng, cache: workspace.encoder)
        decoder.attention.prepare(memory: memory.view, batch: batch, lengths: lengths, into: workspace.memory)
        workspace.encoderFinal = encoder.finalStates(workspace.encoder)
        let h = config.decoderHiddenSize
        let isLSTM = config.cell == .lstm
        workspace.initial = (0..<config.decoderLayers).map { l in
            switch config.bridge {
            case .copy:
                return workspace.encoderFinal[l]
            case .zeros:
                return (Matrix(rows: batch, cols: h), isLSTM ? Matrix(rows: batch, cols: h) : nil)
            case .dense:
                let final = workspace.encoderFinal[l]
                let hm = Matrix(rows: batch, cols: h)
                bridges[l].h.forward(final.h.view, into: hm.view)
                var cm: Matrix?
                if let bc = bridges[l].c, let fc = final.c {
                    cm = Matrix(rows: batch, cols: h)
                    bc.forward(fc.view, into: cm!.view)
                }
                return (hm, cm)
            }
        }
    }

    /// The decoder's initial state for `decoder.step`, as views of `workspace.initial`.
    public func initialState(_ workspace: Workspace, attentional: MatrixPointer) -> Decoder.State {
        Decoder.State(layers: workspace.initial.map { RecurrentState(h: $0.h.view, c: $0.c?.view) }, attentional: attentional)
    }

    // MARK: - Training

    /// Forward and backward over one batch: accumulates parameter gradients of the loss
    /// (token-level cross-entropy over real target positions, label smoothing optional), scaled by
    /// `gradientScale` (e.g. 1 / tokens for the mean). Returns the summed loss over the batch's
    /// target tokens. With `workspace.gradientJobs.deferring`, the recurrent layers' and wc's
    /// weight-gradient products are left as jobs that other threads may take while the backward
    /// goes on; the gradients are complete once the caller has run the rest
    /// (`runRemainingAndFinish`) and the threads that took jobs are done (`BatchShards`: the end
    /// of its parallel region).
    @discardableResult
    public func lossAndGradients(_ batch: Batch, labelSmoothing: Float = 0, gradientScale: Float = 1, training: Bool = true,
                                 using rng: inout RandomGenerator, workspace: Workspace) -> Double {
        let b = batch.size
        var encoderRng = rng.split(10), decoderRng = rng.split(11)
        _ = rng.next()
        let attentional = teacherForced(batch, training: training, encoderRng: &encoderRng, decoderRng: &decoderRng,
                                        workspace: workspace)
        workspace.dAttentional.prepare(rows: batch.targetSteps * b, cols: config.decoderHiddenSize)
        let loss = generatorLoss(attentional, batch: batch, labelSmoothing: labelSmoothing, gradientScale: gradientScale,
                                 backward: true, workspace: workspace)

        let dInitial = decoder.backward(dAttentional: workspace.dAttentional, memory: workspace.memory,
                                        cache: workspace.decoder, jobs: workspace.gradientJobs)
        workspace.dMemory.prepare(rows: batch.sourceSteps * b, cols: 2 * config.encoderHiddenSize)
        decoder.attention.finishBackward(memory: workspace.memory, dMemory: workspace.dMemory.view)
        encoder.backward(dMemory: workspace.dMemory, dFinal: bridgeBackward(dInitial, workspace: workspace),
                         cache: workspace.encoder, jobs: workspace.gradientJobs)
        return loss
    }

    /// Logits per generator chunk: 2 M (8 MB) whatever the vocabulary (tests make it small).
    /// Chunks of 230 rows on a 9,103-word vocabulary trained as fast as chunks of 921 in four
    /// alternating `fanyi-bench train` runs on lohelp (the generator's products ran at the same
    /// GFLOP/s) and peaked 45–55 MiB lower; 1 M was 5–8 % slower.
    var generatorChunkElements = 2 << 20
    /// Target positions per generator chunk.
    var generatorChunkRows: Int { max(1, generatorChunkElements / config.targetVocabularySize) }

    /// The summed cross-entropy of the batch's target tokens without dropout, label smoothing or
    /// gradients (validation perplexity).
    public func loss(_ batch: Batch, workspace: Workspace) -> Double {
        var rng = RandomGenerator(seed: 0)  // not drawn from without dropout
        var decoderRng = rng
        let attentional = teacherForced(batch, training: false, forBackward: false, encoderRng: &rng, decoderRng: &decoderRng,
                                        workspace: workspace)
        return generatorLoss(attentional, batch: batch, labelSmoothing: 0, gradientScale: 1, backward: false, workspace: workspace)
    }

    /// Encodes the batch and runs the decoder over the reference inputs; returns h̃ of every
    /// target position (T·B × H, owned by the workspace).
    /// Without `forBackward` (validation) nothing goes back through the encoder: its inference
    /// pass keeps no per-step caches and packs no transposed weights.
    private func teacherForced(_ batch: Batch, training: Bool, forBackward: Bool = true, encoderRng: inout RandomGenerator,
                               decoderRng: inout RandomGenerator, workspace: Workspace) -> Matrix {
        encode(source: batch.source, lengths: batch.sourceLengths, batch: batch.size, training: training, forBackward: forBackward,
               using: &encoderRng, workspace: workspace)
        return decoder.forward(
            ids: batch.targetInput, batch: batch.size, masks: batch.targetMasks,
            initial: workspace.initial.map { RecurrentState(h: $0.h.view, c: $0.c?.view) },
            memory: workspace.memory, training: training, using: &decoderRng, cache: workspace.decoder)
    }

    /// Generator and cross-entropy over the batch's real target positions, in chunks of
    /// positions: the logits of a whole batch (T·B × V: 233 MB for 64 × 100 × 9,103) would be a
    /// step's largest buffer. Padding positions (a quarter of T·B in a typical batch) are left
    /// out: their loss and gradient are zero, and the generator is a step's largest product.
    /// With `backward`, each chunk's logits are overwritten by their gradient, the generator's
    /// gradients accumulate and `workspace.dAttentional` (prepared by the caller, zero) receives
    /// dh̃. Returns the summed loss.
    private func generatorLoss(_ attentional: Matrix, batch: Batch, labelSmoothing: Float, gradientScale: Float,
                               backward: Bool, workspace: Workspace) -> Double {
        // The real positions' rows of h̃ (and their targets), gathered: N × H, N = targetTokens.
        let positions = batch.targetOutput.indices.filter { batch.targetOutput[$0] != Batch.paddingID }
        let gathered = positions.count < attentional.rows
        let x = gathered ? workspace.realAttentional : attentional
        let dx = gathered ? workspace.dRealAttentional : workspace.dAttentional
        let targets = gathered ? positions.map { batch.targetOutput[$0] } : batch.targetOutput
        if gathered {
            x.prepareUninitialized(rows: positions.count, cols: attentional.cols)
            let h = attentional.cols
            for (r, position) in positions.enumerated() { (x.pointer + r * h).update(from: attentional.pointer + position * h, count: h) }
            if backward { dx.prepareUninitialized(rows: positions.count, cols: attentional.cols) }
        }
        let rows = targets.count
        let chunk = generatorChunkRows
        var loss = 0.0
        for start in stride(from: 0, to: rows, by: chunk) {
            let n = min(chunk, rows - start)
            let xChunk = x.rows(start, n)
            workspace.logits.prepareUninitialized(rows: n, cols: config.targetVocabularySize)  // n × V, a GEMM with beta = 0
            // The loss kernel adds the generator's bias as it reads each row, and sums the bias's
            // gradient (Σ_rows dLogits) while the row is in cache.
            generator.forwardWithoutBias(xChunk, into: workspace.logits.view)
            let bias = generator.bias.value
            loss += targets.withUnsafeBufferPointer { all in
                Kernels.softmaxCrossEntropy(logits: workspace.logits.view, bias: bias.pointer,
                                            targets: UnsafeBufferPointer(rebasing: all[start..<(start + n)]),
                                            smoothing: labelSmoothing, ignoreIndex: Batch.paddingID, scale: gradientScale,
                                            grad: workspace.logits.view, gradientSums: backward ? generator.bias.grad.pointer : nil)
            }
            if backward { generator.backward(x: xChunk, dLogits: workspace.logits.view, dx: dx.rows(start, n), biasGradient: false) }
        }
        if gathered && backward {
            // dh̃ of padding positions stays zero.
            let h = dx.cols
            for (r, position) in positions.enumerated() { (workspace.dAttentional.pointer + position * h).update(from: dx.pointer + r * h, count: h) }
        }
        return loss
    }

    /// Gradients of the encoder's final states from those of the decoder's initial state.
    private func bridgeBackward(_ dInitial: [RecurrentState], workspace: Workspace) -> [(h: Matrix, c: Matrix?)?] {
        switch config.bridge {
        case .zeros:
            return []
        case .copy:
            return dInitial.map { d in
                let h = Matrix(rows: d.h.rows, cols: d.h.cols)
                h.view.assign(d.h)
                let c = d.c.map { dc -> Matrix in
                    let m = Matrix(rows: dc.rows, cols: dc.cols)
                    m.view.assign(dc)
                    return m
                }
                return (h, c)
            }
        case .dense:
            return dInitial.enumerated().map { l, d in
                let final = workspace.encoderFinal[l], out = workspace.initial[l]
                let dh = Matrix(rows: final.h.rows, cols: final.h.cols)
                let dyh = Matrix(rows: d.h.rows, cols: d.h.cols)
                dyh.view.assign(d.h)
                bridges[l].h.backward(x: final.h.view, y: out.h.view, dy: dyh.view, dx: dh.view)
                var dc: Matrix?
                if let bc = bridges[l].c, let fc = final.c, let oc = out.c, let ddc = d.c {
                    dc = Matrix(rows: fc.rows, cols: fc.cols)
                    let dyc = Matrix(rows: ddc.rows, cols: ddc.cols)
                    dyc.view.assign(ddc)
                    bc.backward(x: fc.view, y: oc.view, dy: dyc.view, dx: dc!.view)
                }
                return (dh, dc)
            }
        }
    }

    public func zeroGradients() { buffer.zeroGradients() }
}
