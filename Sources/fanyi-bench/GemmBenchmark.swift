import ArgumentParser
import CKernels
import Tensor

/// OpenBLAS GEMM speed at the shapes the model uses: the ceiling the training numbers compare with.
struct GemmBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of OpenBLAS sgemm at the model's shapes (the ceiling for training).",
        discussion: "Example: fanyi-bench gemm --threads 2")

    @Option(help: "OpenBLAS threads.")
    var threads = 2

    @Option(help: "Timed repeats per shape (median reported).")
    var repeats = 20

    func validate() throws {
        if threads < 1 || repeats < 1 { throw ValidationError("--threads and --repeats must be ≥ 1") }
    }

    func run() throws {
        BLAS.threads = threads
        var rng = RandomGenerator(seed: 1)
        let shapes: [(String, Int, Int, Int)] = [
            ("LSTM input projection, 1600×256·256×1024", 1600, 256, 1024),
            ("LSTM recurrent step, 64×256·256×1024", 64, 256, 1024),
            ("generator, 1600×256·256×8000", 1600, 256, 8000),
            ("square, 1024³", 1024, 1024, 1024),
        ]
        for (name, m, k, n) in shapes {
            let probe = Probe(m: m, k: k, n: n, using: &rng)
            probe.run()
            let pool = probe.gflops(repeats: repeats)
            let openBLAS = BLAS.withOpenBLASThreads(threads) { probe.gflops(repeats: repeats) }
            let copies = Probe(m: m, k: k, n: n, copies: threads, using: &rng)
            let concurrent = copies.concurrentGflops(repeats: repeats)
            let packed = PackedMatrix.isUseful ? String(format: ", %.1f as one per thread at once through Fanyi's packed kernel (weights packed beforehand)",
                                                        copies.concurrentPackedGflops(repeats: repeats)) : ""
            print(String(format: "gemm %@: %.1f GFLOP/s split by Fanyi's pool, %.1f by OpenBLAS's threads, %.1f as one product per thread at once%@ (%d threads)",
                         name, pool, openBLAS, concurrent, packed, threads))
        }
        // Translation's products (beam 5, one sentence or a batch of 32) in Float32 and in 8 bits,
        // alternated so that both see the same state of a shared machine.
        let translation: [(String, Int, Int, Int)] = [
            ("decoder step, beam 5, 5×256·256×1024", 5, 256, 1024),
            ("generator, beam 5, 5×256·256×9103", 5, 256, 9103),
            ("decoder step, 32 sentences × beam 5, 160×256·256×1024", 160, 256, 1024),
            ("generator, 32 sentences × beam 5, 160×256·256×9103", 160, 256, 9103),
            ("encoder input projection, 1600×256·256×512", 1600, 256, 512),
        ]
        print("8-bit kernel: \(["portable", "AVX2 (vpmaddubsw, 7-bit activations)", "AVX-512 VNNI (vpdpbusd)"][Int(fanyi_i8_gemm_level())])")
        for (name, m, k, n) in translation {
            let probe = Probe(m: m, k: k, n: n, using: &rng)
            let quantized = QuantizedMatrix(quantizing: probe.b.view)
            let i8 = { quantized.multiply(probe.a.view, into: probe.c.view) }
            probe.run()
            i8()
            var f32Seconds: [Double] = [], i8Seconds: [Double] = []
            for _ in 0..<repeats {
                f32Seconds.append(medianSeconds(1) { probe.run() })
                i8Seconds.append(medianSeconds(1) { i8() })
            }
            let flops = 2 * Double(m * k * n)
            let (f32, int8) = (flops / median(f32Seconds) / 1e9, flops / median(i8Seconds) / 1e9)
            print(String(format: "%@: F32 %.1f GFLOP/s, I8 %.1f GOP/s: I8 is %.2f× F32 (%d threads)", name, f32, int8, int8 / f32, threads))
        }
    }

    /// One product's operands kept between measurements, so that a benchmark can time the
    /// ceiling between its own steps and both see the same state of a shared machine.
    struct Probe {
        let a: Matrix, b: Matrix, c: Matrix
        /// One output per thread, for the product run once per thread at once.
        let outputs: [Matrix]
        /// b packed for Fanyi's packed kernel (what training's decoder steps use), when it runs here.
        let packed: PackedMatrix?

        init(m: Int, k: Int, n: Int, copies: Int = 1, using rng: inout RandomGenerator) {
            a = Matrix(rows: m, cols: k, uniform: 1, using: &rng)
            b = Matrix(rows: k, cols: n, uniform: 1, using: &rng)
            c = Matrix(rows: m, cols: n)
            outputs = (0..<max(1, copies)).map { _ in Matrix(rows: m, cols: n) }
            packed = PackedMatrix.isUseful ? PackedMatrix() : nil
            packed?.pack(b.view)
        }

        func run() { BLAS.gemm(a.view, b.view, into: c.view) }

        /// Median GFLOP/s of `repeats` runs.
        func gflops(repeats: Int) -> Double {
            let seconds = medianSeconds(repeats) { run() }
            return 2 * Double(a.rows * a.cols * b.cols) / seconds / 1e9
        }

        /// Median GFLOP/s of the product run on every thread at once, each unsplit (as training
        /// shards run their products), counting every thread's flops.
        func concurrentGflops(repeats: Int) -> Double {
            concurrentGflops(repeats: repeats) { t in BLAS.gemm(a.view, b.view, into: outputs[t].view) }
        }

        /// Median GFLOP/s of the product run on every thread at once through Fanyi's packed kernel
        /// with b packed beforehand (as training packs its weights once per batch); 0 where the
        /// kernel does not run.
        func concurrentPackedGflops(repeats: Int) -> Double {
            guard let packed else { return 0 }
            return concurrentGflops(repeats: repeats) { t in BLAS.gemm(a.view, packed: packed, into: outputs[t].view) }
        }

        /// Median GFLOP/s of `product(t)` (thread t's product into `outputs[t]`) run on every
        /// thread at once, counting every thread's flops.
        private func concurrentGflops(repeats: Int, _ product: (Int) -> Void) -> Double {
            let seconds = medianSeconds(repeats) { Parallel.forEachPart(outputs.count, product) }
            return 2 * Double(a.rows * a.cols * b.cols * outputs.count) / seconds / 1e9
        }

        /// The best of the product split by Fanyi's pool, split by OpenBLAS's own `threads`
        /// threads, run once per thread at once, and run once per thread at once through Fanyi's
        /// packed kernel: the machine's ceiling, whichever way gets there. Since its kernel
        /// computes this shape faster than OpenBLAS (2026-12-01), a ceiling of OpenBLAS alone would
        /// flatter training's share of it.
        func ceiling(repeats: Int, threads: Int) -> Double {
            max(gflops(repeats: repeats), BLAS.withOpenBLASThreads(threads) { gflops(repeats: repeats) },
                outputs.count > 1 ? concurrentGflops(repeats: repeats) : 0, concurrentPackedGflops(repeats: repeats))
        }
    }
}
