import Tensor

/// A trainable tensor with its gradient, under a stable dotted name (`encoder.layers.0.forward.wx`).
///
/// Layers own their parameters; `backward` adds (`+=`) into `grad`, so gradients of a batch
/// accumulate until the optimizer reads and clears them.
public final class Parameter {
    public let name: String
    public let value: Matrix
    public let grad: Matrix

    public init(_ name: String, _ value: Matrix) {
        self.name = name
        self.value = value
        self.grad = Matrix(rows: value.rows, cols: value.cols)
    }

    /// A rows × cols parameter with values uniform in [-scale, scale).
    public convenience init(_ name: String, rows: Int, cols: Int, uniform scale: Float, using rng: inout RandomGenerator) {
        self.init(name, Matrix(rows: rows, cols: cols, uniform: scale, using: &rng))
    }

    public func zeroGrad() { grad.zero() }
}

/// Something that owns parameters.
public protocol ParameterOwner: AnyObject {
    /// All parameters, in a fixed order.
    var parameters: [Parameter] { get }
}
