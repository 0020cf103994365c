import Tensor

/// The state a recurrent layer carries between steps: h, and c for an LSTM (B × H each).
public struct RecurrentState {
    public var h: MatrixPointer
    public var c: MatrixPointer?

    public init(h: MatrixPointer, c: MatrixPointer? = nil) {
        self.h = h
        self.c = c
    }
}

/// Which recurrent cell a model uses.
public enum CellKind: String, Codable, Sendable, CaseIterable {
    case lstm, gru
}

/// A recurrent layer over a padded, time-major batch (LSTM or GRU): the interface the encoder
/// and decoder use, so either cell fits.
///
/// Shapes: input T·B × I, output T·B × H, states B × H. `mask[t·B + b]` is 0 at padding, where
/// the state is carried unchanged.
public protocol RecurrentLayer: ParameterOwner {
    var inputSize: Int { get }
    var hiddenSize: Int { get }
    /// Runs from the last step to the first.
    var reverse: Bool { get }
    var kind: CellKind { get }
    /// A cache for this layer's `forward`/`backward`, reusable across batches.
    func makeCache() -> AnyObject
    /// Runs over `x` from `initial` (zeros when nil); returns all hidden states (owned by the cache).
    /// Without `forBackward`, the cache may keep only what the output and `finalState` need.
    @discardableResult
    func forward(_ x: MatrixPointer, batch: Int, mask: [Float], initial: RecurrentState?, forBackward: Bool, cache: AnyObject) -> Matrix
    /// The state after the last processed step.
    func finalState(_ cache: AnyObject) -> RecurrentState
    /// Backpropagates; writes the input gradient into `dx` and returns the initial state's
    /// gradient (owned by the cache). Parameter gradients accumulate: the weights' products over
    /// all steps now or left in `jobs` (their operands stay in the cache until the next forward).
    @discardableResult
    func backward(dOutput: MatrixPointer?, dFinal: RecurrentState?, dx: MatrixPointer, cache: AnyObject,
                  jobs: GradientJobs) -> RecurrentState
}

extension RecurrentLayer {
    /// `backward` with every parameter gradient made at once.
    @discardableResult
    public func backward(dOutput: MatrixPointer?, dFinal: RecurrentState? = nil, dx: MatrixPointer, cache: AnyObject) -> RecurrentState {
        backward(dOutput: dOutput, dFinal: dFinal, dx: dx, cache: cache, jobs: .immediate)
    }
}

/// Makes a recurrent layer of `kind`.
public func makeRecurrentLayer(_ kind: CellKind, name: String, inputSize: Int, hiddenSize: Int, reverse: Bool = false,
                               using rng: inout RandomGenerator) -> any RecurrentLayer {
    switch kind {
    case .lstm: return LSTM(name: name, inputSize: inputSize, hiddenSize: hiddenSize, reverse: reverse, using: &rng)
    case .gru: return GRU(name: name, inputSize: inputSize, hiddenSize: hiddenSize, reverse: reverse, using: &rng)
    }
}

/// Steps in processing order, with the step each one starts from (nil: the initial state).
func stepOrder(_ steps: Int, reverse: Bool) -> [(t: Int, previous: Int?)] {
    reverse ? (0..<steps).reversed().map { ($0, $0 + 1 < steps ? $0 + 1 : nil) }
            : (0..<steps).map { ($0, $0 > 0 ? $0 - 1 : nil) }
}

/// `dst += src` over views of one shape.
func addInPlace(_ dst: MatrixPointer, _ src: MatrixPointer) {
    Kernels.add(src, into: dst)
}

/// Adds the bias row `b` (1 × N) to every row of `m` (R × N).
func addBias(_ m: MatrixPointer, _ b: Matrix) {
    precondition(b.count >= m.cols, "bias shape")
    Kernels.addRow(m, b.pointer)
}

/// `db += Σ_rows m` (the gradient of a bias added to every row).
func addColumnSums(_ m: MatrixPointer, into db: Matrix) {
    precondition(db.count >= m.cols, "bias gradient shape")
    Kernels.addColumnSums(m, into: db.pointer)
}
