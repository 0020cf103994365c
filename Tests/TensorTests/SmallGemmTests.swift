import CKernels
import Testing
@testable import Tensor

/// `fanyi_sgemm_small_m` (a beam's or a decoder step's rows against a weight matrix) on every path
/// this CPU has, against the Double reference: row counts around its groups of 4 and 8, column
/// counts around its block widths (16, 24, 48), strided views, alpha and beta.
@Suite struct SmallGemmTests {
    static var levels: [Int32] { Array(0...fanyi_sgemm_small_m_level()) }

    @Test(arguments: levels, [1, 2, 3, 4, 5, 7, 8, 11, 16, 33, 64, 70])
    func matchesTheReference(level: Int32, m: Int) {
        var rng = RandomGenerator(seed: UInt64(m) * 31 + UInt64(level))
        // n = 43: b's rows are 48 floats apart, and the view's last row ends 2 floats before its
        // buffer does: rows read in place must not be read whole (AddressSanitizer would say so).
        for (n, k) in [(1, 3), (15, 1), (24, 9), (43, 5), (47, 16), (48, 33), (49, 64), (100, 7), (257, 40)] {
            compare(level: level, m: m, n: n, k: k, transposeB: false, using: &rng)
        }
    }

    /// The transposed form (C = alpha·A·Bᵀ + beta·C, B n×k): row counts and column counts around
    /// its 4 × 6 blocks, depths around its 16-float vectors, strided views, alpha and beta.
    @Test(arguments: levels, [1, 3, 4, 5, 9, 32, 33])
    func transposedMatchesTheReference(level: Int32, m: Int) {
        var rng = RandomGenerator(seed: UInt64(m) * 17 + UInt64(level))
        for (n, k) in [(1, 3), (5, 1), (6, 16), (7, 17), (13, 33), (40, 64), (100, 7)] {
            compare(level: level, m: m, n: n, k: k, transposeB: true, using: &rng)
        }
    }

    /// One shape on one path against the reference, for three (alpha, beta) pairs, on views into
    /// larger buffers (every leading dimension differs from the width).
    func compare(level: Int32, m: Int, n: Int, k: Int, transposeB: Bool, using rng: inout RandomGenerator) {
        let aStore = Matrix(rows: m + 2, cols: k + 3, uniform: 1, using: &rng)
        let bStore = transposeB ? Matrix(rows: n + 1, cols: k + 5, uniform: 1, using: &rng)
                                : Matrix(rows: k + 1, cols: n + 5, uniform: 1, using: &rng)
        let cStore = Matrix(rows: m + 1, cols: n + 4, uniform: 1, using: &rng)
        let a = aStore.rows(1, m).columns(2, k)
        let b = transposeB ? bStore.rows(1, n).columns(3, k) : bStore.rows(1, k).columns(3, n)
        let kernel = transposeB ? fanyi_sgemm_small_m_nt_at : fanyi_sgemm_small_m_at
        for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
            let fast = cStore.copy(), slow = cStore.copy()
            let c = fast.rows(1, m).columns(1, n)
            kernel(level, Int64(m), Int64(n), Int64(k), alpha, a.base, Int64(a.stride), b.base, Int64(b.stride), beta,
                   c.base, Int64(c.stride))
            BLAS.referenceGemm(a, b, transposeB: transposeB, into: slow.rows(1, m).columns(1, n), alpha: alpha, beta: beta)
            // Within float rounding of k products, and nothing outside the view written.
            #expect(fast.maxAbsDifference(slow) <= 1e-5 * Float(k + 1), "level \(level) m \(m) n \(n) k \(k) transposed \(transposeB)")
        }
        withExtendedLifetime((aStore, bStore)) {}
    }

    /// Weights packed once (as they are, or transposed) multiply like the weights themselves, on
    /// every path, with column counts around the 48-column panels and a strided source.
    @Test(arguments: levels)
    func packedWeightsMatchTheReference(level: Int32) {
        var rng = RandomGenerator(seed: 41 + UInt64(level))
        for (m, n, k) in [(1, 1, 1), (5, 47, 3), (8, 48, 16), (9, 49, 17), (32, 100, 33), (70, 20, 9)] {
            let a = Matrix(rows: m, cols: k, uniform: 1, using: &rng)
            let wStore = Matrix(rows: k + 2, cols: n + 3, uniform: 1, using: &rng)      // W: K×N inside
            let tStore = Matrix(rows: n + 1, cols: k + 4, uniform: 1, using: &rng)      // Wᵀ given as N×K
            let w = wStore.rows(1, k).columns(2, n), wt = tStore.rows(1, n).columns(3, k)
            for (source, transposed) in [(w, false), (wt, true)] {
                let packed = PackedMatrix()
                packed.pack(source, transposed: transposed)
                #expect(packed.rows == k && packed.cols == n)
                for (alpha, beta) in [(Float(1), Float(0)), (-2, 0.25)] {
                    let fast = Matrix(rows: m, cols: n, uniform: 1, using: &rng), slow = fast.copy()
                    fanyi_sgemm_packed_at(level, Int64(m), Int64(n), Int64(k), alpha, a.pointer, Int64(k), packed.base, beta,
                                          fast.pointer, Int64(n))
                    BLAS.referenceGemm(a.view, source, transposeB: transposed, into: slow.view, alpha: alpha, beta: beta)
                    #expect(fast.maxAbsDifference(slow) <= 1e-5 * Float(k + 1), "level \(level) \(m)×\(k)·\(k)×\(n) transposed \(transposed)")
                }
            }
            withExtendedLifetime((wStore, tStore)) {}
        }
    }

    /// `BLAS.gemm` sends few-row products here and gives what OpenBLAS gives.
    @Test func blasGemmAgreesWithOpenBLAS() {
        var rng = RandomGenerator(seed: 9)
        let a = Matrix(rows: 5, cols: 256, uniform: 1, using: &rng)
        let b = Matrix(rows: 256, cols: 1000, uniform: 1, using: &rng)
        let small = Matrix(rows: 5, cols: 1000), open = Matrix(rows: 5, cols: 1000)
        BLAS.gemm(a.view, b.view, into: small.view)
        let saved = BLAS.smallRows
        BLAS.smallRows = 0
        BLAS.gemm(a.view, b.view, into: open.view)
        BLAS.smallRows = saved
        #expect(small.maxAbsDifference(open) <= 1e-4)
        #expect(small.maxAbsDifference(Matrix(rows: 5, cols: 1000)) > 1)  // it computed something
        // A decoder step's 32 rows against a transposed weight matrix, the same way.
        let dz = Matrix(rows: 32, cols: 300, uniform: 1, using: &rng)
        let w = Matrix(rows: 200, cols: 300, uniform: 1, using: &rng)
        let smallT = Matrix(rows: 32, cols: 200), openT = Matrix(rows: 32, cols: 200)
        BLAS.gemm(dz.view, w.view, transposeB: true, into: smallT.view)
        BLAS.smallRows = 0
        BLAS.gemm(dz.view, w.view, transposeB: true, into: openT.view)
        BLAS.smallRows = saved
        #expect(smallT.maxAbsDifference(openT) <= 1e-4)
    }
}
