import Testing
import Tensor
@testable import Seq2Seq

/// LSTM and GRU layers, forwards and backwards in time, over a padded batch.
@Suite struct RecurrentLayerTests {
    let steps = 4, batch = 3, input = 5, hidden = 4
    let lengths = [4, 1, 3]

    static let cases: [(CellKind, Bool)] = [(.lstm, false), (.lstm, true), (.gru, false), (.gru, true)]

    @Test(arguments: cases)
    func gradientsMatchFiniteDifferences(kind: CellKind, reverse: Bool) {
        var rng = RandomGenerator(seed: 1)
        let layer = makeRecurrentLayer(kind, name: "l", inputSize: input, hiddenSize: hidden, reverse: reverse, using: &rng)
        let x = randomMatrix(steps * batch, input, &rng)
        let h0 = randomMatrix(batch, hidden, &rng, scale: 0.5), c0 = randomMatrix(batch, hidden, &rng, scale: 0.5)
        let rOut = randomMatrix(steps * batch, hidden, &rng)
        let rH = randomMatrix(batch, hidden, &rng), rC = randomMatrix(batch, hidden, &rng)
        let m = mask(lengths: lengths, steps: steps)
        let cache = layer.makeCache()
        let hasC = kind == .lstm

        func loss() -> Double {
            let out = layer.forward(x.view, batch: batch, mask: m, initial: RecurrentState(h: h0.view, c: hasC ? c0.view : nil), forBackward: true, cache: cache)
            let final = layer.finalState(cache)
            return dot(out.view, rOut.view) + dot(final.h, rH.view) + (hasC ? dot(final.c!, rC.view) : 0)
        }
        _ = loss()
        let dx = Matrix(rows: steps * batch, cols: input)
        let d0 = layer.backward(dOutput: rOut.view, dFinal: RecurrentState(h: rH.view, c: hasC ? rC.view : nil), dx: dx.view, cache: cache)
        let dh0 = Matrix(rows: batch, cols: hidden), dc0 = Matrix(rows: batch, cols: hidden)
        dh0.view.assign(d0.h)
        if hasC { dc0.view.assign(d0.c!) }
        var checked = layer.parameters.map(Checked.init) + [Checked("x", x, dx), Checked("h0", h0, dh0)]
        if hasC { checked.append(Checked("c0", c0, dc0)) }
        let failures = gradientFailures(checked, loss: loss)
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// A padded batch gives each sentence the outputs, final state and gradients it gets alone.
    @Test(arguments: cases)
    func paddedBatchEqualsSentencesAlone(kind: CellKind, reverse: Bool) {
        var rng = RandomGenerator(seed: 2)
        let layer = makeRecurrentLayer(kind, name: "l", inputSize: input, hiddenSize: hidden, reverse: reverse, using: &rng)
        let x = randomMatrix(steps * batch, input, &rng)
        let rOut = randomMatrix(steps * batch, hidden, &rng)
        let m = mask(lengths: lengths, steps: steps)
        // Only real positions carry output gradient, as in the model.
        for t in 0..<steps { for b in 0..<batch where m[t * batch + b] == 0 { for j in 0..<hidden { rOut[t * batch + b, j] = 0 } } }
        let cache = layer.makeCache()
        let out = layer.forward(x.view, batch: batch, mask: m, initial: nil, forBackward: true, cache: cache).copy()
        let finalH = Matrix(rows: batch, cols: hidden)
        finalH.view.assign(layer.finalState(cache).h)
        let dx = Matrix(rows: steps * batch, cols: input)
        layer.backward(dOutput: rOut.view, dFinal: nil, dx: dx.view, cache: cache)
        let batchGrads = layer.parameters.map { $0.grad.copy() }

        for p in layer.parameters { p.zeroGrad() }
        for (b, length) in lengths.enumerated() {
            let xb = Matrix(rows: length, cols: input), rb = Matrix(rows: length, cols: hidden)
            for t in 0..<length {
                xb.rows(t, 1).assign(x.rows(t * batch + b, 1))
                rb.rows(t, 1).assign(rOut.rows(t * batch + b, 1))
            }
            let single = layer.makeCache()
            let outB = layer.forward(xb.view, batch: 1, mask: Array(repeating: 1, count: length), initial: nil, forBackward: true, cache: single)
            for t in 0..<length {
                for j in 0..<hidden { #expect(abs(outB[t, j] - out[t * batch + b, j]) < 1e-6) }
            }
            for j in 0..<hidden { #expect(abs(layer.finalState(single).h[0, j] - finalH[b, j]) < 1e-6) }
            let dxb = Matrix(rows: length, cols: input)
            layer.backward(dOutput: rb.view, dFinal: nil, dx: dxb.view, cache: single)
            for t in 0..<length { for j in 0..<input { #expect(abs(dxb[t, j] - dx[t * batch + b, j]) < 1e-6) } }
        }
        for (p, g) in zip(layer.parameters, batchGrads) { #expect(p.grad.maxAbsDifference(g) < 1e-5, "\(p.name)") }
    }

    /// Made for no backward (inference keeps a chunk of gates and two steps of c), every output
    /// and the final state are those of a training forward, over more steps than one chunk.
    @Test(arguments: cases)
    func inferenceForwardEqualsTrainingForward(kind: CellKind, reverse: Bool) {
        var rng = RandomGenerator(seed: 3)
        let layer = makeRecurrentLayer(kind, name: "l", inputSize: input, hiddenSize: hidden, reverse: reverse, using: &rng)
        let steps = 2 * LSTM.inferenceChunk + 5, lengths = [2 * LSTM.inferenceChunk + 5, 1, LSTM.inferenceChunk + 2]
        let x = randomMatrix(steps * batch, input, &rng)
        let h0 = randomMatrix(batch, hidden, &rng, scale: 0.5), c0 = randomMatrix(batch, hidden, &rng, scale: 0.5)
        let initial = RecurrentState(h: h0.view, c: kind == .lstm ? c0.view : nil)
        let m = mask(lengths: lengths, steps: steps)
        let (trained, inferred) = (layer.makeCache(), layer.makeCache())
        let expected = layer.forward(x.view, batch: batch, mask: m, initial: initial, forBackward: true, cache: trained).copy()
        let out = layer.forward(x.view, batch: batch, mask: m, initial: initial, forBackward: false, cache: inferred)
        #expect(out.maxAbsDifference(expected) < 1e-6)
        let (a, b) = (layer.finalState(trained), layer.finalState(inferred))
        for r in 0..<batch {
            for j in 0..<hidden {
                #expect(abs(a.h[r, j] - b.h[r, j]) < 1e-6)
                if let ac = a.c, let bc = b.c { #expect(abs(ac[r, j] - bc[r, j]) < 1e-6) }
            }
        }
        #expect((a.c == nil) == (kind == .gru) && (b.c == nil) == (kind == .gru))
    }
}

/// The decoder's single LSTM steps with [wx ; wh] stacked in one buffer (one product forward, two
/// backward) against the same layer with separate weights.
@Suite struct StackedLSTMStepTests {
    @Test(arguments: [false, true]) func stackedStepEqualsSeparateProducts(reverse: Bool) {
        let (batch, input, hidden) = (3, 5, 4)
        var rng = RandomGenerator(seed: 4)
        let separate = LSTM(name: "l", inputSize: input, hiddenSize: hidden, reverse: reverse, using: &rng)
        var copyRng = RandomGenerator(seed: 4)
        let stacked = LSTM(name: "l", inputSize: input, hiddenSize: hidden, reverse: reverse, using: &copyRng)
        let buffer = ParameterBuffer(stacked.parameters)
        #expect(separate.stackedWeights == nil && stacked.stackedWeights != nil)
        let x = randomMatrix(batch, input, &rng)
        let h0 = randomMatrix(batch, hidden, &rng), c0 = randomMatrix(batch, hidden, &rng)
        let dOut = randomMatrix(batch, hidden, &rng), dH = randomMatrix(batch, hidden, &rng), dC = randomMatrix(batch, hidden, &rng)
        let mask: [Float] = [1, 0, 1]  // the middle sentence has ended: its state is carried
        var results: [(h: [Float], dx: [Float], dh: [Float], dc: [Float], grads: [[Float]])] = []
        for layer in [separate, stacked] {
            let cache = layer.makeCache()
            let h = layer.forward(x.view, batch: batch, mask: mask, initial: RecurrentState(h: h0.view, c: c0.view), forBackward: true, cache: cache).storage
            let dx = Matrix(rows: batch, cols: input)
            let d0 = layer.backward(dOutput: dOut.view, dFinal: RecurrentState(h: dH.view, c: dC.view), dx: dx.view, cache: cache)
            let (dh, dc) = (Matrix(rows: batch, cols: hidden), Matrix(rows: batch, cols: hidden))
            dh.view.assign(d0.h)
            dc.view.assign(d0.c!)
            results.append((h, dx.storage, dh.storage, dc.storage, layer.parameters.map(\.grad.storage)))
        }
        func close(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 } && a.count == b.count }
        #expect(close(results[0].h, results[1].h))
        #expect(close(results[0].dx, results[1].dx) && close(results[0].dh, results[1].dh) && close(results[0].dc, results[1].dc))
        for (a, b) in zip(results[0].grads, results[1].grads) { #expect(close(a, b)) }
        _ = buffer
    }

    /// In a model, the decoder's LSTM layers take the stacked path.
    @Test func decoderLayersAreStacked() {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 8)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (3, 2, 4)
        let model = Seq2SeqModel(config: config, seed: 1)
        #expect(model.decoder.layers.allSatisfy { ($0 as? LSTM)?.stackedWeights != nil })
    }
}
