import Foundation
import Seq2Seq
import Testing
import Tokenization

/// A tiny corpus and a model trained on it by fanyi-train, made once for these tests.
enum TinyRun {
    static let folder: String = {
        let folder = try! temporaryFolder()
        for language in ["en", "zh"] {
            let lines = try! String(contentsOfFile: "\(packageRoot)/corpora/en-zh-lohelp/train.\(language)", encoding: .utf8)
                .split(separator: "\n").prefix(80)
            try! (lines.prefix(60).joined(separator: "\n") + "\n").write(toFile: "\(folder)/train.\(language)", atomically: true, encoding: .utf8)
            try! (lines.dropFirst(60).joined(separator: "\n") + "\n").write(toFile: "\(folder)/dev.\(language)", atomically: true, encoding: .utf8)
        }
        return folder
    }()

    static let trainArguments = ["--train", "train", "--valid", "dev", "--source-lang", "en", "--target-lang", "zh",
                                 "--merges", "100", "--embedding-size", "8", "--encoder-hidden-size", "4",
                                 "--decoder-hidden-size", "8", "--batch-size", "8", "--threads", "1", "--log-every", "2"]

    /// Trains 12 steps into `folder`/run once; returns the model path.
    static let model: String = {
        let result = try! run("fanyi-train", trainArguments + ["--output", "run", "--train-steps", "12", "--valid-steps", "6"],
                              input: "", in: folder)
        precondition(result.status == 0, result.stderr)
        return folder + "/run/model.safetensors"
    }()
}

@Suite(.serialized) struct FanyiTrainTests {
    @Test func trainsWritesLogAndResumes() throws {
        let model = TinyRun.model
        #expect(FileManager.default.fileExists(atPath: model))
        let log = try String(contentsOfFile: TinyRun.folder + "/run/train.log.jsonl", encoding: .utf8)
        let records = log.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(records.contains { $0["event"] as? String == "train" && $0["loss"] != nil && $0["target_tokens_per_second"] != nil })
        #expect(records.filter { $0["event"] as? String == "validation" }.count == 2)
        // The same command with a higher limit resumes from the checkpoint.
        let again = try run("fanyi-train", TinyRun.trainArguments + ["--output", "run", "--train-steps", "18", "--valid-steps", "6"],
                            input: "", in: TinyRun.folder)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("resuming from"))
        #expect(again.stderr.contains("step 18/18  epoch "))
        // Each validation shows the first dev sentence, its reference and its translation.
        let dev = try String(contentsOfFile: TinyRun.folder + "/dev.en", encoding: .utf8).split(separator: "\n")[0]
        #expect(again.stderr.contains("\n  source:     \(dev)\n  reference:  ") && again.stderr.contains("\n  hypothesis: "))
        #expect(again.stderr.contains("finished (--train-steps or --epochs reached) after 18 steps"))
        // The end says how much memory and kernel time the run took, on screen and in the log.
        #expect(again.stderr.contains("\npeak memory ") && again.stderr.contains(" % of CPU time in the kernel\n"), "\(again.stderr)")
        let end = try String(contentsOfFile: TinyRun.folder + "/run/train.log.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .last { $0["event"] as? String == "end" }
        #expect((end?["peak_rss_bytes"] as? Int ?? 0) > 1 << 20 && end?["system_cpu_percent"] is Double)
        #expect(again.stderr.contains("next: translate with `fanyi-translate --model run/model.safetensors < FILE`"))
        // The effective configuration is YAML with the numbers as typed.
        #expect(again.stderr.contains("\n  dropout: 0.2\n") && again.stderr.contains("\n  learning-rate: 0.002\n"), "\(again.stderr)")
    }

    /// A newest checkpoint cut short (a full disk, a copy interrupted) is reported and passed over:
    /// the run resumes from the one before; a temporary file left by a killed write is removed.
    @Test func aDamagedNewestCheckpointFallsBackToThePreviousOne() throws {
        let arguments = TinyRun.trainArguments + ["--output", "damaged", "--checkpoint-steps", "2", "--keep-checkpoints", "3", "--quiet"]
        let first = try run("fanyi-train", arguments + ["--train-steps", "4", "--valid-steps", "100"], input: "", in: TinyRun.folder)
        #expect(first.status == 0, "\(first.stderr)")
        let folder = TinyRun.folder + "/damaged"
        let newest = folder + "/checkpoint-00000004.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: newest))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: newest))
        try Data("partial".utf8).write(to: URL(fileURLWithPath: folder + "/checkpoint-00000006.safetensors.tmp-4242"))
        let again = try run("fanyi-train", arguments + ["--train-steps", "6", "--valid-steps", "100"], input: "", in: TinyRun.folder)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("warning: resuming from the newest checkpoint that reads whole, damaged/checkpoint-00000002.safetensors; passed over: damaged/checkpoint-00000004.safetensors ("),
                "\(again.stderr)")
        #expect(again.stderr.contains("after 6 steps"), "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/checkpoint-00000006.safetensors.tmp-4242"))
        // When no checkpoint reads, the error names them and the way out.
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) where file.hasPrefix("checkpoint-") {
            try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/" + file))
        }
        let none = try run("fanyi-train", arguments + ["--train-steps", "8", "--valid-steps", "100"], input: "", in: TinyRun.folder)
        #expect(none.status != 0 && none.stderr.contains("no checkpoint in damaged reads whole") && none.stderr.contains("--overwrite"),
                "\(none.stderr)")
    }

    /// A run resumes from another working folder when its relative paths name the same files,
    /// and is refused when they name other files.
    @Test func resumesFromAnotherFolder() throws {
        let folder = TinyRun.folder, name = URL(fileURLWithPath: folder).lastPathComponent
        let first = try run("fanyi-train", TinyRun.trainArguments + ["--output", "moved", "--train-steps", "2"], input: "", in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        var arguments = TinyRun.trainArguments
        for flag in ["--train", "--valid"] {
            let i = try #require(arguments.firstIndex(of: flag))
            arguments[i + 1] = name + "/" + arguments[i + 1]
        }
        let parent = URL(fileURLWithPath: folder).deletingLastPathComponent().path
        let again = try run("fanyi-train", arguments + ["--output", name + "/moved", "--train-steps", "3"], input: "", in: parent)
        #expect(again.status == 0 && again.stderr.contains("resuming from"), "\(again.stderr)")
        try FileManager.default.createDirectory(atPath: folder + "/other", withIntermediateDirectories: true)
        for file in ["train.en", "train.zh", "dev.en", "dev.zh"] {
            try FileManager.default.copyItem(atPath: "\(folder)/\(file)", toPath: "\(folder)/other/\(file)")
        }
        let other = try run("fanyi-train", TinyRun.trainArguments + ["--output", "../moved", "--train-steps", "4"],
                            input: "", in: folder + "/other")
        #expect(other.status != 0 && other.stderr.contains("was trained with --train = \(folder)/train"), "\(other.stderr)")
    }

    @Test func yamlConfigWithFlagsOverriding() throws {
        let folder = TinyRun.folder
        try """
        train: train
        valid: dev
        source-lang: en
        target-lang: zh
        merges: 100
        embedding-size: 8
        encoder-hidden-size: 4
        decoder-hidden-size: 8
        batch-size: 8
        threads: 1
        train-steps: 100
        """.write(toFile: folder + "/run.yaml", atomically: true, encoding: .utf8)
        let result = try run("fanyi-train", ["--config", "run.yaml", "--train-steps", "3", "--output", "yaml-run", "--quiet"],
                             input: "", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("finished (--train-steps or --epochs reached) after 3 steps"), "\(result.stderr)")
        try "bogus-option: 1\n".write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try run("fanyi-train", ["--config", "bad.yaml"], input: "", in: folder)
        #expect(bad.status != 0 && bad.stderr.contains("bad.yaml:1: unknown option 'bogus-option'; the options are the flags"), "\(bad.stderr)")
        try "train: train\n# rate\nlearning_rate: 0.01\n".write(toFile: folder + "/slip.yaml", atomically: true, encoding: .utf8)
        let slip = try run("fanyi-train", ["--config", "slip.yaml"], input: "", in: folder)
        #expect(slip.status != 0 && slip.stderr.contains("slip.yaml:3: unknown option 'learning_rate'; did you mean 'learning-rate'?"), "\(slip.stderr)")
        try "dropout: high\n".write(toFile: folder + "/typed.yaml", atomically: true, encoding: .utf8)
        let typed = try run("fanyi-train", ["--config", "typed.yaml"], input: "", in: folder)
        #expect(typed.status != 0 && typed.stderr.contains("typed.yaml: 'dropout' needs a number"), "\(typed.stderr)")
    }

    @Test func interruptWritesACheckpointAndExitsZero() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: productsFolder + "/fanyi-train")
        process.arguments = TinyRun.trainArguments + ["--output", "interrupted", "--train-steps", "1000000", "--valid-steps", "100000"]
        process.currentDirectoryURL = URL(fileURLWithPath: TinyRun.folder)
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        // Drain stderr on another thread (a full pipe would block the child); interrupt once the
        // second step has been reported.
        let started = DispatchSemaphore(value: 0), drained = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var text = ""
        DispatchQueue.global().async {
            var signalled = false
            while true {
                let chunk = stderr.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
                if !signalled && text.contains("step 2/") { signalled = true; started.signal() }
            }
            if !signalled { started.signal() }
            drained.signal()
        }
        #expect(started.wait(timeout: .now() + 60) == .success)
        process.interrupt()
        #expect(drained.wait(timeout: .now() + 60) == .success, "fanyi-train did not stop after SIGINT")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("interrupted (run the same command again to resume) after"), "\(text.suffix(500))")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: TinyRun.folder + "/interrupted").filter { $0.hasPrefix("checkpoint-") }
        #expect(checkpoints.count == 1)
        // Interrupted before the first validation: the summary says so, names the checkpoint (there
        // is no model file yet), and the next command it suggests works.
        #expect(text.contains("not validated yet (the first validation comes at step 100000)"), "\(text.suffix(600))")
        #expect(!text.contains("no validation (no --valid)") && !text.contains("; model: "), "\(text.suffix(600))")
        let checkpoint = "interrupted/" + (checkpoints.first ?? "")
        #expect(text.contains("no model file yet, checkpoint: interrupted/checkpoint-"), "\(text.suffix(600))")
        let suggested = "fanyi-train export \(checkpoint) --output interrupted/model.safetensors"
        #expect(text.contains(suggested), "\(text.suffix(600))")
        let exported = try run("fanyi-train", ["export", checkpoint, "--output", "interrupted/model.safetensors"], input: "", in: TinyRun.folder)
        #expect(exported.status == 0, "\(exported.stderr)")
    }

    /// The summary of a run with --valid that validated, and of one without --valid, each true.
    @Test func summaryIsTrueWithAndWithoutValidation() throws {
        let validated = try run("fanyi-train", TinyRun.trainArguments + ["--output", "summary-valid", "--train-steps", "4", "--valid-steps", "2", "--quiet"],
                                input: "", in: TinyRun.folder)
        #expect(validated.status == 0, "\(validated.stderr)")
        #expect(validated.stderr.contains("best ") && validated.stderr.contains("model: summary-valid/model.safetensors"), "\(validated.stderr)")
        // Validated at steps 2 and 4: no third validation at the end.
        let log = try String(contentsOfFile: TinyRun.folder + "/summary-valid/train.log.jsonl", encoding: .utf8)
        #expect(log.components(separatedBy: "\"event\":\"validation\"").count - 1 == 2, "\(log)")
        var arguments = TinyRun.trainArguments
        if let i = arguments.firstIndex(of: "--valid") { arguments.removeSubrange(i...(i + 1)) }
        let plain = try run("fanyi-train", arguments + ["--output", "summary-plain", "--train-steps", "2", "--quiet"], input: "", in: TinyRun.folder)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stderr.contains("no validation (no --valid); model: summary-plain/model.safetensors"), "\(plain.stderr)")
    }

    @Test(arguments: [
        ([] as [String], "--train PREFIX is required"),
        (["--train", "train", "--source-lang", "en", "--target-lang", "zh", "--output", "o", "--batch-size", "0"], "--batch-size must be ≥ 1"),
        (["--train", "train", "--source-lang", "en", "--target-lang", "zh", "--output", "o", "--valid-examples=-1"], "--valid-examples must be ≥ 0"),
        (["export", "run/model.safetensors", "--output", "x", "--shortlist", "train", "--shortlist-size", "0"], "--shortlist-size must be ≥ 1"),
        (["export", "run/model.safetensors", "--output", "x", "--shortlist", "train", "--shortlist-frequent=-1"], "--shortlist-frequent must be ≥ 0"),
        (["--train", "train", "--source-lang", "en", "--target-lang", "zh", "--output", "o", "--attention", "dot", "--encoder-hidden-size", "3"], "--attention dot needs"),
        (["--train", "missing", "--source-lang", "en", "--target-lang", "zh", "--output", "o"], "missing.en: no such file. --train takes a prefix"),
        (["--train", "train", "--source-lang", "en", "--target-lang", "de", "--output", "o"], "this prefix has the languages en, zh"),
        (["--train", "train", "--source-lang", "en", "--target-lang", "zh", "--output", "o", "--vocab", "v.json"], "v.json: no such file"),
    ])
    func badRunsFailWithAMessage(arguments: [String], message: String) throws {
        let result = try run("fanyi-train", arguments, input: "", in: TinyRun.folder)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func plotsTheLogAsSVG() throws {
        _ = TinyRun.model
        let result = try run("fanyi-train", ["plot", "run/train.log.jsonl", "--svg", "curve.svg"], input: "", in: TinyRun.folder)
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOfFile: TinyRun.folder + "/curve.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("validation BLEU") && svg.contains("<polyline"))
    }

    /// A run shorter than --log-every still logs its loss (at its last step) and the plot shows it.
    @Test func aShortRunHasALossToPlot() throws {
        var arguments = TinyRun.trainArguments
        if let i = arguments.firstIndex(of: "--log-every") { arguments.removeSubrange(i...(i + 1)) }  // the default, 100
        let result = try run("fanyi-train", arguments + ["--output", "short", "--train-steps", "3", "--valid-steps", "1000", "--quiet"],
                             input: "", in: TinyRun.folder)
        #expect(result.status == 0, "\(result.stderr)")
        let log = try String(contentsOfFile: TinyRun.folder + "/short/train.log.jsonl", encoding: .utf8)
        #expect(log.contains("\"event\":\"train\"") && log.contains("\"step\":3"), "\(log)")
        let plot = try run("fanyi-train", ["plot", "short/train.log.jsonl", "--svg", "short.svg"], input: "", in: TinyRun.folder)
        #expect(plot.status == 0, "\(plot.stderr)")
        let svg = try String(contentsOfFile: TinyRun.folder + "/short.svg", encoding: .utf8)
        #expect(svg.contains("fill=\"#1f77b4\"/>"), "the lone loss point is drawn as a dot: \(svg)")
    }

    /// A 30-minute log gets round ticks (0, 5, …, 30 minutes), and when a fresh run was appended
    /// to an old log only the newest run is drawn.
    @Test func plotUsesRoundTicksAndTheNewestRun() throws {
        let folder = try temporaryFolder()
        func records(steps: ClosedRange<Int>, loss: Double) -> [String] {
            steps.map { step in
                "{\"event\":\"train\",\"loss\":\(loss - Double(step) / 100),\"seconds\":\(Double(step) * 18.005),\"step\":\(step * 100)}"
            } + ["{\"bleu\":46.44,\"event\":\"validation\",\"seconds\":\(Double(steps.upperBound) * 18.005),\"step\":\(steps.upperBound * 100)}"]
        }
        let old = records(steps: 1...50, loss: 9), new = records(steps: 1...100, loss: 8)
        try (old + new).joined(separator: "\n").write(toFile: folder + "/train.log.jsonl", atomically: true, encoding: .utf8)
        let result = try run("fanyi-train", ["plot", "train.log.jsonl"], input: "", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOfFile: folder + "/curve.svg", encoding: .utf8)
        for tick in [">0</text>", ">5</text>", ">25</text>", ">30</text>", ">8</text>", ">50</text>"] {
            #expect(svg.contains(tick), "no tick \(tick)")
        }
        #expect(!svg.contains(">35</text>") && !svg.contains(">2.50</text>"))
        #expect(svg.contains("best 46.44 at 30.0 min") && svg.contains("last 7.000"))
        let loss = try #require(svg.split(separator: "\n").first { $0.contains("<polyline") && $0.contains("#1f77b4") })
        #expect(loss.split(separator: " ").filter { $0.contains(",") }.count == 100, "the old run's 50 points were drawn too")
    }
}

@Suite(.serialized) struct EightBitExportTests {
    /// `export --storage I8` writes 8-bit weights that fanyi-translate loads and runs in 8 bits:
    /// a smaller file, and a line out for every line in.
    @Test func anI8ModelTranslates() throws {
        let folder = TinyRun.folder
        _ = TinyRun.model
        let export = try run("fanyi-train", ["export", "run/model.safetensors", "--storage", "I8", "--output", "i8.safetensors"],
                             input: "", in: folder)
        #expect(export.status == 0, "\(export.stderr)")
        let (model, _) = try ModelFile.load(folder + "/i8.safetensors")
        #expect(model.parameters.contains { $0.quantized != nil })
        let sizes = try ["run/model.safetensors", "i8.safetensors"].map {
            try FileManager.default.attributesOfItem(atPath: folder + "/" + $0)[.size] as! Int
        }
        #expect(sizes[1] < sizes[0], "I8 \(sizes[1]) bytes, F32 \(sizes[0])")
        let out = try run("fanyi-translate", ["--model", "i8.safetensors", "--threads", "1"], input: "Select it.\n\nOpen the dialog.\n", in: folder)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 4)
    }
}

@Suite(.serialized) struct ShortlistExportTests {
    /// `export --shortlist` stores a shortlist that fanyi-translate uses, or not with
    /// --no-shortlist, which also gets past a damaged one that is otherwise reported.
    @Test func exportLearnsAShortlistThatTranslationUses() throws {
        let folder = TinyRun.folder
        _ = TinyRun.model
        let export = try run("fanyi-train", ["export", "run/model.safetensors", "--shortlist", "train", "--shortlist-size", "5",
                                             "--shortlist-frequent", "10", "--output", "short.safetensors"], input: "", in: folder)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("shortlist from 60 pairs: 5 target subwords per source subword + the 10 most frequent"))
        let (model, metadata) = try ModelFile.load(folder + "/short.safetensors")
        #expect(metadata["shortlist"]?.hasPrefix("fanyi-shortlist 1\nfrequent 10 sources \(model.config.sourceVocabularySize)\n") == true)
        let input = "Select it.\n\nOpen the dialog.\n"
        for flags in [[], ["--no-shortlist"], ["--shortlist-group", "2"]] {
            let out = try run("fanyi-translate", ["--model", "short.safetensors", "--threads", "1"] + flags, input: input, in: folder)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 4)
        }
        var damaged = metadata.filter { !["format", "format_version", "config"].contains($0.key) }
        damaged["shortlist"] = "fanyi-shortlist 1\nfrequent 10 sources 1\n"
        try ModelFile.save(model, metadata: damaged, storage: .f32, to: folder + "/damaged.safetensors")
        let refused = try run("fanyi-translate", ["--model", "damaged.safetensors"], input: input, in: folder)
        #expect(refused.status != 0 && refused.stderr.contains("damaged.safetensors: shortlist line 2"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--no-shortlist"))
        let around = try run("fanyi-translate", ["--model", "damaged.safetensors", "--no-shortlist"], input: input, in: folder)
        #expect(around.status == 0, "\(around.stderr)")
        let missing = try run("fanyi-train", ["export", "run/model.safetensors", "--shortlist", "nope", "--output", "x.safetensors"],
                              input: "", in: folder)
        #expect(missing.status != 0 && missing.stderr.contains("nope.en: no such file"), "\(missing.stderr)")
    }
}

@Suite(.serialized) struct AverageTests {
    /// Averaging a run's checkpoint with its model gives a model file that translates; files
    /// of another architecture are refused by name.
    @Test func averagesCheckpointsOfOneRun() throws {
        let folder = TinyRun.folder
        _ = TinyRun.model
        let checkpoint = try #require(try FileManager.default.contentsOfDirectory(atPath: folder + "/run").first { $0.hasPrefix("checkpoint-") })
        let result = try run("fanyi-train", ["average", "run/" + checkpoint, "run/model.safetensors", "--output", "avg.safetensors"],
                             input: "", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let out = try run("fanyi-translate", ["--model", "avg.safetensors", "--threads", "1"], input: "Select it.\n", in: folder)
        #expect(out.status == 0 && out.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 2, "\(out.stderr)")
        let fixture = packageRoot + "/Tests/Seq2SeqTests/Fixtures/tiny-model.safetensors"
        let mixed = try run("fanyi-train", ["average", "run/model.safetensors", fixture, "--output", "x.safetensors"], input: "", in: folder)
        #expect(mixed.status != 0 && mixed.stderr.contains("tiny-model.safetensors has another architecture"), "\(mixed.stderr)")
        let one = try run("fanyi-train", ["average", "run/model.safetensors", "--output", "x.safetensors"], input: "", in: folder)
        #expect(one.status != 0 && one.stderr.contains("two or more files"))
    }
}

@Suite(.serialized) struct FanyiTranslateTests {
    /// --input and --output read and write files, with the same lines as stdin → stdout.
    @Test func inputAndOutputFiles() throws {
        let folder = TinyRun.folder
        let input = "Select it.\n\nOpen the dialog.\n"
        try input.write(toFile: folder + "/in.txt", atomically: true, encoding: .utf8)
        let piped = try run("fanyi-translate", ["--model", TinyRun.model, "--threads", "1"], input: input)
        // Reading ahead batches lines by length across batches; the lines and their order stay.
        let sorted = try run("fanyi-translate", ["--model", TinyRun.model, "--threads", "1", "--batch-size", "1", "--read-ahead", "3"],
                             input: input)
        #expect(sorted.status == 0 && sorted.stdout == piped.stdout, "\(sorted.stderr)")
        let files = try run("fanyi-translate", ["--model", TinyRun.model, "--threads", "1", "-i", "in.txt", "--output", "out.txt"],
                            input: "", in: folder)
        #expect(files.status == 0 && files.stdout.isEmpty, "\(files.stderr)")
        #expect(try String(contentsOfFile: folder + "/out.txt", encoding: .utf8) == piped.stdout)
        let unwritable = try run("fanyi-translate", ["--model", TinyRun.model, "-i", "in.txt", "-o", "/proc/no/out.txt"],
                                 input: "", in: folder)
        #expect(unwritable.status != 0 && unwritable.stderr.contains("--output /proc/no/out.txt: cannot open for writing"))
        let same = try run("fanyi-translate", ["--model", TinyRun.model, "-i", "in.txt", "-o", "./in.txt"], input: "", in: folder)
        #expect(same.status != 0 && same.stderr.contains("is the --input file"), "\(same.stderr)")
        #expect(try String(contentsOfFile: folder + "/in.txt", encoding: .utf8) == input)
    }

    @Test func oneLineOutPerLineIn() throws {
        let long = String(repeating: "very long sentence ", count: 200)
        let input = "Select the cell range.\n\n" + long + "\nOpens a dialog.\n\n"
        let result = try run("fanyi-translate", ["--model", TinyRun.model, "--threads", "1"], input: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 6)  // five lines in, five out (plus the final newline)
        #expect(lines[1] == "" && lines[4] == "")
        #expect(result.stderr.contains("1 line(s) were longer than 250 subwords and were cut"), "\(result.stderr)")
    }

    @Test func splitSentencesKeepsOneLinePerLine() throws {
        let model = packageRoot + "/models/en-zh-lohelp.safetensors"
        let alone = try run("fanyi-translate", ["--model", model], input: "Select the cell range.\nClick OK.\n")
        let sentences = alone.stdout.split(separator: "\n").map(String.init)
        let result = try run("fanyi-translate", ["--model", model, "--split-sentences"],
                             input: "Select the cell range. Click OK.\n\nClick OK.\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == sentences[0] + sentences[1] + "\n\n" + sentences[1] + "\n")
        let refused = try run("fanyi-translate", ["--model", model, "--split-sentences", "--scores"], input: "")
        #expect(refused.status != 0 && refused.stderr.contains("--split-sentences joins several translations"))
    }

    @Test func nBestScoresAndAlignments() throws {
        let nbest = try run("fanyi-translate", ["--model", TinyRun.model, "--beam-size", "3", "--n-best", "3"], input: "a\nb\n")
        #expect(nbest.status == 0, "\(nbest.stderr)")
        let lines = nbest.stdout.split(separator: "\n")
        #expect(lines.count == 6 && lines[0].hasPrefix("0 ||| ") && lines[5].hasPrefix("1 ||| "))
        let scores = lines.prefix(3).map { Double($0.split(separator: "|").last!.trimmingCharacters(in: .whitespaces))! }
        #expect(scores == scores.sorted(by: >))
        let aligned = try run("fanyi-translate", ["--model", TinyRun.model, "--scores", "--alignment"], input: "Select it.\n")
        #expect(aligned.stdout.contains("\t") && aligned.stdout.contains(" ||| "))
    }

    @Test func invalidUTF8StopsAtTheLineOrIsReplaced() throws {
        let input = Data("fine\n".utf8) + Data([0x61, 0xFF, 0x0A]) + Data("after\n".utf8)
        let strict = try run("fanyi-translate", ["--model", TinyRun.model], input: input)
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("<stdin>:2: invalid UTF-8") && strict.stderr.contains("stopped after 1 translated line"))
        #expect(strict.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 2)
        let replaced = try run("fanyi-translate", ["--model", TinyRun.model, "--invalid-utf8", "replace"], input: input)
        #expect(replaced.status == 0)
        #expect(replaced.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 4)
    }

    @Test func badModelFilesGiveOneLine() throws {
        let missing = try run("fanyi-translate", ["--model", "/no/model.safetensors"], input: "x\n")
        #expect(missing.status != 0)
        #expect(missing.stderr == "Error: --model /no/model.safetensors: no such file; no .safetensors files in /no\n")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: TinyRun.model))
        let truncated = try temporaryFolder() + "/t.safetensors"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let cut = try run("fanyi-translate", ["--model", truncated], input: "x\n")
        #expect(cut.status != 0 && cut.stderr.split(separator: "\n").count == 1 && cut.stderr.contains("not a valid model file"))
        let foreign = try temporaryFolder() + "/f.safetensors"
        try Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8)).write(to: URL(fileURLWithPath: foreign))
        let other = try run("fanyi-translate", ["--model", foreign], input: "x\n")
        #expect(other.status != 0 && other.stderr.contains("not a Fanyi model"))
    }

    @Test func answersEachLineAsItArrives() throws {
        let tool = try InteractiveProcess("fanyi-translate", ["--model", TinyRun.model, "--threads", "1"])
        #expect(try tool.ask("Select the cell range.", timeout: 60) != nil, "no answer while stdin stays open")
        #expect(try tool.finish() == 0)
    }

    @Test func attentionHeatmaps() throws {
        let folder = try temporaryFolder()
        let result = try run("fanyi-translate", ["--model", TinyRun.model, "--attention-svg", folder + "/svg"], input: "Select it.\nOpen.\n")
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOfFile: folder + "/svg/2.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<rect"))
        // The caption is the line and its translation; the grid's labels are the pieces.
        let translation = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)[1]
        #expect(svg.contains(">Open.</text>") && svg.contains(">\(translation)</text>"), "\(svg.prefix(400))")
        // Labels as a reader writes them: "Open" and "." (the tokenizer's "￭." loses its mark).
        #expect(!svg.contains("￭") && svg.contains(">.</text>"), "\(svg)")
    }

    @Test(arguments: [
        (["--beam-size", "0"], "--beam-size must be ≥ 1"),
        (["--read-ahead", "0"], "--read-ahead must be ≥ 1"),
        (["--shortlist-group", "0"], "--shortlist-group must be ≥ 1"),
        (["--beam-size", "2", "--n-best", "3"], "--n-best must be between 1 and --beam-size"),
        (["--length-penalty-type", "odd"], "--length-penalty-type must be gnmt or average"),
        (["--max-length-factor", "0"], "--max-length-factor must be > 0"),
    ])
    func flagsAreValidated(arguments: [String], message: String) throws {
        let result = try run("fanyi-translate", ["--model", "m"] + arguments, input: "")
        #expect(result.status != 0 && result.stderr.contains(message), "\(result.stderr)")
    }
}
