import Foundation
import Seq2Seq
import Testing

/// `mpirun -np N fanyi-train`: N ranks train one model (Open MPI, data parallel).
@Suite(.serialized) struct DataParallelTests {
    /// Tiny model, no dropout (each rank draws its own masks), clipping on (the norm is global).
    static let arguments = ["--train", "train", "--source-lang", "en", "--target-lang", "zh", "--merges", "100",
                            "--embedding-size", "8", "--encoder-hidden-size", "4", "--decoder-hidden-size", "8",
                            "--dropout", "0", "--clip-norm", "0.5", "--warmup-steps", "0", "--threads", "1", "--log-every", "1"]

    func parameters(_ path: String) throws -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: try ModelFile.load(path).model.parameters.map { ($0.name, $0.value.storage) })
    }

    func largestDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Float {
        #expect(a.keys.sorted() == b.keys.sorted())
        return a.keys.map { name in zip(a[name]!, b[name]!).map { abs($0 - $1) }.max() ?? 0 }.max() ?? .infinity
    }

    /// Two ranks with batches of 4 reach the parameters of one process with batches of 8 over
    /// the same data order: the summed gradient, its global norm and Adam are the same.
    @Test func twoRanksEqualOneProcessWithTheirCombinedBatch() throws {
        let folder = TinyRun.folder
        let two = try runMPI(2, "fanyi-train", Self.arguments + ["--batch-size", "4", "--train-steps", "6", "--output", "dp-two"], in: folder)
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.contains("data-parallel training: 2 ranks on "))
        #expect(two.stderr.contains("1 thread(s) per rank, 2 ranks of 4 pairs a batch"))
        let one = try run("fanyi-train", Self.arguments + ["--batch-size", "8", "--train-steps", "6", "--output", "dp-one"], input: "", in: folder)
        #expect(one.status == 0, "\(one.stderr)")
        // The same losses are reported, step by step.
        let losses = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("step ") }.map { $0.split(separator: " ")[4] } }
        #expect(losses(two.stderr).count == 6 && losses(two.stderr) == losses(one.stderr), "\(two.stderr)\n\(one.stderr)")
        let difference = largestDifference(try parameters(folder + "/dp-two/model.safetensors"),
                                           try parameters(folder + "/dp-one/model.safetensors"))
        #expect(difference < 1e-5, "largest parameter difference \(difference)")
        // Rank 1 wrote nothing: one log, written by rank 0.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/dp-two").filter { $0.hasSuffix(".jsonl") } == ["train.log.jsonl"])
    }

    /// A 2-rank run stopped at step 3 and resumed with the same command ends where an unbroken
    /// 2-rank run ends; one process refuses its checkpoint with the command to use.
    @Test func twoRankCheckpointResumes() throws {
        let folder = TinyRun.folder
        let first = try runMPI(2, "fanyi-train", Self.arguments + ["--batch-size", "4", "--train-steps", "3", "--output", "dp-resume"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        let resumed = try runMPI(2, "fanyi-train", Self.arguments + ["--batch-size", "4", "--train-steps", "6", "--output", "dp-resume"], in: folder)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming from") && resumed.stderr.contains("starting at step 4"), "\(resumed.stderr)")
        let straight = try runMPI(2, "fanyi-train", Self.arguments + ["--batch-size", "4", "--train-steps", "6", "--output", "dp-straight"], in: folder)
        #expect(straight.status == 0, "\(straight.stderr)")
        let difference = largestDifference(try parameters(folder + "/dp-resume/model.safetensors"),
                                           try parameters(folder + "/dp-straight/model.safetensors"))
        #expect(difference < 1e-6, "largest parameter difference \(difference)")
        let alone = try run("fanyi-train", Self.arguments + ["--batch-size", "4", "--train-steps", "8", "--output", "dp-resume"], input: "", in: folder)
        #expect(alone.status != 0)
        #expect(alone.stderr.contains("written by a run of 2 rank(s), resumed with 1") && alone.stderr.contains("mpirun -np 2"), "\(alone.stderr)")
    }

    /// Ranks started with different options end the job with one line naming the option.
    @Test func differentOptionsOnTwoRanksEndTheJob() throws {
        let tool = productsFolder + "/fanyi-train"
        let common = Self.arguments + ["--train-steps", "2", "--output", "dp-mismatch"]
        let result = try runProgram("/usr/bin/mpirun", ["--allow-run-as-root", "--oversubscribe", "-np", "1", tool] + common + ["--batch-size", "4", ":",
                                                        "-np", "1", tool] + common + ["--batch-size", "2"],
                                    in: TinyRun.folder, timeout: 60)
        #expect(result.status != 0)
        #expect(result.stderr.contains("rank 1 was started with other options than rank 0: --batch-size (rank 0: 4, rank 1: 2)"), "\(result.stderr)")
    }

    /// A rank killed mid-run ends the whole job with Open MPI's message, not a hang.
    @Test func aKilledRankEndsTheJob() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
        process.arguments = mpirunArguments(2) + [productsFolder + "/fanyi-train"] + Self.arguments
            + ["--batch-size", "4", "--train-steps", "1000000", "--output", "dp-killed", "--overwrite"]
        process.currentDirectoryURL = URL(fileURLWithPath: TinyRun.folder)
        // A file, not a pipe: nobody reads while it runs, and a full pipe would stall mpirun.
        let errorsPath = TinyRun.folder + "/dp-killed.stderr"
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(-process.processIdentifier, SIGKILL); process.terminate() } }
        // Wait for training to start (the log's first record), then kill rank 1.
        let log = TinyRun.folder + "/dp-killed/train.log.jsonl"
        let start = Date()
        while Date().timeIntervalSince(start) < 60 {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("\"event\":\"train\"") { break }
            usleep(100_000)
        }
        let children = try runProgram("/usr/bin/pgrep", ["-P", "\(process.processIdentifier)", "-f", "fanyi-train"])
        let ranks = children.stdout.split(separator: "\n").compactMap { Int32($0) }
        #expect(ranks.count == 2, "ranks: \(children.stdout)")
        guard let victim = ranks.last else { return }
        kill(victim, SIGKILL)
        let killedAt = Date()
        while process.isRunning && Date().timeIntervalSince(killedAt) < 30 { usleep(100_000) }
        #expect(!process.isRunning, "mpirun still running 30 s after a rank was killed")
        if process.isRunning { return }
        let stderr = try String(contentsOfFile: errorsPath, encoding: .utf8)
        #expect(process.terminationStatus != 0)
        #expect(stderr.contains("exited on signal 9"), "\(stderr)")
    }
}
