import Foundation
import Testing
@testable import Tensor

/// Inputs that cover the ranges the layers see, the saturated tails and the clamping edges.
func kernelInputs() -> [Float] {
    var rng = RandomGenerator(seed: 11)
    var xs: [Float] = (0..<20_000).map { _ in rng.nextFloat(in: -12..<12) }
    xs += (0..<2_000).map { _ in rng.nextFloat(in: -0.01..<0.01) }
    xs += [0, -0, 1e-30, -1e-30, 0.5, -0.5, 9, -9, 20, -20, 60, -60, 87, -87, 88, 89, -89, 100, -100, 1e6, -1e6]
    return xs
}

@Suite(.serialized) struct KernelTests {
    /// Runs `body` on every kernel path this CPU has (AVX-512, AVX2, portable), the default first.
    func everyPath(_ body: (String) throws -> Void) rethrows {
        let top = Kernels.level
        defer { Kernels.limitLevel(2) }
        for level in stride(from: top, through: 0, by: -1) {
            Kernels.limitLevel(level)
            try body(["portable", "avx2", "avx512"][level])
        }
    }

    func apply(_ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, _ xs: [Float]) -> [Float] {
        var ys = [Float](repeating: .nan, count: xs.count)
        xs.withUnsafeBufferPointer { x in ys.withUnsafeMutableBufferPointer { y in kernel(x.baseAddress!, y.baseAddress!, xs.count) } }
        return ys
    }

    @Test func tanhAndSigmoidWithin1e6OfDouble() {
        let xs = kernelInputs()
        everyPath { path in
            let t = apply(Kernels.tanh, xs), s = apply(Kernels.sigmoid, xs)
            var worstT = 0.0, worstS = 0.0
            for (i, x) in xs.enumerated() {
                worstT = max(worstT, abs(Double(t[i]) - Foundation.tanh(Double(x))))
                worstS = max(worstS, abs(Double(s[i]) - 1 / (1 + Foundation.exp(-Double(x)))))
            }
            #expect(worstT <= 1e-6, "tanh (\(path)) max abs error \(worstT)")
            #expect(worstS <= 1e-6, "sigmoid (\(path)) max abs error \(worstS)")
        }
    }

    @Test func expRelativeError() {
        let xs = kernelInputs().filter { $0 > -87 && $0 < 88 }
        everyPath { path in
            let e = apply(Kernels.exp, xs)
            var worst = 0.0
            for (i, x) in xs.enumerated() {
                let reference = Foundation.exp(Double(x))
                worst = max(worst, abs(Double(e[i]) - reference) / reference)
            }
            #expect(worst <= 3e-7, "exp (\(path)) max relative error \(worst)")
        }
        // Clamped tails stay finite and ordered.
        let tails = apply(Kernels.exp, [-1e6, -100, 100, 1e6, .greatestFiniteMagnitude])
        #expect(tails[0] >= 0 && tails[0] < 1e-37 && tails[1] < 1e-37)
        #expect(tails[2].isFinite && tails[2] > 1e38 && tails[4].isFinite)
    }

    @Test func pathsAgree() {
        guard Kernels.usesAVX2 else { return }
        let xs = kernelInputs()
        let fast = [apply(Kernels.exp, xs), apply(Kernels.tanh, xs), apply(Kernels.sigmoid, xs)]
        Kernels.forcePortable(true)
        defer { Kernels.forcePortable(false) }
        let portable = [apply(Kernels.exp, xs), apply(Kernels.tanh, xs), apply(Kernels.sigmoid, xs)]
        for (a, b) in zip(fast, portable) {
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 2e-7 * max(1, abs(x))) }
        }
    }

    func randomMatrix(_ rows: Int, _ cols: Int, scale: Float, seed: UInt64) -> Matrix {
        var rng = RandomGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, uniform: scale, using: &rng)
    }

    @Test(arguments: [1, 7, 8, 9, 33, 1000])
    func softmaxAndLogSoftmaxMatchDouble(cols: Int) {
        let x = randomMatrix(5, cols, scale: 30, seed: UInt64(cols))
        let p = Matrix(rows: 5, cols: cols), logp = Matrix(rows: 5, cols: cols)
        Kernels.softmaxRows(x.view, into: p.view)
        Kernels.logSoftmaxRows(x.view, into: logp.view)
        for r in 0..<5 {
            let row = (0..<cols).map { Double(x[r, $0]) }
            let m = row.max()!
            let lse = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
            for c in 0..<cols {
                #expect(abs(Double(logp[r, c]) - (row[c] - lse)) <= 2e-5)
                #expect(abs(Double(p[r, c]) - Foundation.exp(row[c] - lse)) <= 1e-6)
            }
        }
        // In place gives the same.
        let inPlace = x.copy()
        Kernels.softmaxRows(inPlace.view, into: inPlace.view)
        #expect(inPlace == p)
        let logInPlace = x.copy()
        Kernels.logSoftmaxRows(logInPlace.view, into: logInPlace.view)
        #expect(logInPlace == logp)
    }

    func crossEntropy(_ logits: Matrix, _ targets: [Int32], smoothing: Float, scale: Float = 1) -> (Double, Matrix, [Float]) {
        let grad = Matrix(rows: logits.rows, cols: logits.cols)
        var rowLoss = [Float](repeating: .nan, count: logits.rows)
        let total = targets.withUnsafeBufferPointer { t in
            rowLoss.withUnsafeMutableBufferPointer {
                Kernels.softmaxCrossEntropy(logits: logits.view, targets: t, smoothing: smoothing, ignoreIndex: 0,
                                            scale: scale, grad: grad.view, rowLoss: $0.baseAddress)
            }
        }
        return (total, grad, rowLoss)
    }

    /// The fused LSTM step forward gives, on each path, the bits of the separate passes it
    /// replaced (σ over i f o, tanh over g, then c, tanh c, h), with hidden sizes that are and
    /// are not multiples of 8; masked rows keep c₋ and h₋ with tanh c = 0 and z untouched.
    @Test(arguments: [16, 19, 24])
    func lstmStepForwardMatchesSeparatePasses(h: Int) {
        let b = 3
        let z0 = randomMatrix(b, 4 * h, scale: 4, seed: 31)
        let (cPrev, hPrev) = (randomMatrix(b, h, scale: 1, seed: 32), randomMatrix(b, h, scale: 1, seed: 33))
        let mask: [Float] = [1, 0, 1]
        everyPath { path in
            let z = z0.copy(), c = Matrix(rows: b, cols: h), tc = Matrix(rows: b, cols: h), hn = Matrix(rows: b, cols: h)
            Kernels.lstmStepForward(z: z.view, cPrev: cPrev.view, hPrev: hPrev.view, c: c.view, tanhC: tc.view, h: hn.view, mask: mask)
            for r in 0..<b {
                if mask[r] == 0 {
                    #expect(c.view.row(r).elementsEqual(cPrev.view.row(r)) && hn.view.row(r).elementsEqual(hPrev.view.row(r)))
                    #expect(tc.view.row(r).allSatisfy { $0 == 0 } && z.view.row(r).elementsEqual(z0.view.row(r)))
                    continue
                }
                var gates = Array(z0.view.row(r))
                var expectedC = [Float](repeating: 0, count: h), expectedT = expectedC, expectedH = expectedC
                gates.withUnsafeMutableBufferPointer { g in
                    Kernels.sigmoid(g.baseAddress!, g.baseAddress!, count: 3 * h)
                    Kernels.tanh(g.baseAddress! + 3 * h, g.baseAddress! + 3 * h, count: h)
                }
                for j in 0..<h { expectedC[j] = gates[h + j] * cPrev[r, j] + gates[j] * gates[3 * h + j] }
                expectedC.withUnsafeBufferPointer { cs in
                    expectedT.withUnsafeMutableBufferPointer { Kernels.tanh(cs.baseAddress!, $0.baseAddress!, count: h) }
                }
                for j in 0..<h { expectedH[j] = gates[2 * h + j] * expectedT[j] }
                #expect(Array(z.view.row(r)) == gates, "\(path) h \(h) row \(r)")
                #expect(Array(c.view.row(r)) == expectedC && Array(tc.view.row(r)) == expectedT && Array(hn.view.row(r)) == expectedH,
                        "\(path) h \(h) row \(r)")
            }
        }
    }

    /// The LSTM step backward gives the same bits on both paths (element-wise, no contraction),
    /// leaves masked rows' dh and dc as they were with dz = 0, and matches the equations in Double.
    @Test func lstmStepBackwardOnBothPaths() {
        let (b, h) = (3, 19)  // h not a multiple of the vector widths
        let gates = randomMatrix(b, 4 * h, scale: 1, seed: 21)
        for i in 0..<gates.count { gates.pointer[i] = 1 / (1 + exp(-gates.pointer[i])) }  // activations in (0, 1)
        let (tanhC, cPrev) = (randomMatrix(b, h, scale: 1, seed: 22), randomMatrix(b, h, scale: 1, seed: 23))
        let (dh0, dc0) = (randomMatrix(b, h, scale: 1, seed: 24), randomMatrix(b, h, scale: 1, seed: 25))
        let mask: [Float] = [1, 0, 1]
        var results: [[Float]] = []
        everyPath { _ in
            let (dh, dc, dz) = (dh0.copy(), dc0.copy(), Matrix(rows: b, cols: 4 * h))
            Kernels.lstmStepBackward(gates: gates.view, tanhC: tanhC.view, cPrev: cPrev.view, dh: dh.view, dc: dc.view,
                                     dz: dz.view, mask: mask)
            results.append(dh.storage + dc.storage + dz.storage)
            #expect(dh.view.row(1).elementsEqual(dh0.view.row(1)) && dc.view.row(1).elementsEqual(dc0.view.row(1)))
            #expect(dz.view.row(1).allSatisfy { $0 == 0 })
            for j in 0..<h {  // row 0 against the equations
                let (i, f, o, g) = (Double(gates[0, j]), Double(gates[0, h + j]), Double(gates[0, 2 * h + j]), Double(gates[0, 3 * h + j]))
                let (tc, cp, dhj, dcj0) = (Double(tanhC[0, j]), Double(cPrev[0, j]), Double(dh0[0, j]), Double(dc0[0, j]))
                let dcj = dcj0 + dhj * o * (1 - tc * tc)
                #expect(abs(Double(dz[0, j]) - dcj * g * i * (1 - i)) < 1e-5)
                #expect(abs(Double(dz[0, h + j]) - dcj * cp * f * (1 - f)) < 1e-5)
                #expect(abs(Double(dz[0, 2 * h + j]) - dhj * tc * o * (1 - o)) < 1e-5)
                #expect(abs(Double(dz[0, 3 * h + j]) - dcj * i * (1 - g * g)) < 1e-5)
                #expect(abs(Double(dc[0, j]) - dcj * f) < 1e-5 && dh[0, j] == 0)
            }
        }
        #expect(results.count == Kernels.level + 1 && results.allSatisfy { $0 == results[0] })
    }

    /// The column sums the loss kernel adds up for a logit bias equal those of its gradient,
    /// added onto what the sums held (padding rows add nothing).
    @Test func crossEntropySumsTheGradientsColumns() {
        let logits = randomMatrix(5, 13, scale: 3, seed: 8)
        let targets: [Int32] = [3, 0, 12, 1, 7]  // row 1 is padding
        var sums = (0..<13).map { Float($0) / 4 }
        let grad = Matrix(rows: 5, cols: 13)
        targets.withUnsafeBufferPointer { t in
            sums.withUnsafeMutableBufferPointer { s in
                _ = Kernels.softmaxCrossEntropy(logits: logits.view, targets: t, smoothing: 0.1, ignoreIndex: 0, scale: 0.5,
                                                grad: grad.view, gradientSums: s.baseAddress)
            }
        }
        for j in 0..<13 {
            let expected = Float(j) / 4 + (0..<5).reduce(Float(0)) { $0 + grad[$1, j] }
            #expect(abs(sums[j] - expected) < 1e-6, "column \(j): \(sums[j]) vs \(expected)")
        }
        #expect((0..<13).contains { abs(sums[$0] - Float($0) / 4) > 1e-3 })  // the rows added something
    }

    /// A bias given to the loss kernel scores `logits + bias`: the same loss, gradient and bias
    /// gradient as adding it first, on both paths, in place or not (37 columns: vector tails).
    @Test func crossEntropyAddsTheBias() {
        let logits = randomMatrix(4, 37, scale: 3, seed: 9), bias = randomMatrix(1, 37, scale: 2, seed: 10)
        let targets: [Int32] = [3, 0, 36, 1]  // row 1 is padding
        let biased = logits.copy()
        for r in 0..<4 { for j in 0..<37 { biased[r, j] += bias[0, j] } }
        everyPath { path in
            for smoothing: Float in [0, 0.1] {
                let (expectedTotal, expectedGrad, expectedRows) = crossEntropy(biased, targets, smoothing: smoothing, scale: 0.5)
                for inPlace in [false, true] {
                    let x = logits.copy()
                    let grad = inPlace ? x : Matrix(rows: 4, cols: 37)
                    var rowLoss = [Float](repeating: .nan, count: 4)
                    var sums = [Float](repeating: 1, count: 37)
                    let total = targets.withUnsafeBufferPointer { t in
                        rowLoss.withUnsafeMutableBufferPointer { l in
                            sums.withUnsafeMutableBufferPointer { s in
                                Kernels.softmaxCrossEntropy(logits: x.view, bias: bias.pointer, targets: t, smoothing: smoothing,
                                                            ignoreIndex: 0, scale: 0.5, grad: grad.view, rowLoss: l.baseAddress,
                                                            gradientSums: s.baseAddress)
                            }
                        }
                    }
                    #expect(abs(total - expectedTotal) < 1e-4, "\(path) smoothing \(smoothing) in place \(inPlace)")
                    #expect(zip(rowLoss, expectedRows).allSatisfy { abs($0 - $1) < 1e-4 })
                    #expect(zip(grad.storage, expectedGrad.storage).allSatisfy { abs($0 - $1) < 1e-6 })
                    for j in 0..<37 {
                        let column = 1 + (0..<4).reduce(Float(0)) { $0 + expectedGrad[$1, j] }
                        #expect(abs(sums[j] - column) < 1e-5, "column \(j)")
                    }
                    if !inPlace { #expect(x == logits) }  // read only
                }
            }
        }
    }

    @Test(arguments: [Float(0), 0.1])
    func crossEntropyMatchesDoubleAndFiniteDifferences(smoothing: Float) {
        let logits = randomMatrix(4, 11, scale: 3, seed: 5)
        let targets: [Int32] = [3, 0, 10, 1]  // row 1 is padding
        let (total, grad, rowLoss) = crossEntropy(logits, targets, smoothing: smoothing)

        func referenceLoss(_ m: Matrix) -> Double {
            var sum = 0.0
            for r in 0..<m.rows where targets[r] != 0 {
                let row = (0..<m.cols).map { Double(m[r, $0]) }
                let mx = row.max()!
                let lse = mx + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - mx) })
                for c in 0..<m.cols {
                    let q = (c == Int(targets[r]) ? 1 - Double(smoothing) : 0) + Double(smoothing) / Double(m.cols)
                    sum -= q * (row[c] - lse)
                }
            }
            return sum
        }
        #expect(abs(total - referenceLoss(logits)) <= 1e-5)
        #expect(rowLoss[1] == 0)
        #expect(abs(Double(rowLoss.reduce(0, +)) - total) <= 1e-4)
        // d loss / d logits by central differences in Double.
        for r in 0..<logits.rows {
            for c in 0..<logits.cols {
                let plus = logits.copy(), minus = logits.copy()
                plus[r, c] += 1e-2
                minus[r, c] -= 1e-2
                let numeric = (referenceLoss(plus) - referenceLoss(minus)) / 2e-2
                #expect(abs(Double(grad[r, c]) - numeric) <= 1e-4, "d/d logits[\(r), \(c)]")
            }
        }
        for c in 0..<logits.cols { #expect(grad[1, c] == 0) }
        // scale multiplies the gradient only
        let (scaledTotal, scaled, _) = crossEntropy(logits, targets, smoothing: smoothing, scale: 0.5)
        #expect(scaledTotal == total)
        #expect(scaled.maxAbsDifference(Matrix(rows: 4, cols: 11, storage: grad.storage.map { $0 * 0.5 })) <= 1e-7)
    }

    /// The dropout mask drops about `rate` of the values, scales the rest by 1 / (1 − rate), is
    /// the same for the same seed on both paths (8-wide and element by element, lengths with
    /// tails), differs for another seed, and multiplies x when given.
    @Test func dropoutMaskKeepsTheExpectation() {
        func mask(_ count: Int, seed: UInt64, rate: Float = 0.2) -> [Float] {
            var rng = RandomGenerator(seed: seed)
            var mask = [Float](repeating: -1, count: count)
            mask.withUnsafeMutableBufferPointer { Kernels.dropout(nil, mask: $0.baseAddress!, count: count, rate: rate, using: &rng) }
            return mask
        }
        let m = mask(100_000, seed: 3)
        #expect(Set(m) == [0, 1.25])
        let dropped = Double(m.filter { $0 == 0 }.count) / Double(m.count)
        #expect(abs(dropped - 0.2) < 0.01)
        #expect(mask(100_000, seed: 3) == m)
        #expect(mask(100_000, seed: 4) != m)
        // Neighbouring elements are independent: P(both dropped) ≈ rate².
        let pairs = Double((0..<99_999).filter { m[$0] == 0 && m[$0 + 1] == 0 }.count) / 99_999
        #expect(abs(pairs - 0.04) < 0.005)
        for rate: Float in [0, 0.5, 0.9] {
            let r = mask(10_000, seed: 5, rate: rate)
            #expect(abs(Double(r.filter { $0 == 0 }.count) / 10_000 - Double(rate)) < 0.02, "rate \(rate)")
        }
        var paths: [[Float]] = []
        everyPath { _ in
            for count in [1, 7, 8, 9, 1_003] { paths.append(mask(count, seed: 11)) }
            var rng = RandomGenerator(seed: 11)
            var x = (0..<1_003).map { Float($0) }, mask = [Float](repeating: -1, count: 1_003)
            x.withUnsafeMutableBufferPointer { xs in
                mask.withUnsafeMutableBufferPointer { Kernels.dropout(xs.baseAddress, mask: $0.baseAddress!, count: 1_003, rate: 0.2, using: &rng) }
            }
            #expect(x == (0..<1_003).map { Float($0) * mask[$0] })
            paths.append(mask)
        }
        #expect(paths.count == 6 * (Kernels.level + 1))
        #expect(stride(from: 6, to: paths.count, by: 6).allSatisfy { Array(paths[$0..<($0 + 6)]) == Array(paths[0..<6]) })
        #expect(paths[1] == Array(paths[4].prefix(7)))  // a shorter mask is a prefix of a longer one
    }
}

/// The row kernels (bias fill, bias gradient, in-place add) on strided views, against loops.
@Suite struct RowKernelTests {
    @Test func rowKernelsMatchLoops() {
        var rng = RandomGenerator(seed: 12)
        let store = Matrix(rows: 6, cols: 11, uniform: 1, using: &rng)
        let other = Matrix(rows: 5, cols: 9, uniform: 1, using: &rng)
        let bias = Matrix(rows: 1, cols: 7, uniform: 1, using: &rng)
        let view = store.rows(1, 4).columns(2, 7), src = other.rows(0, 4).columns(1, 7)
        let before = store.copy()

        let sums = Matrix(rows: 1, cols: 7, repeating: 0.5)
        Kernels.addColumnSums(view, into: sums.pointer)
        for j in 0..<7 {
            let expected = 0.5 + (0..<4).reduce(Float(0)) { $0 + view[$1, j] }
            #expect(abs(sums[0, j] - expected) < 1e-6)
        }

        Kernels.add(src, into: view)
        for i in 0..<4 { for j in 0..<7 { #expect(view[i, j] == before.rows(1, 4).columns(2, 7)[i, j] + src[i, j]) } }

        Kernels.fillRows(view, bias.pointer)
        for i in 0..<4 { for j in 0..<7 { #expect(view[i, j] == bias[0, j]) } }
        // Outside the view: untouched.
        #expect(Array(store.view.row(0)) == Array(before.view.row(0)) && Array(store.view.row(5)) == Array(before.view.row(5)))
        for i in 1..<5 { #expect(store[i, 0] == before[i, 0] && store[i, 1] == before[i, 1] && store[i, 9] == before[i, 9]) }
    }

    /// A projection with a bias gives x·W + b whether it starts from the bias (beta 0) or adds it.
    @Test func projectionWithBias() {
        var rng = RandomGenerator(seed: 13)
        let x = Matrix(rows: 5, cols: 6, uniform: 1, using: &rng), w = Matrix(rows: 6, cols: 40, uniform: 1, using: &rng)
        let b = Matrix(rows: 1, cols: 40, uniform: 1, using: &rng)
        let y = Matrix(rows: 5, cols: 40, repeating: 3), expected = Matrix(rows: 5, cols: 40)
        Projection(weights: w.view).apply(x.view, into: y.view, bias: b)
        BLAS.referenceGemm(x.view, w.view, into: expected.view)
        for i in 0..<5 { for j in 0..<40 { #expect(abs(y[i, j] - (expected[i, j] + b[0, j])) < 1e-5) } }
    }
}
