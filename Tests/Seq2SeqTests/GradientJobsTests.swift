import Foundation
import Synchronization
import Testing
import Tensor
@testable import Seq2Seq

@Suite struct GradientJobsTests {
    /// dw (I × O) and db (O) after `dw += xᵀ·dy`, `db += Σ_rows dy`, by plain loops.
    static func expected(x: Matrix, dy: Matrix, dw: Matrix, db: Matrix) -> (dw: [Float], db: [Float]) {
        var w = Array(dw.storage), b = Array(db.storage)
        for i in 0..<x.cols {
            for o in 0..<dy.cols {
                var sum: Float = 0
                for n in 0..<x.rows { sum += x.pointer[n * x.cols + i] * dy.pointer[n * dy.cols + o] }
                w[i * dy.cols + o] += sum
            }
        }
        for o in 0..<dy.cols { for n in 0..<x.rows { b[o] += dy.pointer[n * dy.cols + o] } }
        return (w, b)
    }

    static func worst(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max()! }

    /// At once, or deferred as jobs of 256 columns or more (600 columns: blocks of 200): the
    /// same gradients, and deferred ones change nothing until their jobs run.
    @Test func deferredProductsEqualImmediateOnes() {
        var rng = RandomGenerator(seed: 3)
        let x = randomMatrix(5, 3, &rng), dy = randomMatrix(5, 600, &rng)
        let dw0 = randomMatrix(3, 600, &rng), db0 = randomMatrix(1, 600, &rng)
        let want = Self.expected(x: x, dy: dy, dw: dw0, db: db0)

        let (dw, db) = (dw0.copy(), db0.copy())
        GradientJobs.immediate.addWeightGradient(x: x.view, dy: dy.view, into: dw.view, biasGradient: db.pointer)
        #expect(Self.worst(Array(dw.storage), want.dw) < 1e-5 && Self.worst(Array(db.storage), want.db) < 1e-5)

        let jobs = GradientJobs()
        jobs.deferring = true
        let (ddw, ddb) = (dw0.copy(), db0.copy())
        jobs.reset()
        jobs.start()
        #expect(jobs.isRunning)
        jobs.addWeightGradient(x: x.view, dy: dy.view, into: ddw.view, biasGradient: ddb.pointer)
        #expect(Array(ddw.storage) == Array(dw0.storage) && Array(ddb.storage) == Array(db0.storage))
        // One job: the first 200 columns only.
        jobs.claim()!()
        for i in 0..<3 {
            #expect(ddw.pointer[i * 600 + 199] != dw0.pointer[i * 600 + 199])
            #expect(ddw.pointer[i * 600 + 200] == dw0.pointer[i * 600 + 200])
        }
        jobs.runRemainingAndFinish()
        #expect(!jobs.isRunning && jobs.claim() == nil)
        #expect(Self.worst(Array(ddw.storage), want.dw) < 1e-5 && Self.worst(Array(ddb.storage), want.db) < 1e-5)
        // The next batch starts empty.
        jobs.reset()
        #expect(jobs.claim() == nil && !jobs.isRunning)

        // Wide gradients get wider blocks, at most `maximumJobsPerGradient` jobs: 2,000 columns
        // in four jobs, and two terms (a recurrent weight's) in the same jobs, in order.
        let wide = randomMatrix(5, 2_000, &rng), wideX = randomMatrix(5, 2, &rng), wideDw = Matrix(rows: 2, cols: 2_000)
        jobs.start()
        jobs.addWeightGradient([(wideX.rows(0, 3), wide.rows(0, 3)), (wideX.rows(3, 2), wide.rows(3, 2))], into: wideDw.view)
        var claimed = 0
        while let job = jobs.claim() { job(); claimed += 1 }
        jobs.runRemainingAndFinish()
        #expect(claimed == GradientJobs.maximumJobsPerGradient)
        let wideWant = Self.expected(x: wideX, dy: wide, dw: Matrix(rows: 2, cols: 2_000), db: Matrix(rows: 1, cols: 2_000))
        #expect(Self.worst(Array(wideDw.storage), wideWant.dw) < 1e-5)
    }

    /// An owner publishing jobs while another thread claims them: every job runs exactly once,
    /// on whichever thread took it, and the other thread stops once the owner has finished.
    @Test func everyJobRunsOnceWhileAnotherThreadClaims() {
        let count = 60
        let runs = Mutex([Int](repeating: 0, count: count))
        let jobs = GradientJobs(capacity: count)
        jobs.deferring = true
        for _ in 0..<3 {
            runs.withLock { $0 = [Int](repeating: 0, count: count) }
            jobs.reset()
            let ownerDone = Atomic<Bool>(false)
            DispatchQueue.concurrentPerform(iterations: 2) { thread in
                if thread == 0 {
                    jobs.start()
                    for j in 0..<count {
                        jobs.add { runs.withLock { $0[j] += 1 } }
                        if j % 7 == 0 { usleep(50) }  // the other thread catches up now and then
                    }
                    jobs.runRemainingAndFinish()
                    ownerDone.store(true, ordering: .releasing)
                } else {
                    // As a thread of BatchShards, but first waiting for the owner to start.
                    while !jobs.isRunning && !ownerDone.load(ordering: .acquiring) { usleep(10) }
                    while true {
                        let running = jobs.isRunning
                        if let job = jobs.claim() { job() } else if !running { break }
                    }
                }
            }
            #expect(runs.withLock { $0 } == [Int](repeating: 1, count: count))
            #expect(!jobs.isRunning && jobs.claim() == nil)
        }
    }
}
