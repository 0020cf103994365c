import CKernels
#if canImport(Glibc)
import Glibc
#endif

// Shapes: K input size (rows of a weight), N output size (columns), M rows of activations.

/// A K×N weight matrix as int8 with one Float scale per column (per output unit):
/// W ≈ q[p][j] · scales[j], packed once for the 8-bit kernel (`fanyi_i8_gemm`).
///
/// Read-only after creation, so one copy serves every thread that translates.
public final class QuantizedMatrix: @unchecked Sendable {
    public let rows: Int   // K
    public let cols: Int   // N
    /// One scale per column (N): max |W[:, j]| / 127.
    public let scales: [Float]
    /// Σ_p q[p][j] (N), for the kernel's unsigned-activation correction.
    let sums: [Int32]
    /// The kernel's layout (see int8_gemm.c), 64-byte aligned.
    let packed: UnsafeMutablePointer<Int8>

    /// From int8 values (K×N, row-major) and their column scales, as a model file stores them.
    public init(rows: Int, cols: Int, values: [Int8], scales: [Float]) {
        precondition(values.count == rows * cols && scales.count == cols, "quantized matrix shapes")
        self.rows = rows
        self.cols = cols
        self.scales = scales
        var sums = [Int32](repeating: 0, count: cols)
        values.withUnsafeBufferPointer { q in
            sums.withUnsafeMutableBufferPointer { fanyi_i8_column_sums(Int64(rows), Int64(cols), q.baseAddress, $0.baseAddress) }
        }
        self.sums = sums
        packed = Self.allocatePacked(rows: rows, cols: cols)
        values.withUnsafeBufferPointer { fanyi_i8_pack(Int64(rows), Int64(cols), $0.baseAddress, Int64(cols), packed) }
    }

    /// Uninitialised packed storage for a K×N matrix, 64-byte aligned.
    private static func allocatePacked(rows: Int, cols: Int) -> UnsafeMutablePointer<Int8> {
        let size = Int(fanyi_i8_packed_size(Int64(rows), Int64(cols)))
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, 64, max(size, 64)) == 0, let memory else { fatalError("out of memory packing \(rows)×\(cols) int8 weights") }
        return memory.bindMemory(to: Int8.self, capacity: max(size, 64))
    }

    /// Packed columns `ids` of `source`, taken as they are packed (no unpacking).
    private init(columns ids: [Int32], of source: QuantizedMatrix) {
        rows = source.rows
        cols = ids.count
        scales = ids.map { source.scales[Int($0)] }
        sums = ids.map { source.sums[Int($0)] }
        packed = Self.allocatePacked(rows: rows, cols: cols)
        ids.withUnsafeBufferPointer { fanyi_i8_gather_columns(Int64(rows), source.packed, $0.baseAddress, Int64(cols), packed) }
    }

    /// Quantizes `weights` (K×N) per column: the values `fanyi-train export --storage I8` writes.
    public static func quantizing(_ weights: MatrixPointer) -> (values: [Int8], scales: [Float]) {
        var values = [Int8](repeating: 0, count: weights.rows * weights.cols)
        var scales = [Float](repeating: 0, count: weights.cols)
        var sums = [Int32](repeating: 0, count: weights.cols)
        fanyi_i8_quantize_columns(Int64(weights.rows), Int64(weights.cols), weights.base, Int64(max(weights.stride, 1)),
                                  &values, &scales, &sums)
        return (values, scales)
    }

    /// `weights` quantized per column.
    public convenience init(quantizing weights: MatrixPointer) {
        let (values, scales) = Self.quantizing(weights)
        self.init(rows: weights.rows, cols: weights.cols, values: values, scales: scales)
    }

    deinit { free(packed) }

    /// Value [p][j] in the packed layout.
    @inline(__always) func value(_ p: Int, _ j: Int) -> Int8 {
        packed[((j / 16) * ((rows + 3) / 4) + p / 4) * 64 + (j % 16) * 4 + p % 4]
    }

    /// The int8 values (K×N, row-major), unpacked.
    public var values: [Int8] {
        var out = [Int8](repeating: 0, count: rows * cols)
        for p in 0..<rows {
            for j in 0..<cols { out[p * cols + j] = value(p, j) }
        }
        return out
    }

    /// The columns `ids` as a new matrix (a shortlist's generator).
    public func columns(_ ids: [Int32]) -> QuantizedMatrix {
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < cols }, "column ids outside 0..<\(cols)")
        return QuantizedMatrix(columns: ids, of: self)
    }

    /// The Float32 matrix these values stand for (q · scale).
    public func dequantized() -> Matrix {
        let out = Matrix(rows: rows, cols: cols)
        let q = values
        for p in 0..<rows {
            for j in 0..<cols { out.pointer[p * cols + j] = Float(q[p * cols + j]) * scales[j] }
        }
        return out
    }

    /// Bytes this matrix holds (packed values, scales, sums).
    public var byteCount: Int { Int(fanyi_i8_packed_size(Int64(rows), Int64(cols))) + cols * 8 }

    /// y (M×N) = x (M×K) · W + bias + beta · y, on `level` (nil: the best this CPU has); the
    /// bias (N values, added to every row) is added as results are stored. Products big enough
    /// to share are split by columns over the `Parallel` threads (none inside a part of another
    /// region: a caller that runs several products side by side keeps each on its thread).
    public func multiply(_ x: MatrixPointer, into y: MatrixPointer, bias: UnsafePointer<Float>? = nil, beta: Float = 0,
                         level: Int32? = nil) {
        precondition(x.cols == rows && y.rows == x.rows && y.cols == cols,
                     "i8 product shapes: x \(x.rows)×\(x.cols), w \(rows)×\(cols), y \(y.rows)×\(y.cols)")
        let (m, k) = (x.rows, rows)
        if m == 0 || cols == 0 { return }
        let level = level ?? fanyi_i8_gemm_level()
        let depth = Int(fanyi_i8_padded_depth(Int64(k)))
        let flops = 2 * m * cols * k
        BLAS.countFlops(flops)
        BLAS.timed(BLAS.Shape(routine: "i8 gemm", m: m, n: cols, k: k), flops: flops) {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: m * depth) { u in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: m) { rowScales in
                    fanyi_i8_quantize_rows(Int64(m), Int64(k), x.base, Int64(max(x.stride, 1)), fanyi_i8_activation_limit(level),
                                           u.baseAddress, Int64(depth), rowScales.baseAddress)
                    let blocks = (cols + 15) / 16
                    let parts = flops >= 1 << 22 ? min(Parallel.available, blocks) : 1
                    let blockBytes = Int(fanyi_i8_packed_size(Int64(k), 16))
                    nonisolated(unsafe) let (u, rowScales, packed, y, bias) = (u, rowScales, packed, y, bias)
                    let cols = self.cols
                    let run: @Sendable (Int) -> Void = { part in
                        let first = part * blocks / parts * 16, last = min(cols, (part + 1) * blocks / parts * 16)
                        guard first < last else { return }
                        self.scales.withUnsafeBufferPointer { scales in
                            self.sums.withUnsafeBufferPointer { sums in
                                fanyi_i8_gemm_quantized(level, Int64(m), Int64(last - first), Int64(k), u.baseAddress, Int64(depth),
                                                        rowScales.baseAddress, packed + first / 16 * blockBytes,
                                                        scales.baseAddress! + first, sums.baseAddress! + first,
                                                        bias.map { $0 + first }, beta,
                                                        y.base + first, Int64(max(y.stride, 1)))
                            }
                        }
                    }
                    Parallel.forEachPart(parts, run)
                }
            }
        }
    }
}

/// The right operand of `x·W` in a layer: a weight in Float32, multiplied through BLAS, or in
/// 8-bit (`QuantizedMatrix`), multiplied by the 8-bit kernel. Which one is a property of the
/// weights (of the model file they came from), so layers need not know.
public struct Projection {
    /// The weights in Float32 (K×N): always there (training, and the dequantized values).
    public let weights: MatrixPointer
    /// The 8-bit form, when the weights run in 8 bits.
    public let quantized: QuantizedMatrix?

    public init(weights: MatrixPointer, quantized: QuantizedMatrix? = nil) {
        precondition(quantized.map { $0.rows == weights.rows && $0.cols == weights.cols } ?? true, "projection shapes")
        self.weights = weights
        self.quantized = quantized
    }

    /// y (M×N) = x (M×K) · W + bias + beta · y (bias: 1×N, added to every row).
    public func apply(_ x: MatrixPointer, into y: MatrixPointer, bias: Matrix? = nil, beta: Float = 0) {
        precondition(bias.map { $0.count == y.cols } ?? true, "bias of \(bias?.count ?? 0) values for \(y.cols) columns")
        if let quantized {
            // The 8-bit kernel adds the bias as it stores: one pass over y fewer.
            withExtendedLifetime(bias) { quantized.multiply(x, into: y, bias: bias.map { UnsafePointer($0.pointer) }, beta: beta) }
        } else {
            if let bias, beta == 0 {
                // y starts as the bias and the product adds to it: one pass over y fewer than
                // zeroing (what beta = 0 costs OpenBLAS) and adding the bias after.
                Kernels.fillRows(y, bias.pointer)
                BLAS.gemm(x, weights, into: y, beta: 1)
            } else {
                BLAS.gemm(x, weights, into: y, beta: beta)
                if let bias { Kernels.addRow(y, bias.pointer) }
            }
        }
    }
}
