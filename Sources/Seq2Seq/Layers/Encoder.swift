import Tensor

// Shapes: S source steps, B batch, E embedding size, Hd hidden size per direction;
// time-major rows s·B + b. Each layer's output, the memory included, is S·B × 2Hd.

/// The deep bidirectional encoder: embeddings, then N layers, each a forward and a backward
/// recurrent layer whose outputs are concatenated; dropout on the embeddings and between
/// layers; optional residual connections from the second layer up.
public final class Encoder: ParameterOwner {
    public let embedding: Embedding
    public let layers: [(forward: any RecurrentLayer, backward: any RecurrentLayer)]
    public let dropout: Dropout
    public let residual: Bool

    public var hiddenPerDirection: Int { layers[0].forward.hiddenSize }
    public var outputSize: Int { 2 * hiddenPerDirection }
    public var parameters: [Parameter] {
        embedding.parameters + layers.flatMap { $0.forward.parameters + $0.backward.parameters }
    }

    public init(embedding: Embedding, cell: CellKind, layers count: Int, hiddenPerDirection: Int, dropout: Float,
                residual: Bool, using rng: inout RandomGenerator) {
        self.embedding = embedding
        var layers: [(forward: any RecurrentLayer, backward: any RecurrentLayer)] = []
        for l in 0..<count {
            let input = l == 0 ? embedding.dimension : 2 * hiddenPerDirection
            layers.append((
                makeRecurrentLayer(cell, name: "encoder.layers.\(l).forward", inputSize: input,
                                   hiddenSize: hiddenPerDirection, using: &rng),
                makeRecurrentLayer(cell, name: "encoder.layers.\(l).backward", inputSize: input,
                                   hiddenSize: hiddenPerDirection, reverse: true, using: &rng)))
        }
        self.layers = layers
        self.dropout = Dropout(rate: dropout)
        self.residual = residual
    }

    /// Activations of one batch, kept for the backward pass and reused across batches.
    public final class Cache {
        var ids: [Int32] = []
        var batch = 0
        var mask: [Float] = []
        /// Input of each layer after dropout (layer 0: the embeddings).
        var inputs: [Matrix] = []
        var dropoutMasks: [Matrix] = []
        /// Output of each layer (S·B × 2Hd); the last one is the memory.
        var outputs: [Matrix] = []
        var recurrent: [(AnyObject, AnyObject)] = []
        // backward scratch
        let dOut = Matrix(rows: 0, cols: 0)
        let dIn = Matrix(rows: 0, cols: 0)
        let dHalf = Matrix(rows: 0, cols: 0)
        public init() {}
    }

    public func makeCache() -> Cache {
        let cache = Cache()
        cache.inputs = layers.map { _ in Matrix(rows: 0, cols: 0) }
        cache.dropoutMasks = layers.map { _ in Matrix(rows: 0, cols: 0) }
        cache.outputs = layers.map { _ in Matrix(rows: 0, cols: 0) }
        cache.recurrent = layers.map { ($0.forward.makeCache(), $0.backward.makeCache()) }
        return cache
    }

    /// Encodes source ids (S·B, time-major, padding id 0 beyond each length) into the memory
    /// (S·B × 2Hd, owned by the cache). `training` turns dropout on; without `forBackward` (search)
    /// the cache keeps only the outputs and final states, not what `backward` needs.
    public func forward(ids: [Int32], batch: Int, mask: [Float], training: Bool, forBackward: Bool = true,
                        using rng: inout RandomGenerator, cache: Cache) -> Matrix {
        (cache.ids, cache.batch, cache.mask) = (ids, batch, mask)
        let rows = ids.count
        embedding.forward(ids, into: cache.inputs[0])
        // Dropout (in place) and backward need each layer's input of its own; otherwise a layer
        // reads the one below's output as it is.
        let ownInputs = training || forBackward
        for (l, layer) in layers.enumerated() {
            let input = ownInputs || l == 0 ? cache.inputs[l] : cache.outputs[l - 1]
            var layerRng = rng.split(UInt64(l))
            dropout.forward(input, mask: cache.dropoutMasks[l], training: training, using: &layerRng)
            let out = cache.outputs[l]
            out.prepareUninitialized(rows: rows, cols: outputSize)  // both halves assigned
            let (fc, bc) = cache.recurrent[l]
            let hf = layer.forward.forward(input.view, batch: batch, mask: mask, initial: nil, forBackward: forBackward, cache: fc)
            let hb = layer.backward.forward(input.view, batch: batch, mask: mask, initial: nil, forBackward: forBackward, cache: bc)
            out.columns(0, hiddenPerDirection).assign(hf.view)                     // [forward ‖ backward]
            out.columns(hiddenPerDirection, hiddenPerDirection).assign(hb.view)
            if residual && l > 0 { addInPlace(out.view, input.view) }
            if l + 1 < layers.count && ownInputs {
                cache.inputs[l + 1].prepare(rows: rows, cols: outputSize)
                cache.inputs[l + 1].assign(out)
            }
        }
        _ = rng.next()  // advance, so the next batch draws other masks
        return cache.outputs[layers.count - 1]
    }

    /// The final states of each layer, forward ‖ backward (B × 2Hd; c only for LSTMs), copied.
    public func finalStates(_ cache: Cache) -> [(h: Matrix, c: Matrix?)] {
        layers.indices.map { l in
            let f = layers[l].forward.finalState(cache.recurrent[l].0)
            let b = layers[l].backward.finalState(cache.recurrent[l].1)
            let h = Matrix(rows: cache.batch, cols: outputSize)
            h.columns(0, hiddenPerDirection).assign(f.h)
            h.columns(hiddenPerDirection, hiddenPerDirection).assign(b.h)
            var c: Matrix?
            if let fc = f.c, let bc = b.c {
                c = Matrix(rows: cache.batch, cols: outputSize)
                c!.columns(0, hiddenPerDirection).assign(fc)
                c!.columns(hiddenPerDirection, hiddenPerDirection).assign(bc)
            }
            return (h, c)
        }
    }

    /// Backpropagates the gradients of the memory (S·B × 2Hd) and of the final states (per layer,
    /// B × 2Hd, as `finalStates` returns them) into all parameters, the recurrent weights'
    /// products now or left in `jobs`.
    public func backward(dMemory: Matrix?, dFinal: [(h: Matrix, c: Matrix?)?], cache: Cache, jobs: GradientJobs = .immediate) {
        let rows = cache.ids.count
        let hd = hiddenPerDirection
        let dOut = cache.dOut, dIn = cache.dIn
        dOut.prepare(rows: rows, cols: outputSize)
        if let dMemory { dOut.assign(dMemory) }
        for l in layers.indices.reversed() {
            let layer = layers[l]
            let (fc, bc) = cache.recurrent[l]
            let final = l < dFinal.count ? dFinal[l] : nil
            func state(_ m: Matrix?, _ half: Int) -> MatrixPointer? { m.map { $0.columns(half * hd, hd) } }
            let input = cache.inputs[l]
            dIn.prepare(rows: rows, cols: input.cols)
            cache.dHalf.prepare(rows: rows, cols: input.cols)
            layer.forward.backward(
                dOutput: dOut.columns(0, hd),
                dFinal: final.map { RecurrentState(h: $0.h.columns(0, hd), c: state($0.c, 0)) },
                dx: dIn.view, cache: fc, jobs: jobs)
            layer.backward.backward(
                dOutput: dOut.columns(hd, hd),
                dFinal: final.map { RecurrentState(h: $0.h.columns(hd, hd), c: state($0.c, 1)) },
                dx: cache.dHalf.view, cache: bc, jobs: jobs)
            addInPlace(dIn.view, cache.dHalf.view)
            if residual && l > 0 { addInPlace(dIn.view, dOut.view) }
            dropout.backward(dIn, mask: cache.dropoutMasks[l])
            if l > 0 {
                dOut.prepare(rows: rows, cols: dIn.cols)
                dOut.assign(dIn)
            }
        }
        embedding.backward(cache.ids, dIn)
    }
}
