#if canImport(Glibc)
import Glibc
#endif
/// A dense, row-major Float32 matrix that owns its memory (reference semantics, like a tensor).
///
/// Its buffer has a stable address, so hot loops take `MatrixPointer` views (`view`, `rows`,
/// `columns`) without closures or copies. Layers size their activation matrices once with
/// `prepare`, which reallocates only when the needed size exceeds the capacity. Use `copy()` for
/// an independent matrix.
public final class Matrix: Equatable, CustomStringConvertible, @unchecked Sendable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    public private(set) var pointer: UnsafeMutablePointer<Float>
    private var capacity: Int
    /// Keeps the storage alive when this matrix lives inside a shared buffer (nil: owns `pointer`).
    private var storageOwner: FloatBuffer?

    public var count: Int { rows * cols }
    public var shape: [Int] { [rows, cols] }

    /// A zero matrix.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        capacity = max(rows * cols, 1)
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    public convenience init(rows: Int, cols: Int, repeating value: Float) {
        self.init(rows: rows, cols: cols)
        pointer.update(repeating: value, count: rows * cols)
    }

    public convenience init(rows: Int, cols: Int, storage: [Float]) {
        precondition(storage.count == rows * cols, "\(storage.count) values for a \(rows)×\(cols) matrix")
        self.init(rows: rows, cols: cols)
        storage.withUnsafeBufferPointer { if let base = $0.baseAddress { pointer.update(from: base, count: $0.count) } }
    }

    /// A matrix from nested rows (for tests and small constants).
    public convenience init(_ nested: [[Float]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(rows: nested.count, cols: cols, storage: nested.flatMap { $0 })
    }

    /// Values uniform in [-scale, scale).
    public convenience init(rows: Int, cols: Int, uniform scale: Float, using rng: inout RandomGenerator) {
        self.init(rows: rows, cols: cols)
        for i in 0..<count { pointer[i] = rng.nextFloat(in: -scale..<scale) }
    }

    /// A rows × cols matrix over `count` elements of `buffer` from `offset` on, which it keeps alive.
    public init(rows: Int, cols: Int, in buffer: FloatBuffer, offset: Int) {
        precondition(rows >= 0 && cols >= 0 && offset >= 0 && offset + rows * cols <= buffer.count,
                     "\(rows)×\(cols) at \(offset) does not fit a buffer of \(buffer.count)")
        self.rows = rows
        self.cols = cols
        capacity = rows * cols
        pointer = buffer.pointer + offset
        storageOwner = buffer
    }

    deinit { if storageOwner == nil { pointer.deallocate() } }

    /// Moves the elements into `buffer` at `offset` and lives there from now on; views taken
    /// before are invalid. Used to lay all parameters out in one buffer. With `keepingElements`
    /// false the matrix takes the buffer's elements instead of copying its own (zeros, for a new
    /// buffer), so that pages nobody writes (gradients of a model that only translates) never
    /// become resident.
    public func move(to buffer: FloatBuffer, offset: Int, keepingElements: Bool = true) {
        precondition(offset >= 0 && offset + count <= buffer.count, "\(shape) at \(offset) does not fit a buffer of \(buffer.count)")
        if keepingElements { (buffer.pointer + offset).update(from: pointer, count: count) }
        if storageOwner == nil { pointer.deallocate() }
        pointer = buffer.pointer + offset
        capacity = count
        storageOwner = buffer
    }

    /// An independent copy.
    public func copy() -> Matrix {
        let m = Matrix(rows: rows, cols: cols)
        m.pointer.update(from: pointer, count: count)
        return m
    }

    /// The elements, row by row.
    public var storage: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public subscript(row: Int, col: Int) -> Float {
        get { pointer[row * cols + col] }
        set { pointer[row * cols + col] = newValue }
    }

    /// The whole matrix as a view.
    public var view: MatrixPointer { MatrixPointer(pointer, rows: rows, cols: cols) }

    /// Rows `start ..< start + count` as a view.
    public func rows(_ start: Int, _ count: Int) -> MatrixPointer { view.rows(start, count) }

    /// Columns `start ..< start + count` as a view.
    public func columns(_ start: Int, _ count: Int) -> MatrixPointer { view.columns(start, count) }

    /// Changes the shape, keeping the elements (their count must not change).
    public func reshape(rows: Int, cols: Int) {
        precondition(rows * cols == count, "cannot reshape \(self.rows)×\(self.cols) to \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
    }

    /// Makes this a zero rows × cols matrix, reallocating only when it needs more room.
    public func prepare(rows: Int, cols: Int) {
        prepareUninitialized(rows: rows, cols: cols)
        zero()
    }

    /// Makes this a rows × cols matrix whose elements are left as they were (old values or
    /// garbage), for a buffer that is about to be overwritten whole (a GEMM with beta = 0, a
    /// kernel that writes every element): zeroing it first would be a wasted pass over memory.
    public func prepareUninitialized(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape \(rows)×\(cols)")
        if rows * cols > capacity {
            precondition(storageOwner == nil, "a matrix inside a shared buffer cannot grow (\(shape) → [\(rows), \(cols)])")
            pointer.deallocate()
            capacity = rows * cols
            pointer = .allocate(capacity: capacity)
        }
        self.rows = rows
        self.cols = cols
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Copies the elements of `other` (same element count).
    public func assign(_ other: Matrix) {
        precondition(other.count == count, "assigning \(other.shape) to \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    /// The largest absolute difference to `other` (same shape).
    public func maxAbsDifference(_ other: Matrix) -> Float {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var worst: Float = 0
        for i in 0..<count { worst = max(worst, abs(pointer[i] - other.pointer[i])) }
        return worst
    }

    public static func == (a: Matrix, b: Matrix) -> Bool {
        a.shape == b.shape && (0..<a.count).allSatisfy { a.pointer[$0] == b.pointer[$0] }
    }

    public var description: String { "Matrix(\(rows)×\(cols))" }
}

/// Float32 storage shared by several matrices (e.g. all parameters in parameter order), zeroed.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0, "negative buffer size \(count)")
        self.count = count
        // calloc: large buffers come as fresh zero pages that cost no memory until written.
        guard let zeroed = calloc(max(count, 1), MemoryLayout<Float>.stride) else {
            fatalError("out of memory allocating \(count) floats")
        }
        pointer = zeroed.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}

/// A non-owning view of a row-major block: `rows` × `cols` elements, rows `stride` apart.
///
/// Valid while the matrix it came from is alive and not re-prepared. Views of row ranges and
/// column ranges share the storage, which is how a time step's slice of a batch buffer goes to
/// BLAS without copying.
public struct MatrixPointer {
    public let base: UnsafeMutablePointer<Float>
    public let rows: Int
    public let cols: Int
    /// Elements between the starts of consecutive rows (≥ cols).
    public let stride: Int

    public init(_ base: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil) {
        self.base = base
        self.rows = rows
        self.cols = cols
        self.stride = stride ?? cols
        precondition(self.stride >= cols || rows <= 1, "stride \(self.stride) < cols \(cols)")
    }

    public var isContiguous: Bool { stride == cols || rows <= 1 }

    /// Rows `start ..< start + count`.
    public func rows(_ start: Int, _ count: Int) -> MatrixPointer {
        precondition(start >= 0 && count >= 0 && start + count <= rows, "rows \(start)..<\(start + count) of \(rows)")
        return MatrixPointer(base + start * stride, rows: count, cols: cols, stride: stride)
    }

    /// Columns `start ..< start + count` of every row.
    public func columns(_ start: Int, _ count: Int) -> MatrixPointer {
        precondition(start >= 0 && count >= 0 && start + count <= cols, "columns \(start)..<\(start + count) of \(cols)")
        return MatrixPointer(base + start, rows: rows, cols: count, stride: stride)
    }

    /// The same elements seen as `rows` × `cols` (contiguous views only).
    public func reshaped(rows: Int, cols: Int) -> MatrixPointer {
        precondition(isContiguous && rows * cols == self.rows * self.cols, "cannot reshape this view")
        return MatrixPointer(base, rows: rows, cols: cols)
    }

    public subscript(row: Int, col: Int) -> Float {
        get { base[row * stride + col] }
        nonmutating set { base[row * stride + col] = newValue }
    }

    /// Row `row` as a buffer.
    public func row(_ row: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base + row * stride, count: cols)
    }

    /// Copies `source` (same shape) into this view.
    public func assign(_ source: MatrixPointer) {
        precondition(source.rows == rows && source.cols == cols, "copying \(source.rows)×\(source.cols) into \(rows)×\(cols)")
        for r in 0..<rows { (base + r * stride).update(from: source.base + r * source.stride, count: cols) }
    }
}
