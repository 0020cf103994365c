import Tensor

/// A trainable tensor with its gradient, under a stable dotted name (`encoder.layers.0.forward.wx`).
///
/// Layers own their parameters; `backward` adds (`+=`) into `grad`, so gradients of a batch
/// accumulate until the optimizer reads and clears them.
public final class Parameter {
    public let name: String
    public let value: Matrix
    public let grad: Matrix
    public let kind: Kind
    /// The 8-bit form of a `.weight`, when the model runs in 8 bits (a model file stored as I8):
    /// `projection` then multiplies with it. `value` holds the same weights dequantized.
    public var quantized: QuantizedMatrix?

    /// What a parameter is, which decides how an 8-bit model file stores it.
    public enum Kind: Sendable {
        /// The right operand of a product x·W (K×N): int8 with a scale per column.
        case weight
        /// An embedding table (V×E) whose rows are looked up: int8 with a scale per row.
        case table
        /// A bias or other single row: always Float32.
        case vector
    }

    /// A parameter; its kind is `.vector` for a single row and `.weight` otherwise unless given.
    public init(_ name: String, _ value: Matrix, kind: Kind? = nil) {
        self.name = name
        self.value = value
        self.grad = Matrix(rows: value.rows, cols: value.cols)
        self.kind = kind ?? (value.rows == 1 ? .vector : .weight)
    }

    /// A rows × cols parameter with values uniform in [-scale, scale).
    public convenience init(_ name: String, rows: Int, cols: Int, uniform scale: Float, kind: Kind? = nil,
                            using rng: inout RandomGenerator) {
        self.init(name, Matrix(rows: rows, cols: cols, uniform: scale, using: &rng), kind: kind)
    }

    /// The weight as the right operand of x·W: in 8 bits when `quantized` is set.
    public var projection: Projection { Projection(weights: value.view, quantized: quantized) }

    public func zeroGrad() { grad.zero() }
}

/// Something that owns parameters.
public protocol ParameterOwner: AnyObject {
    /// All parameters, in a fixed order.
    var parameters: [Parameter] { get }
}
