import CKernels

/// A weight matrix packed once for many few-row products (a decoder's steps over one batch), in
/// the panels `fanyi_sgemm_small_m` would otherwise copy on every call: K×N as ⌈N/48⌉ panels of
/// K rows × 48 floats.
///
/// Holds a copy: pack it again after the weights change (the decoder packs at the start of each
/// batch, while the parameters stay fixed until the optimizer step).
public final class PackedMatrix {
    public private(set) var rows = 0
    public private(set) var cols = 0
    private var storage: UnsafeMutablePointer<Float>?
    private var capacity = 0

    public init() {}

    deinit { storage?.deallocate() }

    /// Whether products with packed weights run faster than unpacked ones here (AVX-512).
    public static var isUseful: Bool { fanyi_sgemm_small_m_level() >= 2 }

    /// Packs `w` (K×N), or with `transposed` its transpose: w is then N×K and the packed matrix K×N.
    public func pack(_ w: MatrixPointer, transposed: Bool = false) {
        (rows, cols) = transposed ? (w.cols, w.rows) : (w.rows, w.cols)
        let size = Int(fanyi_sgemm_packed_size(Int64(rows), Int64(cols)))
        if size > capacity {
            storage?.deallocate()
            storage = .allocate(capacity: size)
            capacity = size
        }
        fanyi_sgemm_pack(Int64(rows), Int64(cols), w.base, Int64(max(w.stride, 1)), transposed ? 1 : 0, storage)
    }

    var base: UnsafePointer<Float> { UnsafePointer(storage!) }
}

extension BLAS {
    /// `c = alpha · a · packed + beta · c` (a M×K, packed K×N), on the calling thread: the
    /// products of a shard or a step, which already run side by side with others.
    public static func gemm(_ a: MatrixPointer, packed b: PackedMatrix, into c: MatrixPointer, alpha: Float = 1, beta: Float = 0) {
        precondition(a.cols == b.rows && c.rows == a.rows && c.cols == b.cols,
                     "packed gemm shapes: a \(a.rows)×\(a.cols), b \(b.rows)×\(b.cols), c \(c.rows)×\(c.cols)")
        let (m, n, k) = (a.rows, b.cols, a.cols)
        if m == 0 || n == 0 { return }
        countFlops(2 * m * n * k)
        timed(Shape(routine: "gemm (packed)", m: m, n: n, k: k), flops: 2 * m * n * k) {
            fanyi_sgemm_packed(Int64(m), Int64(n), Int64(k), alpha, a.base, Int64(max(a.stride, 1)), b.base, beta,
                               c.base, Int64(max(c.stride, 1)))
        }
    }
}
