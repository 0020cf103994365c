import CKernels
import Testing
@testable import Tensor

/// The 8-bit product (`fanyi_i8_gemm`, `QuantizedMatrix`): every path this CPU has against a
/// Double product of the same quantized values, and against the Float32 product within the
/// bound that quantization allows.
@Suite(.serialized) struct Int8GemmTests {
    static var levels: [Int32] { Array(0...fanyi_i8_gemm_level()) }

    /// Σ_p x[i][p]·w[p][j] in Double (matrices, not views: a view does not keep its matrix alive).
    func reference(_ x: Matrix, _ w: Matrix) -> [[Double]] {
        (0..<x.rows).map { i in
            (0..<w.cols).map { j in (0..<x.cols).reduce(0.0) { $0 + Double(x[i, $1]) * Double(w[$1, j]) } }
        }
    }

    func copy(_ view: MatrixPointer) -> Matrix {
        let out = Matrix(rows: view.rows, cols: view.cols)
        out.view.assign(view)
        return out
    }

    /// x with each row quantized as the kernel does on `level`, and back to Float.
    func quantizedRows(_ x: Matrix, level: Int32) -> Matrix {
        let limit = fanyi_i8_activation_limit(level)
        let out = Matrix(rows: x.rows, cols: x.cols)
        for i in 0..<x.rows {
            let amax = (0..<x.cols).map { abs(x[i, $0]) }.max() ?? 0
            let scale = amax / Float(limit)
            let inverse = amax > 0 ? Float(limit) / amax : 0
            for p in 0..<x.cols { out[i, p] = max(-Float(limit), min(Float(limit), (x[i, p] * inverse).rounded(.toNearestOrEven))) * scale }
        }
        return out
    }

    /// Every path's integer sums are exact: it equals the Double product of the dequantized
    /// operands up to Float rounding of the result. Shapes cover the tails (n mod 16, k mod 4,
    /// rows mod 4) and a strided x and y.
    @Test(arguments: levels, [1, 2, 3, 4, 5, 9])
    func everyPathIsTheProductOfTheQuantizedValues(level: Int32, m: Int) {
        var rng = RandomGenerator(seed: UInt64(m) * 17 + UInt64(level))
        for (k, n) in [(1, 1), (3, 15), (4, 16), (5, 17), (33, 32), (64, 33), (130, 100)] {
            let wFloat = Matrix(rows: k, cols: n, uniform: 0.5, using: &rng)
            let w = QuantizedMatrix(quantizing: wFloat.view)
            let xStore = Matrix(rows: m + 1, cols: k + 2, uniform: 2, using: &rng)
            let x = xStore.rows(1, m).columns(1, k)
            let yStore = Matrix(rows: m + 2, cols: n + 3, uniform: 1, using: &rng)
            let before = yStore.copy()
            let y = yStore.rows(1, m).columns(2, n)
            // The views point into the stores: keep them alive to the end.
            defer { withExtendedLifetime((xStore, yStore, wFloat)) {} }
            w.multiply(x, into: y, beta: 0.5, level: level)
            let expected = reference(quantizedRows(copy(x), level: level), w.dequantized())
            for i in 0..<m {
                for j in 0..<n {
                    let want = expected[i][j] + 0.5 * Double(before[i + 1, j + 2])
                    #expect(abs(Double(y[i, j]) - want) <= 1e-5 * (1 + abs(want)), "level \(level) k \(k) n \(n) [\(i), \(j)]")
                }
            }
            // Nothing outside the view is written.
            #expect(copy(yStore.rows(0, 1)).maxAbsDifference(copy(before.rows(0, 1))) == 0)
            #expect(copy(yStore.columns(0, 2)).maxAbsDifference(copy(before.columns(0, 2))) == 0)
        }
    }

    /// Against Float32: |x·W − x̂·Ŵ| ≤ Σ_p (|x_p|·|ΔW_p| + |Δx_p|·|Ŵ_p|) with |ΔW| ≤ scale_j/2
    /// and |Δx| ≤ s_i/2 elementwise: the error quantization allows, and no more.
    @Test(arguments: levels)
    func staysWithinTheQuantizationBound(level: Int32) {
        var rng = RandomGenerator(seed: 5)
        let (m, k, n) = (6, 256, 300)
        let wFloat = Matrix(rows: k, cols: n, uniform: 0.1, using: &rng)
        let x = Matrix(rows: m, cols: k, uniform: 1, using: &rng)
        let w = QuantizedMatrix(quantizing: wFloat.view)
        let y = Matrix(rows: m, cols: n)
        w.multiply(x.view, into: y.view, level: level)
        let exact = reference(x, wFloat)
        let limit = Float(fanyi_i8_activation_limit(level))
        var worstShare = 0.0
        for i in 0..<m {
            let rowScale = (0..<k).map { abs(x[i, $0]) }.max()! / limit
            for j in 0..<n {
                let bound = (0..<k).reduce(0.0) { sum, p in
                    sum + Double(abs(x[i, p])) * Double(w.scales[j]) / 2 + Double(rowScale) / 2 * Double(abs(wFloat[p, j]) + w.scales[j] / 2)
                } + 1e-5
                let error = abs(Double(y[i, j]) - exact[i][j])
                #expect(error <= bound, "[\(i), \(j)] error \(error) bound \(bound)")
                worstShare = max(worstShare, error / bound)
            }
        }
        // Rounding errors mostly cancel: typical errors are far below the worst case.
        #expect(worstShare < 0.5)
    }

    @Test func valuesColumnsAndProjection() {
        var rng = RandomGenerator(seed: 11)
        let wFloat = Matrix(rows: 7, cols: 40, uniform: 1, using: &rng)
        let (values, scales) = QuantizedMatrix.quantizing(wFloat.view)
        #expect(values.allSatisfy { $0 >= -127 })
        // Each column's largest value maps to ±127.
        for j in 0..<40 { #expect((0..<7).map { abs(Int(values[$0 * 40 + j])) }.max() == 127) }
        let w = QuantizedMatrix(rows: 7, cols: 40, values: values, scales: scales)
        #expect(w.values == values)
        // Columns gathered as packed (18 of them: across 16-column blocks) multiply as they did in place.
        let ids: [Int32] = [0, 3, 17, 39] + (20..<34).map(Int32.init)
        let subset = w.columns(ids)
        #expect(subset.scales == ids.map { scales[Int($0)] })
        for p in 0..<7 { for (j, id) in ids.enumerated() { #expect(subset.values[p * ids.count + j] == values[p * 40 + Int(id)]) } }
        let xs = Matrix(rows: 5, cols: 7, uniform: 1, using: &rng)
        let (all, some) = (Matrix(rows: 5, cols: 40), Matrix(rows: 5, cols: ids.count))
        w.multiply(xs.view, into: all.view)
        subset.multiply(xs.view, into: some.view)
        for i in 0..<5 { for (j, id) in ids.enumerated() { #expect(some[i, j] == all[i, Int(id)]) } }
        // A projection of 8-bit weights multiplies in 8 bits; of Float32 weights, through BLAS.
        let x = Matrix(rows: 3, cols: 7, uniform: 1, using: &rng)
        let (viaProjection, direct, float) = (Matrix(rows: 3, cols: 40), Matrix(rows: 3, cols: 40), Matrix(rows: 3, cols: 40))
        Projection(weights: wFloat.view, quantized: w).apply(x.view, into: viaProjection.view)
        w.multiply(x.view, into: direct.view)
        #expect(viaProjection.maxAbsDifference(direct) == 0)
        Projection(weights: wFloat.view).apply(x.view, into: float.view)
        BLAS.gemm(x.view, wFloat.view, into: direct.view)
        #expect(float.maxAbsDifference(direct) == 0)
        // A bias is added to every row, in the 8-bit kernel's stores or after the BLAS product.
        let bias = Matrix(rows: 1, cols: 40, uniform: 1, using: &rng)
        for (quantized, plain) in [(w as QuantizedMatrix?, viaProjection), (nil, float)] {
            let withBias = Matrix(rows: 3, cols: 40)
            Projection(weights: wFloat.view, quantized: quantized).apply(x.view, into: withBias.view, bias: bias)
            for i in 0..<3 { for j in 0..<40 { #expect(abs(withBias[i, j] - (plain[i, j] + bias[0, j])) <= 1e-6) } }
        }
    }

    /// The bias on every path and with column splits (the 8-bit kernel adds it as it stores).
    @Test(arguments: levels)
    func biasIsAddedOnEveryPath(level: Int32) {
        var rng = RandomGenerator(seed: 21)
        let weights = Matrix(rows: 37, cols: 300, uniform: 1, using: &rng)
        let w = withExtendedLifetime(weights) { QuantizedMatrix(quantizing: weights.view) }
        let (x, bias) = (Matrix(rows: 7, cols: 37, uniform: 1, using: &rng), Matrix(rows: 1, cols: 300, uniform: 1, using: &rng))
        let (plain, biased) = (Matrix(rows: 7, cols: 300, uniform: 1, using: &rng), Matrix(rows: 7, cols: 300))
        biased.view.assign(plain.view)
        w.multiply(x.view, into: plain.view, beta: 0.5, level: level)
        w.multiply(x.view, into: biased.view, bias: bias.pointer, beta: 0.5, level: level)
        for i in 0..<7 { for j in 0..<300 { #expect(abs(biased[i, j] - (plain[i, j] + bias[0, j])) <= 1e-5) } }
    }

    /// Large products split their columns between threads and give the same result.
    @Test func threadsSplitColumnsWithoutChangingTheResult() {
        var rng = RandomGenerator(seed: 3)
        let weights = Matrix(rows: 128, cols: 1000, uniform: 1, using: &rng)
        let w = withExtendedLifetime(weights) { QuantizedMatrix(quantizing: weights.view) }
        let x = Matrix(rows: 40, cols: 128, uniform: 1, using: &rng)
        let one = Matrix(rows: 40, cols: 1000), two = Matrix(rows: 40, cols: 1000)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        w.multiply(x.view, into: one.view)
        Parallel.threads = 2
        w.multiply(x.view, into: two.view)
        #expect(one.maxAbsDifference(two) == 0)
    }
}
