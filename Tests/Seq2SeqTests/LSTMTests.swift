import Testing
import Tensor
@testable import Seq2Seq

@Suite struct LSTMTests {
    let steps = 4, batch = 3, input = 5, hidden = 4
    let lengths = [4, 1, 3]

    @Test(arguments: [false, true])
    func gradientsMatchFiniteDifferences(reverse: Bool) {
        var rng = RandomGenerator(seed: 1)
        let lstm = LSTM(name: "l", inputSize: input, hiddenSize: hidden, reverse: reverse, using: &rng)
        let x = randomMatrix(steps * batch, input, &rng)
        let h0 = randomMatrix(batch, hidden, &rng, scale: 0.5), c0 = randomMatrix(batch, hidden, &rng, scale: 0.5)
        let rOut = randomMatrix(steps * batch, hidden, &rng)
        let rH = randomMatrix(batch, hidden, &rng), rC = randomMatrix(batch, hidden, &rng)
        let m = mask(lengths: lengths, steps: steps)
        let cache = LSTM.Cache()

        func loss() -> Double {
            let out = lstm.forward(x.view, batch: batch, mask: m, h0: h0.view, c0: c0.view, cache: cache)
            let final = lstm.finalState(cache)
            return dot(out.view, rOut.view) + dot(final.h, rH.view) + dot(final.c, rC.view)
        }
        _ = loss()
        let dx = Matrix(rows: steps * batch, cols: input)
        let (dh0, dc0) = lstm.backward(dOutput: rOut.view, dFinalH: rH.view, dFinalC: rC.view, dx: dx.view, cache: cache)
        let (dh0Copy, dc0Copy) = (dh0.copy(), dc0.copy())
        let failures = gradientFailures(
            lstm.parameters.map(Checked.init) + [Checked("x", x, dx), Checked("h0", h0, dh0Copy), Checked("c0", c0, dc0Copy)],
            loss: loss)
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// A padded batch gives each sentence the outputs, final state and gradients it gets alone.
    @Test(arguments: [false, true])
    func paddedBatchEqualsSentencesAlone(reverse: Bool) {
        var rng = RandomGenerator(seed: 2)
        let lstm = LSTM(name: "l", inputSize: input, hiddenSize: hidden, reverse: reverse, using: &rng)
        let x = randomMatrix(steps * batch, input, &rng)
        let rOut = randomMatrix(steps * batch, hidden, &rng)
        let m = mask(lengths: lengths, steps: steps)
        // Only real positions carry output gradient, as in the model.
        for t in 0..<steps { for b in 0..<batch where m[t * batch + b] == 0 { for j in 0..<hidden { rOut[t * batch + b, j] = 0 } } }
        let cache = LSTM.Cache()
        let out = lstm.forward(x.view, batch: batch, mask: m, cache: cache).copy()
        let finalH = Matrix(rows: batch, cols: hidden)
        finalH.view.assign(lstm.finalState(cache).h)
        let dx = Matrix(rows: steps * batch, cols: input)
        lstm.backward(dOutput: rOut.view, dx: dx.view, cache: cache)
        let batchGrads = lstm.parameters.map { $0.grad.copy() }

        for p in lstm.parameters { p.zeroGrad() }
        for (b, length) in lengths.enumerated() {
            let xb = Matrix(rows: length, cols: input), rb = Matrix(rows: length, cols: hidden)
            for t in 0..<length {
                xb.rows(t, 1).assign(x.rows(t * batch + b, 1))
                rb.rows(t, 1).assign(rOut.rows(t * batch + b, 1))
            }
            let single = LSTM.Cache()
            let outB = lstm.forward(xb.view, batch: 1, mask: Array(repeating: 1, count: length), cache: single)
            for t in 0..<length {
                for j in 0..<hidden { #expect(abs(outB[t, j] - out[t * batch + b, j]) < 1e-6) }
            }
            for j in 0..<hidden { #expect(abs(lstm.finalState(single).h[0, j] - finalH[b, j]) < 1e-6) }
            let dxb = Matrix(rows: length, cols: input)
            lstm.backward(dOutput: rb.view, dx: dxb.view, cache: single)
            for t in 0..<length { for j in 0..<input { #expect(abs(dxb[t, j] - dx[t * batch + b, j]) < 1e-6) } }
        }
        for (p, g) in zip(lstm.parameters, batchGrads) { #expect(p.grad.maxAbsDifference(g) < 1e-5, "\(p.name)") }
    }
}
