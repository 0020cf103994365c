import Dispatch

/// Splitting element-wise work over long buffers between threads.
public enum Parallel {
    /// Threads for element-wise passes over long buffers (the optimizer, the gradient norm):
    /// the same as BLAS uses, since those passes run between products, when its threads sleep.
    nonisolated(unsafe) public static var threads = 1

    /// Calls `body` with `parts` contiguous ranges covering 0..<count, each on its own thread
    /// (one part, or fewer than `minimumPart` elements a part: on the calling thread).
    public static func forEachRange(_ count: Int, minimumPart: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(threads, count / max(1, minimumPart)))
        if parts == 1 { return body(0..<count) }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                body((part * count / parts)..<((part + 1) * count / parts))
            }
        }
    }
}
