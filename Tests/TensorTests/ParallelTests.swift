import Dispatch
import Synchronization
import Testing
@testable import Tensor

@Suite struct ParallelTests {
    /// Every part runs exactly once, also when parts start nested regions of their own (which
    /// find the pool busy and run on their thread) and when several threads start regions at once.
    /// The counters are plain memory, each written by one part at a time: under ThreadSanitizer
    /// this also checks that the pool orders a part's writes before the run's return.
    @Test func everyPartRunsOnce() {
        Parallel.threads = max(2, Parallel.threads)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4 * 300)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        nonisolated(unsafe) let slots = counts
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<50 {
                Parallel.forEachPart(3) { outer in
                    Parallel.forEachPart(100) { inner in slots[caller * 300 + outer * 100 + inner] += 1 }
                }
            }
        }
        #expect(Array(counts) == Array(repeating: 50, count: 4 * 300))
    }

    @Test func rangesCoverTheCount() {
        Parallel.threads = max(2, Parallel.threads)
        for count in [0, 1, 5, 1000, 100_003] {
            let seen = Mutex<[Range<Int>]>([])
            Parallel.forEachRange(count, minimumPart: 7) { range in seen.withLock { $0.append(range) } }
            let ranges = seen.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
            for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            // mapRanges: the same cover, its results in range order whichever thread ran first.
            let mapped = Parallel.mapRanges(count, minimumPart: 7) { $0 }
            #expect(mapped.first?.lowerBound == 0 && mapped.last?.upperBound == count)
            for (a, b) in zip(mapped, mapped.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        }
    }
}

@Suite struct SplitGemmTests {
    func random(_ rows: Int, _ cols: Int, _ seed: UInt64) -> Matrix {
        var rng = RandomGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, uniform: 1, using: &rng)
    }

    /// A product split by rows (tall c) or by columns (wide c), into parts that do not fall on
    /// 16-float blocks evenly, equals the unsplit product, with strided views and beta.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func splitProductsEqualTheReference(transposeA: Bool, transposeB: Bool) {
        for (m, k, n) in [(70, 9, 20), (20, 9, 70), (5, 33, 300), (33, 33, 33)] {
            // Views do not keep their matrix alive: the matrices are kept here.
            let aBig = transposeA ? random(k + 2, m + 3, 1) : random(m + 3, k + 2, 1)
            let a = transposeA ? aBig.rows(1, k).columns(2, m) : aBig.rows(1, m).columns(2, k)
            let bBig = transposeB ? random(n + 1, k + 4, 2) : random(k + 1, n + 4, 2)
            let b = transposeB ? bBig.rows(1, n).columns(3, k) : bBig.rows(1, k).columns(3, n)
            for parts in [2, 3, 5] {
                let fast = random(m, n + 2, 3), slow = random(m, n + 2, 3)
                BLAS.split(a, transposeA: transposeA, b, transposeB: transposeB, into: fast.columns(1, n), alpha: 0.5, beta: 0.25,
                           parts: parts)
                BLAS.referenceGemm(a, transposeA: transposeA, b, transposeB: transposeB, into: slow.columns(1, n), alpha: 0.5, beta: 0.25)
                #expect(fast.maxAbsDifference(slow) <= 1e-4, "\(m)×\(k)·\(k)×\(n) in \(parts) parts")
            }
            withExtendedLifetime((aBig, bBig)) {}
        }
    }
}
