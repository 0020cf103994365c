import Synchronization
import Tensor

// Shapes: N rows (a batch's positions), I input size, O output size.

/// Weight-gradient products that a shard's backward leaves for any thread to run: a thread that
/// finished its own shard takes them from a shard still running, instead of waiting for it.
///
/// A job writes gradients that nothing else in the batch writes and reads operands that stay
/// unchanged until the next batch, so which thread runs it, and when, changes nothing: the
/// shard's gradients come out the same. When not `deferring` (one shard, search, tests),
/// `addWeightGradient` runs the products at once.
///
/// Per batch: `reset` (no thread claiming), then the owner says `start`, adds jobs while its
/// backward goes on (publishing each), and runs what nobody took (`runRemainingAndFinish`).
/// Other threads claim jobs meanwhile, and wait for a shard only while it `isRunning`: parts
/// that run one after another on one thread (a busy pool) must not wait for one not started.
public final class GradientJobs: @unchecked Sendable {
    /// Whether `add` leaves its jobs to be claimed (else it runs them at once).
    public var deferring = false
    /// Written by the owner while other threads read published slots: raw memory, not an Array
    /// (whose storage a write may check for uniqueness or copy).
    private let jobs: UnsafeMutablePointer<(() -> Void)?>
    private let capacity: Int
    private let published = Atomic<Int>(0)
    private let claimed = Atomic<Int>(0)
    /// 0 before `start`, 1 running, 2 finished.
    private let state = Atomic<Int>(0)

    /// Columns per job, at least: a 768 × 1,024 weight gradient is four jobs of 1–2 ms, small
    /// enough for a thread that finished first to share the last ones.
    static let blockColumns = 256
    /// Jobs per weight gradient, at most (wider ones get wider blocks).
    public static let maximumJobsPerGradient = 4

    /// Runs every product at once: for callers with no other thread to hand them to.
    public static let immediate = GradientJobs(capacity: 0)

    /// Room for `capacity` jobs a batch (at most `maximumJobsPerGradient` per weight).
    public init(capacity: Int = 64) {
        self.capacity = capacity
        jobs = .allocate(capacity: capacity)
        jobs.initialize(repeating: nil, count: capacity)
    }

    deinit {
        jobs.deinitialize(count: capacity)
        jobs.deallocate()
    }

    /// Forgets the last batch's jobs (all of them claimed and run).
    public func reset() {
        for i in 0..<published.load(ordering: .relaxed) { jobs[i] = nil }
        published.store(0, ordering: .relaxed)
        claimed.store(0, ordering: .relaxed)
        state.store(0, ordering: .releasing)
    }

    /// The owner's batch has begun (other threads may wait for its jobs).
    public func start() { state.store(1, ordering: .releasing) }

    /// `dw += xᵀ·dy` (I × O) and, with `biasGradient` (O floats), `db += Σ_rows dy`, for x (N × I)
    /// and dy (N × O): at once, or as jobs of column blocks of dw (see the multi-term form).
    public func addWeightGradient(x: MatrixPointer, dy: MatrixPointer, into dw: MatrixPointer,
                                  biasGradient db: UnsafeMutablePointer<Float>?) {
        addWeightGradient([(x, dy)], into: dw, biasGradient: db)
    }

    /// `dw += Σ_terms xᵀ·dy`, in term order, and with `biasGradient`, `db += Σ_terms Σ_rows dy`:
    /// a gradient made of several products (a recurrent weight's: the steps that start from
    /// another step, and the first). Deferred, it is cut into column blocks of at least
    /// `blockColumns` and at most `maximumJobsPerGradient` blocks, a job each.
    public func addWeightGradient(_ terms: [(x: MatrixPointer, dy: MatrixPointer)], into dw: MatrixPointer,
                                  biasGradient db: UnsafeMutablePointer<Float>? = nil) {
        for (x, dy) in terms {
            precondition(x.rows == dy.rows && dw.rows == x.cols && dw.cols == dy.cols, "weight gradient shapes")
        }
        func accumulate(columns first: Int, _ width: Int) {
            let dwBlock = dw.columns(first, width)
            for (x, dy) in terms {
                let dyBlock = dy.columns(first, width)
                BLAS.gemm(x, transposeA: true, dyBlock, into: dwBlock, beta: 1)
                if let db { Kernels.addColumnSums(dyBlock, into: db + first) }
            }
        }
        guard deferring else { return accumulate(columns: 0, dw.cols) }
        let blocks = min(Self.maximumJobsPerGradient, (dw.cols + Self.blockColumns - 1) / Self.blockColumns)
        let block = (dw.cols + blocks - 1) / blocks
        for first in stride(from: 0, to: dw.cols, by: block) {
            let width = min(block, dw.cols - first)
            add { accumulate(columns: first, width) }
        }
    }

    /// Publishes a job (owner only).
    func add(_ job: @escaping () -> Void) {
        let count = published.load(ordering: .relaxed)
        precondition(count < capacity, "more than \(capacity) gradient jobs in a batch")
        jobs[count] = job
        published.store(count + 1, ordering: .releasing)
    }

    /// Takes the next published job nobody has taken, if any (any thread).
    public func claim() -> (() -> Void)? {
        while true {
            let next = claimed.load(ordering: .relaxed)
            guard next < published.load(ordering: .acquiring) else { return nil }
            if claimed.compareExchange(expected: next, desired: next + 1, ordering: .acquiringAndReleasing).exchanged {
                return jobs[next]
            }
        }
    }

    /// Runs the jobs nobody has taken, then marks the batch finished (owner only): after it,
    /// `claim` finds nothing, but a job another thread took may still be running: the gradients
    /// are complete once that thread is done too.
    public func runRemainingAndFinish() {
        while let job = claim() { job() }
        state.store(2, ordering: .releasing)
    }

    /// Whether the owner has started and not finished: jobs may still be published.
    public var isRunning: Bool { state.load(ordering: .acquiring) == 1 }
}
