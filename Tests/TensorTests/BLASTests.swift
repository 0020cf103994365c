import Testing
@testable import Tensor

@Suite struct BLASTests {
    func random(_ rows: Int, _ cols: Int, _ seed: UInt64) -> Matrix {
        var rng = RandomGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, uniform: 1, using: &rng)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesTheReference(transposeA: Bool, transposeB: Bool) {
        let (m, k, n) = (7, 13, 5)
        let a = transposeA ? random(k, m, 1) : random(m, k, 1)
        let b = transposeB ? random(n, k, 2) : random(k, n, 2)
        for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
            let fast = random(m, n, 3), slow = random(m, n, 3)
            BLAS.gemm(a.view, transposeA: transposeA, b.view, transposeB: transposeB, into: fast.view, alpha: alpha, beta: beta)
            BLAS.referenceGemm(a.view, transposeA: transposeA, b.view, transposeB: transposeB, into: slow.view, alpha: alpha, beta: beta)
            #expect(fast.maxAbsDifference(slow) <= 1e-5)
        }
    }

    /// Row and column views of larger buffers go to BLAS with their stride.
    @Test func stridedViews() {
        let big = random(10, 12, 4)
        let b = random(3, 4, 5)
        let out = Matrix(rows: 4, cols: 8, repeating: 9)
        let expected = out.copy()
        let a = big.rows(2, 4).columns(5, 3)  // 4×3 block, stride 12
        BLAS.gemm(a, b.view, into: out.columns(2, 4))
        BLAS.referenceGemm(a, b.view, into: expected.columns(2, 4))
        #expect(out.maxAbsDifference(expected) <= 1e-5)
        #expect(out[0, 0] == 9 && out[3, 7] == 9)  // outside the view: untouched
    }

    @Test func emptyInnerDimensionScalesC() {
        let a = Matrix(rows: 2, cols: 0), b = Matrix(rows: 0, cols: 3)
        let c = Matrix(rows: 2, cols: 3, repeating: 4)
        BLAS.gemm(a.view, b.view, into: c.view, beta: 0.5)
        #expect(c.storage == Array(repeating: 2, count: 6))
    }

    @Test func countsFlops() {
        let a = random(3, 4, 1), b = random(4, 5, 2)
        let c = Matrix(rows: 3, cols: 5)
        let before = BLAS.flopCounter.load(ordering: .relaxed)
        BLAS.gemm(a.view, b.view, into: c.view)
        #expect(BLAS.flopCounter.load(ordering: .relaxed) - before >= 2 * 3 * 4 * 5)
    }
}

@Suite struct RandomGeneratorTests {
    @Test func sameSeedSameStream() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        #expect(xs != (0..<5).map { _ in c.next() })
    }

    @Test func splitsAreIndependentAndStable() {
        let root = RandomGenerator(seed: 1)
        var s1 = root.split(1), s1again = root.split(1), s2 = root.split(2)
        let a = (0..<4).map { _ in s1.next() }
        #expect(a == (0..<4).map { _ in s1again.next() })
        #expect(a != (0..<4).map { _ in s2.next() })
        var restored = RandomGenerator(state: s1.state)
        #expect(restored.next() == s1.next())
    }

    @Test func distributions() {
        var rng = RandomGenerator(seed: 9)
        let u = (0..<50_000).map { _ in rng.nextUnitFloat() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / Float(u.count) - 0.5) < 0.01)
        let g = (0..<50_000).map { _ in rng.nextGaussian() }
        let mean = g.reduce(0, +) / Float(g.count)
        let variance = g.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(g.count)
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.03)
    }
}

@Suite struct MatrixTests {
    @Test func viewsAndShapes() {
        let m = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m[1, 2] == 6 && m.shape == [2, 3])
        m.columns(1, 2).rows(1, 1)[0, 1] = 60
        #expect(m.view.row(0).map { $0 } == [1, 2, 3])
        #expect(m.view.reshaped(rows: 3, cols: 2)[2, 1] == 60)
        #expect(m[1, 2] == 60)
        let copy = m.copy()
        m.reshape(rows: 3, cols: 2)
        #expect(m[2, 1] == 60)
        m.prepare(rows: 2, cols: 2)
        #expect(m.storage == Array(repeating: 0, count: 4))
        m.prepare(rows: 5, cols: 5)
        #expect(m.count == 25 && m.storage.allSatisfy { $0 == 0 })
        #expect(copy[1, 2] == 60)
    }
}

@Suite struct VectorBLASTests {
    @Test func gemvAndGerMatchLoops() {
        var rng = RandomGenerator(seed: 8)
        let a = Matrix(rows: 3, cols: 4, uniform: 1, using: &rng)
        let x4: [Float] = [1, -2, 0.5, 3], x3: [Float] = [2, 0, -1]
        var y = [Float](repeating: 1, count: 3), yt = [Float](repeating: 1, count: 4)
        BLAS.gemv(a.view, x4, into: &y, beta: 0.5)
        BLAS.gemv(a.view, transpose: true, x3, into: &yt)
        for i in 0..<3 { #expect(abs(y[i] - (0.5 + (0..<4).reduce(0) { $0 + a[i, $1] * x4[$1] })) < 1e-5) }
        for j in 0..<4 { #expect(abs(yt[j] - (0..<3).reduce(0) { $0 + a[$1, j] * x3[$1] }) < 1e-5) }
        let before = a.copy()
        BLAS.ger(x3, x4, into: a.view, alpha: 2)
        for i in 0..<3 { for j in 0..<4 { #expect(abs(a[i, j] - (before[i, j] + 2 * x3[i] * x4[j])) < 1e-5) } }
    }
}
