import Tensor

/// All parameters' values in one contiguous buffer and all gradients in another, in parameter
/// order (llm.c's layout).
///
/// Creating it moves every parameter's value and gradient matrix into the buffers, so layers keep
/// using their `Parameter`s unchanged while the optimizer, gradient clipping and the all-reduce of
/// data-parallel training each make one pass (or one call) over one buffer.
public final class ParameterBuffer {
    public let parameters: [Parameter]
    /// Where each parameter starts in both buffers.
    public let offsets: [Int]
    public let values: FloatBuffer
    public let gradients: FloatBuffer

    /// Number of scalars (the length of both buffers).
    public var count: Int { values.count }

    /// Lays `parameters` out in the buffers: values are kept, gradients start at zero.
    public init(_ parameters: [Parameter]) {
        precondition(Set(parameters.map(ObjectIdentifier.init)).count == parameters.count, "a parameter appears twice")
        self.parameters = parameters
        var offsets: [Int] = []
        var total = 0
        for p in parameters {
            offsets.append(total)
            total += p.value.count
        }
        self.offsets = offsets
        values = FloatBuffer(count: total)
        gradients = FloatBuffer(count: total)
        for (p, offset) in zip(parameters, offsets) {
            p.value.move(to: values, offset: offset)
            // Gradients start at zero in the new buffer (whatever they held): untouched, they take
            // no memory in a model that only translates.
            p.grad.move(to: gradients, offset: offset, keepingElements: false)
        }
    }

    /// Lays out `parameters` (a replica's, in the same order and shapes as `original`'s) with
    /// their values in `original`'s value buffer and gradients of their own: a replica that
    /// always sees the same parameters and accumulates its own gradients (one per thread).
    public init(_ parameters: [Parameter], sharingValuesOf original: ParameterBuffer) {
        precondition(parameters.map(\.value.shape) == original.parameters.map(\.value.shape), "a replica of another model")
        self.parameters = parameters
        offsets = original.offsets
        values = original.values
        gradients = FloatBuffer(count: original.count)
        for (p, offset) in zip(parameters, offsets) {
            p.value.move(to: values, offset: offset, keepingElements: false)
            p.grad.move(to: gradients, offset: offset, keepingElements: false)
        }
    }

    /// Zeroes every gradient, on the pool's threads: 35 MB for the reference model, a pass over
    /// memory that one thread would make while the others wait.
    public func zeroGradients() {
        let g = gradients.pointer
        Parallel.forEachRange(count) { range in (g + range.lowerBound).update(repeating: 0, count: range.count) }
    }
}
