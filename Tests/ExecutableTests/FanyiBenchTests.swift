import Foundation
import Testing

/// `fanyi-bench` runs: its reports have every part they promise, and bad flags are refused.
/// (Tiny runs: these check what is printed, never how fast anything is.)
@Suite struct FanyiBenchTests {
    static let corpus = ["--corpus", packageRoot + "/corpora/en-zh-lohelp/dev", "--source-lang", "en", "--target-lang", "zh",
                         "--vocab", packageRoot + "/vocab/en-zh-lohelp.json"]

    @Test func trainOnRealBatchesReportsSpeedCeilingMemoryAndProducts() throws {
        let result = try run("fanyi-bench", ["train", "--steps", "2", "--warmup", "0", "--batch-size", "4", "--threads", "2",
                                             "--shards", "1,2"] + Self.corpus, timeout: 300)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("real batches of \(packageRoot)/corpora/en-zh-lohelp/dev (1495 pairs)"), "\(result.stdout)")  // 5 pairs are over the length limit
        for part in ["1 shard (2 threads each): 2 timed steps", "2 shards (1 thread each): 2 timed steps", "target tokens/s",
                     "GEMM ceiling in this run", "of the ceiling", "of CPU time in the kernel", "peak memory", "where the time goes",
                     "BLAS products by time", "gemm "] {
            #expect(result.stdout.contains(part), "no \"\(part)\" in: \(result.stdout)")
        }
    }

    /// Under `mpirun -np 2` the report adds the gradients' all-reduce and, apart from it, the wait
    /// for the slower rank.
    @Test func trainOnTwoRanksReportsTheAllReduceAndTheWait() throws {
        let result = try runMPI(2, "fanyi-bench", ["train", "--steps", "2", "--warmup", "0", "--batch-size", "4", "--threads", "1"]
                                    + Self.corpus, timeout: 300)
        #expect(result.status == 0, "\(result.stderr)")
        for part in ["2 ranks on ", "flops and tokens of all ranks", "× 2 ranks at once", "1 shard (1 thread each): 2 timed steps",
                     "all-reduce of ", "waiting for the slower rank before it: median "] {
            #expect(result.stdout.contains(part), "no \"\(part)\" in: \(result.stdout)")
        }
    }

    /// The shipped model (I8, with a shortlist): its F32 half in Float32, each shortlist group size
    /// against the whole vocabulary, and the report's parts.
    @Test func translateReportsEachPrecisionAndShortlistGroup() throws {
        let result = try run("fanyi-bench", ["translate", "--model", packageRoot + "/models/en-zh-lohelp.safetensors",
                                             "--input", packageRoot + "/corpora/en-zh-lohelp/dev.en", "--sentences", "3",
                                             "--beam-sizes", "2", "--repeats", "1", "--latency-sentences", "1", "--threads", "1",
                                             "--precisions", "F32,I8", "--shortlist-groups", "1,2"], timeout: 300)
        #expect(result.status == 0, "\(result.stderr)")
        for part in ["holds 8-bit weights: F32 below", "F32 weights, markup protection on:", "I8 weights, markup protection on:",
                     "beam 2 with the whole vocabulary:",
                     "beam 2 with the shortlist, 1 sentence(s) per candidate set", "beam 2 with the shortlist, 2 sentence(s) per candidate set",
                     "are the same with and without the shortlist", "sentences/s", "peak memory"] {
            #expect(result.stdout.contains(part), "no \"\(part)\" in: \(result.stdout)")
        }
    }

    @Test(arguments: [
        (["train", "--corpus", "x"], "--corpus needs --source-lang, --target-lang and --vocab"),
        (["train", "--vocab", "x.json"], "go with --corpus"),
        (["train", "--steps", "0"], "--steps must be ≥ 1"),
        (["train", "--threads", "1", "--shards", "1,2"], "--shards takes shard counts from 1 to --threads (1)"),
        (["train", "--shards", "1,x"], "--shards takes shard counts"),
        (["gemm", "--repeats", "0"], "must be ≥ 1"),
        (["translate", "--markup", "on,maybe"], "--markup takes on and off"),
        (["translate", "--shortlist-groups", "1,0"], "--shortlist-groups takes sizes ≥ 1"),
    ])
    func badFlagsAreRefusedByName(arguments: [String], message: String) throws {
        let result = try run("fanyi-bench", arguments, input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func missingCorpusNamesTheFile() throws {
        let result = try run("fanyi-bench", ["train", "--steps", "1", "--corpus", "/nonexistent/corpus", "--source-lang", "en",
                                             "--target-lang", "zh", "--vocab", packageRoot + "/vocab/en-zh-lohelp.json"], input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/corpus"), "\(result.stderr)")
    }

    /// Every shape, every way of running it, and the packed kernel's way where that kernel runs
    /// (AVX-512, which the 8-bit kernel's line also names).
    @Test func gemmReportsEveryShape() throws {
        let result = try run("fanyi-bench", ["gemm", "--repeats", "1", "--threads", "1"], input: "")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("gemm ") }
        #expect(lines.count == 4, "\(result.stdout)")
        let avx512 = result.stdout.contains("8-bit kernel: AVX-512")
        for line in lines {
            let value = line.split(separator: ":").last.flatMap { Double($0.split(separator: " ").first ?? "") }
            #expect((value ?? 0) > 0, "no positive GFLOP/s in: \(line)")
            for part in ["split by Fanyi's pool", "by OpenBLAS's threads", "as one product per thread at once"] {
                #expect(line.contains(part), "no \"\(part)\" in: \(line)")
            }
            #expect(line.contains("through Fanyi's packed kernel") == avx512, "\(line)")
        }
    }
}
