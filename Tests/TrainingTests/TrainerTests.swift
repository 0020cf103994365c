import Foundation
import Testing
import Tensor
@testable import Seq2Seq
@testable import Training

let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A small corpus (lines of the shipped LibreOffice help) in a fresh folder.
func tinyCorpus(train: Int = 60, dev: Int = 20) throws -> String {
    let folder = NSTemporaryDirectory() + "fanyi-train-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for language in ["en", "zh"] {
        let lines = try String(contentsOfFile: "\(packageRoot)/corpora/en-zh-lohelp/train.\(language)", encoding: .utf8)
            .split(separator: "\n").filter { $0.count < 60 }
        try (lines.prefix(train).joined(separator: "\n") + "\n").write(toFile: "\(folder)/train.\(language)", atomically: true, encoding: .utf8)
        try (lines.dropFirst(train).prefix(dev).joined(separator: "\n") + "\n").write(toFile: "\(folder)/dev.\(language)", atomically: true, encoding: .utf8)
    }
    return folder
}

func tinyOptions(_ folder: String, output: String = "run") -> TrainingOptions {
    var o = TrainingOptions()
    o.train = [folder + "/train"]
    o.valid = folder + "/dev"
    (o.sourceLang, o.targetLang, o.output) = ("en", "zh", folder + "/" + output)
    (o.merges, o.embeddingSize, o.encoderHiddenSize, o.decoderHiddenSize) = (100, 8, 4, 8)
    (o.batchSize, o.validSteps, o.checkpointSteps, o.logEvery, o.threads) = (8, 1000, 1000, 1000, 1)
    (o.learningRate, o.warmupSteps) = (0.001, 0)  // the tests' few steps, whatever the defaults
    return o
}

func quietLog() throws -> TrainingLog { try TrainingLog(path: nil, isTerminal: false, quiet: true) }

@Suite(.serialized) struct TrainerTests {
    @Test func validationLossFalls() throws {
        let folder = try tinyCorpus(train: 300)
        var options = tinyOptions(folder)
        (options.trainSteps, options.validSteps, options.learningRate, options.dropout) = (60, 20, 0.003, 0)
        let trainer = try Trainer(options: options, log: quietLog())
        try trainer.run()
        let ppl = trainer.state.history.map(\.perplexity)
        #expect(ppl.count == 3)
        #expect(ppl.last! < ppl.first!, "\(ppl)")
        #expect(FileManager.default.fileExists(atPath: options.output + "/model.safetensors"))
        #expect(FileManager.default.fileExists(atPath: options.output + "/vocab.json"))
        // The model file translates on its own: pipeline and model come back from it.
        let (model, metadata) = try ModelFile.load(options.output + "/model.safetensors")
        #expect(model.config.targetVocabularySize == trainer.pipeline.target.vocabulary.count)
        #expect(metadata["target.language"] == "zh")
    }

    /// k + m steps in one go equal k steps, a stop, and m more steps after resuming (one thread).
    @Test func resumeIsExact() throws {
        let folder = try tinyCorpus()
        var straight = tinyOptions(folder, output: "straight")
        straight.trainSteps = 14  // crosses an epoch boundary (60 pairs / 8 = 8 batches)
        try Trainer(options: straight, log: quietLog()).run()

        var split = tinyOptions(folder, output: "split")
        split.trainSteps = 5
        try Trainer(options: split, log: quietLog()).run()
        split.trainSteps = 14
        let resumed = try Trainer(options: split, log: quietLog())
        #expect(resumed.state.step == 5)
        try resumed.run()

        let ca = try Checkpoint.load(Checkpoint.list(in: straight.output).last!), cb = try Checkpoint.load(Checkpoint.list(in: split.output).last!)
        for (p, q) in zip(ca.model.parameters, cb.model.parameters) { #expect(p.value == q.value, "\(p.name)") }
        #expect(ca.state.step == 14 && cb.state.step == 14)
        #expect(ca.state.rng == cb.state.rng)
        for name in ca.moments.keys { #expect(ca.moments[name]!.v == cb.moments[name]!.v) }
    }

    @Test func sameSeedSameModel() throws {
        let folder = try tinyCorpus()
        var results: [[Matrix]] = []
        for output in ["one", "two"] {
            var options = tinyOptions(folder, output: output)
            options.trainSteps = 6
            let trainer = try Trainer(options: options, log: quietLog())
            try trainer.run()
            results.append(trainer.model.parameters.map(\.value))
        }
        #expect(results[0] == results[1])
    }

    @Test func incompatibleCheckpointIsRefused() throws {
        let folder = try tinyCorpus()
        var options = tinyOptions(folder)
        options.trainSteps = 2
        try Trainer(options: options, log: quietLog()).run()
        options.decoderHiddenSize = 16
        options.encoderHiddenSize = 8
        #expect { try Trainer(options: options, log: quietLog()) } throws: {
            "\($0)".contains("--encoder-hidden-size = 4, but this run asks for 8")
        }
        // --overwrite starts afresh instead.
        #expect(try Trainer(options: options, log: quietLog(), overwrite: true).state.step == 0)
    }

    @Test func stopRequestCheckpointsAndReturns() throws {
        let folder = try tinyCorpus()
        var options = tinyOptions(folder)
        options.trainSteps = 1000
        let trainer = try Trainer(options: options, log: quietLog())
        Trainer.stopRequested.store(true, ordering: .relaxed)
        defer { Trainer.stopRequested.store(false, ordering: .relaxed) }
        #expect(try trainer.run() == .interrupted)
        #expect(trainer.state.step == 1)
        #expect(Checkpoint.list(in: options.output).count == 1)
    }

    @Test func badCorporaAreReportedBeforeTraining() throws {
        let folder = try tinyCorpus()
        try "one\ntwo\n".write(toFile: folder + "/bad.en", atomically: true, encoding: .utf8)
        try "eins\n".write(toFile: folder + "/bad.zh", atomically: true, encoding: .utf8)
        var options = tinyOptions(folder)
        options.train = [folder + "/bad"]
        #expect { try Trainer(options: options, log: quietLog()) } throws: {
            "\($0)".hasPrefix("\(folder)/bad.en has 2 lines but \(folder)/bad.zh has 1; the two sides of a parallel corpus must be line-aligned")
        }
        try Data([0x61, 0x0A, 0x62, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: folder + "/bad.en"))
        try "a\nb\n".write(toFile: folder + "/bad.zh", atomically: true, encoding: .utf8)
        #expect { try Trainer(options: options, log: quietLog()) } throws: { "\($0)".contains("bad.en:2: invalid UTF-8") }
    }

    @Test func emptyAndLongPairsAreSkippedAndCounted() throws {
        let folder = try tinyCorpus()
        let en = try String(contentsOfFile: folder + "/train.en", encoding: .utf8)
        let zh = try String(contentsOfFile: folder + "/train.zh", encoding: .utf8)
        try (en + "\nword " + String(repeating: "x ", count: 200) + "\n").write(toFile: folder + "/more.en", atomically: true, encoding: .utf8)
        try (zh + "空\n很长\n").write(toFile: folder + "/more.zh", atomically: true, encoding: .utf8)
        var options = tinyOptions(folder)
        options.train = [folder + "/more"]
        let trainer = try Trainer(options: options, log: quietLog())
        #expect(trainer.training.skippedEmpty == 1)
        #expect(trainer.training.skippedLong == 1)
    }

    @Test func optionProblemsNameTheFlag() {
        var options = TrainingOptions()
        #expect(options.problems().contains { $0.contains("--train PREFIX is required") })
        (options.train, options.sourceLang, options.targetLang, options.output) = (["x"], "en", "en", "o")
        options.batchSize = 0
        options.labelSmoothing = 1
        options.rankTimeout = -1
        let problems = options.problems()
        #expect(problems.contains { $0.contains("--rank-timeout must be ≥ 0 seconds") })
        #expect(problems.contains { $0.contains("--source-lang and --target-lang are both 'en'") })
        #expect(problems.contains { $0.contains("--batch-size must be ≥ 1") })
        #expect(problems.contains { $0.contains("--label-smoothing must be in [0, 1)") })
    }
}

@Suite struct BatcherAndScheduleTests {
    func corpus() -> EncodedCorpus {
        var c = EncodedCorpus(sources: [], targets: [], lineIndices: [])
        var rng = RandomGenerator(seed: 3)
        for i in 0..<500 {
            let n = Int.random(in: 1...40, using: &rng)
            c.sources.append(Array(repeating: 5, count: n))
            c.targets.append(Array(repeating: 6, count: max(1, n + Int.random(in: -3...3, using: &rng))))
            c.lineIndices.append(i)
        }
        return c
    }

    @Test func bucketingCoversEveryPairOnceAndReducesPadding() {
        let c = corpus()
        let batcher = Batcher(corpus: c.pairs, batchSize: 16, unit: .sentences, window: 10)
        let batches = batcher.batches(epoch: 0, seed: 1)
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<500))
        #expect(batches.allSatisfy { $0.count <= 16 })
        var rng = RandomGenerator(seed: 1)
        let random = Array(0..<500).shuffled(using: &rng)
        let randomBatches = stride(from: 0, to: 500, by: 16).map { Array(random[$0..<min(500, $0 + 16)]) }
        #expect(batcher.paddingRatio(batches) < batcher.paddingRatio(randomBatches) / 2)
        #expect(batcher.batches(epoch: 0, seed: 1) == batches)
        #expect(batcher.batches(epoch: 1, seed: 1) != batches)
    }

    @Test func tokenBatchesStayUnderTheBudget() {
        let c = corpus()
        let batcher = Batcher(corpus: c.pairs, batchSize: 200, unit: .tokens)
        for indices in batcher.batches(epoch: 0, seed: 2) {
            let longest = indices.map { max(c.sources[$0].count, c.targets[$0].count + 1) }.max()!
            #expect(indices.count == 1 || indices.count * longest <= 200)
        }
    }

    @Test func schedules() {
        let warm = LearningRateSchedule(base: 1, warmupSteps: 4)
        #expect(warm.rate(step: 1) == 0.25 && warm.rate(step: 8) == 1)
        let fixed = LearningRateSchedule(base: 1, decay: .fixed, factor: 0.5, decayStart: 10, decayEvery: 5)
        #expect(fixed.rate(step: 9) == 1 && fixed.rate(step: 10) == 0.5 && fixed.rate(step: 15) == 0.25)
        var plateau = LearningRateSchedule(base: 1, decay: .plateau, factor: 0.5, patience: 2)
        plateau.validated(improved: true)
        plateau.validated(improved: false)
        #expect(plateau.rate(step: 100) == 1)
        plateau.validated(improved: false)
        #expect(plateau.rate(step: 100) == 0.5)
    }
}

@Suite struct TrainingProgressTests {
    @Test func clockReadsLikeAWatch() {
        #expect(Trainer.clock(0) == "0:00")
        #expect(Trainer.clock(59.6) == "1:00")
        #expect(Trainer.clock(900) == "15:00")
        #expect(Trainer.clock(3725) == "1:02:05")
    }
}

@Suite struct StoredOptionsTests {
    /// Options stored by an older version lack the newer keys: those take their defaults.
    @Test func missingKeysTakeTheirDefaults() throws {
        var options = TrainingOptions()
        options.train = ["a/train"]
        options.dropout = 0.3
        options.seed = (1 << 60) + 3
        let json = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        #expect(try TrainingOptions.decode(json: json) == options)
        var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        object["validExamples"] = nil
        object["seed"] = 7
        let older = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let decoded = try TrainingOptions.decode(json: older)
        #expect(decoded.validExamples == TrainingOptions().validExamples && decoded.dropout == 0.3 && decoded.train == ["a/train"])
        #expect(throws: (any Error).self) { try TrainingOptions.decode(json: "[1]") }
    }
}

@Suite struct GradientNormTests {
    /// The eight-lane sum of squares is the plain Double sum, for counts on and off the lanes.
    @Test(arguments: [0, 1, 7, 8, 9, 1003])
    func sumOfSquaresMatchesThePlainSum(count: Int) {
        var rng = RandomGenerator(seed: UInt64(count))
        let values = (0..<count).map { _ in rng.nextFloat(in: -3..<3) }
        let plain = values.reduce(0.0) { $0 + Double($1) * Double($1) }
        let lanes = values.withUnsafeBufferPointer { sumOfSquares($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: count) }
        #expect(abs(lanes - plain) <= 1e-12 * max(plain, 1))
    }
}
