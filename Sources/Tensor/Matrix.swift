/// A dense, row-major Float32 matrix with value semantics.
///
/// Layers keep their parameters, gradients and activation buffers as `Matrix` values sized once;
/// hot loops work on `MatrixPointer` views of them (no copies, no per-step allocation).
public struct Matrix: Equatable, Sendable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    /// rows × cols elements, row by row.
    public var storage: [Float]

    public var count: Int { rows * cols }
    public var shape: [Int] { [rows, cols] }

    /// A zero matrix.
    public init(rows: Int, cols: Int) {
        self.init(rows: rows, cols: cols, repeating: 0)
    }

    public init(rows: Int, cols: Int, repeating value: Float) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        storage = Array(repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(storage.count == rows * cols, "\(storage.count) values for a \(rows)×\(cols) matrix")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// A matrix from nested rows (for tests and small constants).
    public init(_ nested: [[Float]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(rows: nested.count, cols: cols, storage: nested.flatMap { $0 })
    }

    /// Uniform values in [-scale, scale).
    public init(rows: Int, cols: Int, uniform scale: Float, using rng: inout RandomGenerator) {
        self.init(rows: rows, cols: cols)
        for i in storage.indices { storage[i] = rng.nextFloat(in: -scale..<scale) }
    }

    public subscript(row: Int, col: Int) -> Float {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// Changes the shape, keeping the elements (their count must not change).
    public mutating func reshape(rows: Int, cols: Int) {
        precondition(rows * cols == count, "cannot reshape \(self.rows)×\(self.cols) to \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
    }

    /// Resizes to rows × cols, reusing the allocation when it is large enough; contents are zero.
    public mutating func resize(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        if storage.count != rows * cols {
            storage = Array(repeating: 0, count: rows * cols)
        } else {
            zero()
        }
    }

    public mutating func zero() {
        storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Runs `body` with a read-only view of the whole matrix.
    public func withPointer<R>(_ body: (MatrixPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { buffer in
            try body(MatrixPointer(buffer.baseAddress.map { UnsafeMutablePointer(mutating: $0) } ?? Self.empty, rows: rows, cols: cols))
        }
    }

    /// Runs `body` with a writable view of the whole matrix.
    public mutating func withMutablePointer<R>(_ body: (MatrixPointer) throws -> R) rethrows -> R {
        let (rows, cols) = (self.rows, self.cols)
        return try storage.withUnsafeMutableBufferPointer { buffer in
            try body(MatrixPointer(buffer.baseAddress ?? Self.empty, rows: rows, cols: cols))
        }
    }

    /// A stand-in address for empty matrices (never read or written).
    nonisolated(unsafe) private static let empty = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    /// The largest absolute difference to `other` (same shape).
    public func maxAbsDifference(_ other: Matrix) -> Float {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        return zip(storage, other.storage).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}

/// A non-owning view of a row-major block: `rows` × `cols` elements, rows `stride` apart.
///
/// Valid only inside the `withPointer`/`withMutablePointer` call that made it. Views of row
/// ranges and column ranges share the storage, which is how a time step's slice of a batch
/// buffer is handed to BLAS without copying.
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
}
