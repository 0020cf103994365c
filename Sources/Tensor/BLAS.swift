import CBLAS
import CKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Matrix products through OpenBLAS, with a naive reference for tests.
public enum BLAS {
    /// Floating-point operations done by `gemm` since start (2·M·N·K per call), for benchmarks.
    public static let flopCounter = Atomic<Int>(0)
    /// Product flops done on the calling thread since it started.
    public static var threadFlops: Int { Int(fanyi_thread_flops()) }

    /// Counts a product's flops, process-wide and on the calling thread.
    @inline(__always)
    static func countFlops(_ flops: Int) {
        flopCounter.add(flops, ordering: .relaxed)
        fanyi_thread_flops_add(Int64(flops))
    }

    /// Nanoseconds spent inside BLAS calls since start, counted while `profiling` is on.
    public static let nanosecondCounter = Atomic<Int>(0)
    /// Time BLAS calls (for the benchmark's profile); off by default.
    nonisolated(unsafe) public static var profiling = false

    /// One kind of product in the profile: the routine and its shape (M×K · K×N for gemm).
    public struct Shape: Hashable, Sendable, CustomStringConvertible {
        public var routine: String
        public var m: Int, n: Int, k: Int
        public var description: String {
            routine.hasPrefix("gemm") ? "\(routine) \(m)×\(k)·\(k)×\(n)" : "\(routine) \(m)×\(n)"
        }
    }

    /// Calls, nanoseconds and flops of one shape while `profiling` is on.
    public struct ShapeTotals: Sendable {
        public var calls = 0, nanoseconds = 0, flops = 0
        public init() {}
    }

    /// Time and flops by shape since profiling was turned on (for the benchmark's breakdown).
    public static let shapeProfile = Mutex<[Shape: ShapeTotals]>([:])

    @inline(__always)
    static func timed(_ shape: @autoclosure () -> Shape, flops: Int, _ body: () -> Void) {
        guard profiling else { return body() }
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        let nanoseconds = (end.tv_sec - start.tv_sec) * 1_000_000_000 + (end.tv_nsec - start.tv_nsec)
        nanosecondCounter.add(nanoseconds, ordering: .relaxed)
        let key = shape()
        shapeProfile.withLock { profile in
            profile[key, default: ShapeTotals()].calls += 1
            profile[key, default: ShapeTotals()].nanoseconds += nanoseconds
            profile[key, default: ShapeTotals()].flops += flops
        }
    }

    /// Products with at most this many rows (a not transposed) skip OpenBLAS for
    /// `fanyi_sgemm_small_m` (or its transposed-b form), which read b without packing all of it for
    /// every call: 64 on CPUs with AVX-512, else 8; 0 sends all to OpenBLAS.
    nonisolated(unsafe) public static var smallRows = Int(fanyi_sgemm_small_m_rows())

    /// `c = alpha · op(a) · op(b) + beta · c`, where op transposes when asked.
    ///
    /// Shapes: op(a) is M×K, op(b) is K×N, c is M×N. Views may be strided (row or column
    /// slices of a larger buffer). With beta = 1 the product accumulates into c.
    public static func gemm(
        _ a: MatrixPointer, transposeA: Bool = false, _ b: MatrixPointer, transposeB: Bool = false,
        into c: MatrixPointer, alpha: Float = 1, beta: Float = 0
    ) {
        let (m, k) = transposeA ? (a.cols, a.rows) : (a.rows, a.cols)
        let (kb, n) = transposeB ? (b.cols, b.rows) : (b.rows, b.cols)
        precondition(k == kb && c.rows == m && c.cols == n,
                     "gemm shapes: op(a) \(m)×\(k), op(b) \(kb)×\(n), c \(c.rows)×\(c.cols)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            scale(c, by: beta)
            return
        }
        countFlops(2 * m * n * k)
        timed(Shape(routine: "gemm", m: m, n: n, k: k), flops: 2 * m * n * k) {
            let parts = m * n * k >= splitVolume ? Parallel.available : 1
            split(a, transposeA: transposeA, b, transposeB: transposeB, into: c, alpha: alpha, beta: beta, parts: parts)
        }
    }

    /// The product in `parts` parts on the pool's threads, split along the longer side of c in
    /// whole 16-float blocks: each part packs its slice of that side's operand and all of the
    /// other (small when M is small). Every element's sum over K is that of the unsplit product.
    static func split(
        _ a: MatrixPointer, transposeA: Bool, _ b: MatrixPointer, transposeB: Bool,
        into c: MatrixPointer, alpha: Float, beta: Float, parts: Int
    ) {
        let splitRows = c.rows >= c.cols
        let length = splitRows ? c.rows : c.cols
        let blocks = (length + 15) / 16
        let parts = max(1, min(parts, blocks))
        if parts == 1 {
            return product(a, transposeA: transposeA, b, transposeB: transposeB, into: c, alpha: alpha, beta: beta)
        }
        Parallel.forEachPart(parts) { part in
            let start = part * blocks / parts * 16, end = min((part + 1) * blocks / parts * 16, length)
            if start >= end { return }
            if splitRows {
                product(transposeA ? a.columns(start, end - start) : a.rows(start, end - start), transposeA: transposeA,
                        b, transposeB: transposeB, into: c.rows(start, end - start), alpha: alpha, beta: beta)
            } else {
                product(a, transposeA: transposeA, transposeB ? b.rows(start, end - start) : b.columns(start, end - start),
                        transposeB: transposeB, into: c.columns(start, end - start), alpha: alpha, beta: beta)
            }
        }
    }

    /// Products of at least this many multiply-adds (M·N·K) are split over `Parallel.threads`
    /// (OpenBLAS's own threshold for its threads is 2^18 as well).
    nonisolated(unsafe) public static var splitVolume = 1 << 18

    /// One product on the calling thread.
    private static func product(
        _ a: MatrixPointer, transposeA: Bool, _ b: MatrixPointer, transposeB: Bool,
        into c: MatrixPointer, alpha: Float, beta: Float
    ) {
        let (m, k) = transposeA ? (a.cols, a.rows) : (a.rows, a.cols)
        let n = c.cols
        if !transposeA && m <= smallRows && n >= 32 {
            // A beam's or a decoder step's rows against a weight matrix: OpenBLAS would pack all of b first.
            if !transposeB {
                return fanyi_sgemm_small_m(Int64(m), Int64(n), Int64(k), alpha, a.base, Int64(max(a.stride, 1)),
                                           b.base, Int64(max(b.stride, 1)), beta, c.base, Int64(max(c.stride, 1)))
            }
            if fanyi_sgemm_small_m_level() >= 2 {
                return fanyi_sgemm_small_m_nt(Int64(m), Int64(n), Int64(k), alpha, a.base, Int64(max(a.stride, 1)),
                                              b.base, Int64(max(b.stride, 1)), beta, c.base, Int64(max(c.stride, 1)))
            }
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha,
            a.base, Int32(max(a.stride, 1)), b.base, Int32(max(b.stride, 1)), beta, c.base, Int32(max(c.stride, 1)))
    }

    /// `y = alpha · op(a) · x + beta · y` for vectors `x`, `y` (contiguous) and a view `a`.
    public static func gemv(
        _ a: MatrixPointer, transpose: Bool = false, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        alpha: Float = 1, beta: Float = 0
    ) {
        let (m, n) = (a.rows, a.cols)
        if m == 0 || n == 0 {
            let count = transpose ? n : m
            for i in 0..<count { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        countFlops(2 * m * n)
        timed(Shape(routine: "gemv", m: m, n: n, k: 1), flops: 2 * m * n) {
            cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha,
                        a.base, Int32(max(a.stride, 1)), x, 1, beta, y, 1)
        }
    }

    /// `a += alpha · x · yᵀ` (a rank-1 update; x has a.rows elements, y has a.cols).
    public static func ger(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into a: MatrixPointer, alpha: Float = 1) {
        if a.rows == 0 || a.cols == 0 { return }
        countFlops(2 * a.rows * a.cols)
        timed(Shape(routine: "ger", m: a.rows, n: a.cols, k: 1), flops: 2 * a.rows * a.cols) {
            cblas_sger(CblasRowMajor, Int32(a.rows), Int32(a.cols), alpha, x, 1, y, 1, a.base, Int32(max(a.stride, 1)))
        }
    }

    /// The same contract as `gemm`, computed with Double accumulation in plain loops.
    public static func referenceGemm(
        _ a: MatrixPointer, transposeA: Bool = false, _ b: MatrixPointer, transposeB: Bool = false,
        into c: MatrixPointer, alpha: Float = 1, beta: Float = 0
    ) {
        let (m, k) = transposeA ? (a.cols, a.rows) : (a.rows, a.cols)
        let n = transposeB ? b.rows : b.cols
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transposeA ? a[p, i] : a[i, p]
                    let y = transposeB ? b[j, p] : b[p, j]
                    sum += Double(x) * Double(y)
                }
                c[i, j] = Float(Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c[i, j])))
            }
        }
    }

    /// `c *= factor` (factor 0 writes zeros, whatever c held).
    static func scale(_ c: MatrixPointer, by factor: Float) {
        for r in 0..<c.rows {
            let row = c.row(r)
            for j in row.indices { row[j] = factor == 0 ? 0 : row[j] * factor }
        }
    }

    /// Runs `body` with OpenBLAS's own `threads` threads splitting each product instead of the
    /// pool (for benchmarks that take the faster of the two as the ceiling).
    public static func withOpenBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        let saved = Parallel.threads
        Parallel.threads = 1
        openblas_set_num_threads(Int32(max(1, threads)))
        defer {
            openblas_set_num_threads(1)
            Parallel.threads = saved
        }
        return try body()
    }

    /// Threads for each product (and for element-wise passes). Products are split by Fanyi's
    /// pool; OpenBLAS itself stays on one thread per call, so that its threads never wait in
    /// sched_yield loops (a system call per turn) between the thousands of products of a step.
    public static var threads: Int {
        get { Parallel.threads }
        set {
            openblas_set_num_threads(1)
            Parallel.threads = max(1, newValue)
        }
    }
}
