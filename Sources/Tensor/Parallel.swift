import CKernels

/// Work split over the threads of one process: matrix products in parts, element-wise passes
/// by ranges of rows or elements.
///
/// The threads are a pool of workers that spin briefly between parallel regions and then sleep
/// (`CKernels/thread_pool.c`), so a step's thousands of short regions cost no system calls.
public enum Parallel {
    /// Threads in a parallel region, the calling thread included.
    public static var threads: Int {
        get { Int(fanyi_pool_threads()) }
        set { fanyi_pool_set_threads(Int32(max(1, newValue))) }
    }

    /// Threads a region started now would get: 1 inside a part of another region or a `serially`
    /// section (nested regions run on the calling thread), else `threads`.
    public static var available: Int { Int(fanyi_pool_available()) }

    /// Runs `body` with every region it starts on the calling thread: for runs of tiny products
    /// (attention's per-sentence products, a few thousand flops each), where handing half of
    /// each to another thread costs more than it saves. Unlike changing `threads`, it is local to
    /// the calling thread, so it is safe while other threads train or translate.
    public static func serially<R>(_ body: () throws -> R) rethrows -> R {
        fanyi_pool_serial(1)
        defer { fanyi_pool_serial(0) }
        return try body()
    }

    /// One turn of a spin-wait on another thread's progress: a pause hint, no system call.
    public static func relax() { fanyi_cpu_relax() }

    /// Calls `body(part)` for every part in 0..<parts, spread over the threads; returns when all
    /// are done. Parts run on the calling thread alone when the pool is busy (a nested region,
    /// or another thread's).
    public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var closure = body
            withUnsafeMutablePointer(to: &closure) { context in
                fanyi_pool_run({ context, part in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
                }, context, Int64(parts))
            }
        }
    }

    /// Calls `body` with contiguous ranges covering 0..<count, one per thread (one range when
    /// there are fewer than `minimumPart` elements a part).
    public static func forEachRange(_ count: Int, minimumPart: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(available, count / max(1, minimumPart)))
        if parts == 1 { return body(0..<count) }
        forEachPart(parts) { part in body((part * count / parts)..<((part + 1) * count / parts)) }
    }

    /// `forEachRange`, keeping each range's result: the results in range order, so that a sum
    /// of them does not depend on which thread finished first.
    public static func mapRanges<T>(_ count: Int, minimumPart: Int = 1 << 16, _ body: (Range<Int>) -> T) -> [T] {
        let parts = max(1, min(available, count / max(1, minimumPart)))
        var results = [T?](repeating: nil, count: parts)
        results.withUnsafeMutableBufferPointer { results in
            forEachPart(parts) { part in results[part] = body((part * count / parts)..<((part + 1) * count / parts)) }
        }
        return results.map { $0! }
    }
}
