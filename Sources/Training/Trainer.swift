import DataParallel
import Evaluation
import Foundation
import Seq2Seq
import Synchronization
import Tensor
import Tokenization

/// The training loop: batches, forward and backward, clipping, the optimizer, the schedule,
/// validation (perplexity, BLEU and chrF of greedy translations of the dev set), the best model,
/// checkpoints, early stopping and clean stops on request.
///
/// Data-parallel across the ranks of `group` (synchronous SGD): every rank holds the same
/// parameters, computes the gradient of its share of each global batch, and the summed gradient
/// (one all-reduce over the flat gradient buffer) drives the same clipping and Adam step on every
/// rank. Rank 0 alone reads checkpoints, validates, logs and writes files.
public final class Trainer {
    public let options: TrainingOptions
    public let pipeline: TextPipeline
    public let model: Seq2SeqModel
    public let optimizer: Optimizer
    public private(set) var state: TrainingState
    let training: any EncodedPairs
    let validation: (raw: ParallelCorpus, encoded: EncodedCorpus)?
    let batcher: Batcher
    let log: TrainingLog
    public let group: ProcessGroup
    /// Activation buffers, shared by training steps and validation so that each grows once.
    lazy var workspace = model.makeWorkspace()
    /// One shard of every batch per thread (the model and its replicas; shard 0 uses `workspace`).
    lazy var shards = BatchShards(model: model, workspace: workspace, count: options.threads)
    /// The dev set's translator, kept across validations for the same reason.
    lazy var greedy = GreedySearch(model: model, workspace: workspace)
    /// Set by a signal handler (or a test): the loop finishes its step, checkpoints and returns.
    public static let stopRequested = Atomic<Bool>(false)

    /// Prepares a run: reads the data, builds or loads the vocabularies, creates the model, or
    /// resumes from the newest checkpoint in the output folder (refusing an incompatible one).
    /// With several ranks, rank 0 does what touches the output folder and sends the others the
    /// vocabularies, the parameters, the optimizer moments and the run's state.
    public init(options: TrainingOptions, log: TrainingLog, overwrite: Bool = false,
                group: ProcessGroup = SingleProcess()) throws {
        let problems = options.problems() + options.missingFiles()
        guard problems.isEmpty else { throw TrainingError.invalidOption(problems.joined(separator: "\n")) }
        self.options = options
        self.log = log
        self.group = group
        // Setup may take long on rank 0 (vocabularies, encoding the corpus) while the others
        // wait: no timeout until training starts (a rank that dies is noticed by mpirun).
        group.timeout = 0
        try Self.checkSameOptions(options, group: group)
        if group.isMain {
            try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
            if overwrite {
                for file in Checkpoint.list(in: options.output) { try FileManager.default.removeItem(atPath: file) }
            }
        }
        if group.size > 1 { log.say("data-parallel training: \(group.description)") }

        var clock = Stopwatch()
        let validRaw = try group.isMain ? options.valid.map {
            try ParallelCorpus.read(prefixes: [$0], sourceLanguage: options.sourceLang, targetLanguage: options.targetLang)
        } : nil

        let restored = try group.isMain ? Checkpoint.newestReadable(in: options.output, log: log).map { (path, restored) -> Checkpoint.Restored in
            try Checkpoint.checkCompatible(restored.options, directory: restored.directory, options, file: path)
            let ranks = restored.state.ranks ?? 1
            guard ranks == group.size else {
                throw TrainingError.io("\(path): written by a run of \(ranks) rank(s), resumed with \(group.size); the batch order "
                                       + "depends on the number of ranks: resume with `mpirun -np \(ranks) fanyi-train …`"
                                       + " (or train afresh into another --output)")
            }
            log.say("resuming from \(path) (step \(restored.state.step))")
            return restored
        } : nil
        let pipeline: TextPipeline
        if group.isMain {
            if let restored {
                pipeline = restored.pipeline
            } else if let vocab = options.vocab {
                pipeline = try TextPipeline(manifest: vocab, sourceLanguage: options.sourceLang, targetLanguage: options.targetLang)
            } else {
                pipeline = try Self.buildVocabularies(options, log: log)
            }
            if group.size > 1 { try Self.sendPipeline(pipeline, group: group) }
        } else {
            pipeline = try Self.receivePipeline(group: group)  // from its checkpoint, files or training data
        }
        self.pipeline = pipeline
        let (training, how) = try Self.trainingPairs(options, pipeline: pipeline, group: group, log: log)
        self.training = training
        guard training.count > 0 else { throw TrainingError.emptyCorpus(options.train.joined(separator: ", ")) }
        validation = try validRaw.map { ($0, try pipeline.encode($0, maxLength: options.maxLength)) }
        log.say(String(format: "training data: %@ (%.1f s %@)", training.summary, clock.lap(), how))
        if let validation { log.say("validation data: \(validation.encoded.pairs.summary)") }

        if let restored {
            model = restored.model
            state = restored.state
        } else {
            model = Seq2SeqModel(config: options.modelConfig(sourceVocabularySize: pipeline.source.vocabulary.count,
                                                             targetVocabularySize: pipeline.target.vocabulary.count),
                                 seed: options.seed)
            state = TrainingState(schedule: options.schedule, rng: RandomGenerator(seed: options.seed).split(99))
        }
        state.ranks = group.size
        if options.optimizer == "sgd" {
            optimizer = SGD()
        } else {
            let adam = Adam()
            if let restored { adam.restore(steps: restored.state.optimizerSteps, moments: restored.moments) }
            optimizer = adam
        }
        batcher = Batcher(corpus: training, batchSize: options.batchSize * group.size, unit: options.batchType)
        if group.size > 1 { try synchronize() }
        BLAS.threads = options.threads
    }

    // MARK: - Training data

    /// The encoded-corpus file of a run, in its output folder.
    public static func encodedCorpusPath(_ options: TrainingOptions) -> String { options.output + "/train.ids" }

    /// The training pairs, from the run's encoded-corpus file, built (rank 0) or rebuilt when the
    /// corpus, vocabularies or length limit changed or the file is damaged. Ranks on rank 0's host
    /// read rank 0's file; ranks on other hosts encode the corpus into memory (they write nothing).
    static func trainingPairs(_ options: TrainingOptions, pipeline: TextPipeline, group: ProcessGroup,
                              log: TrainingLog) throws -> (any EncodedPairs, String) {
        let path = encodedCorpusPath(options)
        let languages = (options.sourceLang, options.targetLang)
        let key = try EncodedCorpusFile.key(prefixes: options.train, languages: languages, pipeline: pipeline,
                                            maxLength: options.maxLength)
        func open() throws -> EncodedCorpusFile {
            try EncodedCorpusFile(path: path, key: key, sourceVocabularySize: pipeline.source.vocabulary.count,
                                  targetVocabularySize: pipeline.target.vocabulary.count)
        }
        if !group.isMain {
            _ = group.broadcast("")  // rank 0's file is ready
            if group.hosts[group.rank] == group.hosts[0] { return (try open(), "to open rank 0's encoded corpus") }
            let corpus = try ParallelCorpus.read(prefixes: options.train, sourceLanguage: options.sourceLang,
                                                 targetLanguage: options.targetLang)
            return (try pipeline.encode(corpus, maxLength: options.maxLength).pairs, "to read and encode into memory")
        }
        var how = "to open the encoded corpus \(path)"
        var existing: EncodedCorpusFile?
        if FileManager.default.fileExists(atPath: path) {
            do { existing = try open() } catch let error as EncodedCorpusFile.Damaged {
                log.say("encoding the corpus again: \(error.reason) (\(path))")
            }
        }
        let file: EncodedCorpusFile
        if let existing {
            file = existing
        } else {
            try EncodedCorpusFile.build(prefixes: options.train, languages: languages, pipeline: pipeline,
                                        maxLength: options.maxLength, key: key, to: path, threads: 2)
            file = try open()
            how = "to read and encode into \(path)"
        }
        if group.size > 1 { _ = group.broadcast("ready") }
        return (file, how)
    }

    // MARK: - Ranks

    /// Ends the job when a rank's options differ from rank 0's, naming the option.
    static func checkSameOptions(_ options: TrainingOptions, group: ProcessGroup) throws {
        guard group.size > 1 else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let mine = String(decoding: try encoder.encode(options), as: UTF8.self)
        let main = group.broadcast(mine)
        guard main != mine else { return }
        let a = (try? JSONSerialization.jsonObject(with: Data(main.utf8))) as? [String: Any] ?? [:]
        let b = (try? JSONSerialization.jsonObject(with: Data(mine.utf8))) as? [String: Any] ?? [:]
        let differing = Set(a.keys).union(b.keys).sorted().filter {
            (a[$0].map { "\($0)" } ?? "(unset)") != (b[$0].map { "\($0)" } ?? "(unset)")
        }
        let names = differing.map { key -> String in
            "--" + key.reduce(into: "") { $0 += $1.isUppercase ? "-" + $1.lowercased() : String($1) }
                + " (rank 0: \(a[key].map { "\($0)" } ?? "unset"), rank \(group.rank): \(b[key].map { "\($0)" } ?? "unset"))"
        }
        FileHandle.standardError.write(Data("fanyi-train: rank \(group.rank) was started with other options than rank 0: "
            .appending(names.joined(separator: ", ")).appending("; every rank needs the same command\n").utf8))
        group.abort(code: 2)
    }

    static func sendPipeline(_ pipeline: TextPipeline, group: ProcessGroup) throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: pipeline.metadata, options: [.sortedKeys]), as: UTF8.self)
        _ = group.broadcast(json)
    }

    static func receivePipeline(group: ProcessGroup) throws -> TextPipeline {
        let json = group.broadcast("")
        guard let metadata = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String] else {
            throw TrainingError.io("rank \(group.rank): rank 0 sent vocabularies that are not a JSON string map")
        }
        return try TextPipeline(metadata: metadata, file: "rank 0's vocabularies")
    }

    /// Gives every rank rank 0's state, parameters and optimizer moments.
    func synchronize() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stateJSON = group.broadcast(String(decoding: try encoder.encode(state), as: UTF8.self))
        state = try JSONDecoder().decode(TrainingState.self, from: Data(stateJSON.utf8))
        let config = group.broadcast(ModelFile.configJSON(model.config))
        guard config == ModelFile.configJSON(model.config) else {
            throw TrainingError.io("rank \(group.rank): rank 0's model configuration differs from this rank's:\n\(config)")
        }
        group.broadcast(model.buffer.values.pointer, count: model.buffer.count, root: 0)
        if let adam = optimizer as? Adam {
            if !group.isMain { adam.restore(steps: state.optimizerSteps, moments: [:]) }
            let (m, v) = adam.momentBuffers(for: model.buffer)
            group.broadcast(m.pointer, count: m.count, root: 0)
            group.broadcast(v.pointer, count: v.count, root: 0)
        }
    }

    /// A rank's (or shard's) share of a batch: the pairs sorted by target length, then source
    /// length, longest first, and dealt out in rounds whose direction alternates (0, 1, …, n−1,
    /// then n−1, …, 0). A step's time follows its longest target (the decoder's steps), its
    /// tokens and its source, so the shares finish their steps together, each with little
    /// padding. (Dealt in the batcher's order, sorted by source length, the last share drew the
    /// longest source and a random longest target: the other thread waited 8 % of the step.
    /// Dealt in rounds of one direction, share 0 drew the longer pair of every round: on lohelp's
    /// buckets, shares of 552 target tokens on average, 6.4 more for share 0, against a mean
    /// difference of 2.2 either way now. The wait for the slower shard measured 1–8 % of a step
    /// either way: on a shared machine it follows the other load more than the dealing.) Empty
    /// when the batch has fewer pairs than shares; one share is the batch as it is.
    public static func share(of indices: [Int], rank: Int, size: Int, lengths: (Int) -> (source: Int, target: Int)) -> [Int] {
        if size == 1 { return indices }
        let longestFirst = indices.map { ($0, lengths($0)) }.sorted { a, b in
            (a.1.target, a.1.source, b.0) > (b.1.target, b.1.source, a.0)
        }.map(\.0)
        return longestFirst.indices.filter { p in
            let (round, seat) = p.quotientAndRemainder(dividingBy: size)
            return (round % 2 == 0 ? seat : size - 1 - seat) == rank
        }.map { longestFirst[$0] }
    }

    static func buildVocabularies(_ options: TrainingOptions, log: TrainingLog) throws -> TextPipeline {
        var builderOptions = VocabularyBuilder.Options()
        builderOptions.mergeCount = options.merges
        let sides = [options.sourceLang, options.targetLang].map { language in
            VocabularyBuilder.Side(tokenizer: TokenizerOptions(language: language), files: options.train.map { "\($0).\(language)" })
        }
        let (results, _) = try VocabularyBuilder.build(sides, options: builderOptions)
        let prefix = options.output + "/vocab"
        var manifest = VocabularySet(languages: results.map(\.tokenizer.language), sides: [:], mergeCount: options.merges,
                                     jointBPE: false, command: "fanyi-train (built from \(options.train.joined(separator: ", ")))")
        for result in results {
            let language = result.tokenizer.language
            var bpe: String?
            if let merges = result.merges {
                bpe = "vocab.\(language).bpe"
                try merges.write(to: options.output + "/" + bpe!)
            }
            try result.vocabulary.write(to: "\(prefix).\(language).vocab")
            manifest.sides[language] = .init(tokenizer: result.tokenizer, bpe: bpe, vocabulary: "vocab.\(language).vocab")
        }
        try manifest.write(to: prefix + ".json")
        log.say("built vocabularies from the training data: \(prefix).json (\(results.map { "\($0.tokenizer.language) \($0.vocabulary.count)" }.joined(separator: ", ")))")
        return try TextPipeline(manifest: prefix + ".json", sourceLanguage: options.sourceLang, targetLanguage: options.targetLang)
    }

    /// Why `run` returned.
    public enum Outcome: String, Sendable {
        case finished, stoppedEarly, interrupted, timeUp

        /// For people: what happened, in the flags' words.
        public var explanation: String {
            switch self {
            case .finished: return "finished (--train-steps or --epochs reached)"
            case .stoppedEarly: return "stopped early (no improvement in --patience validations)"
            case .interrupted: return "interrupted (run the same command again to resume)"
            case .timeUp: return "time is up (--max-time reached)"
            }
        }
    }

    /// Trains until a limit, early stopping or a stop request.
    @discardableResult
    public func run() throws -> Outcome {
        var rng = state.randomGenerator
        var window = ProgressWindow()
        var lastLearningRate: Float = 0
        let parameters = model.buffer!
        var clock = Stopwatch()
        var sinceShown = Stopwatch()
        var epochBatches = 1
        var outcome = Outcome.finished
        group.timeout = options.rankTimeout
        log.say("model: \(parameters.count) parameters; \(options.threads) thread(s)"
                + (options.threads > 1 ? ", each training its shard of every batch" : "")
                + (group.size > 1 ? " per rank, \(group.size) ranks of \(options.batchSize) pairs a batch" : "")
                + "; starting at step \(state.step + 1)")

        training: while true {
            if options.epochs > 0 && state.epoch >= options.epochs { break }
            let batches = batcher.batches(epoch: state.epoch, seed: options.seed)
            epochBatches = batches.count
            if state.batchInEpoch == 0 {
                log.say(String(format: "epoch %d: %d batches, padding %.1f %%", state.epoch + 1, batches.count,
                               100 * batcher.paddingRatio(batches)))
            }
            while state.batchInEpoch < batches.count {
                let global = batches[state.batchInEpoch]
                let mine = group.size > 1 ? Self.share(of: global, rank: group.rank, size: group.size, lengths: training.lengths) : global
                // Normalised by the global batch's target tokens, so that the sum over ranks is
                // the gradient of the whole batch.
                let globalTokens = global.reduce(0) { $0 + training.lengths($1).target + 1 }
                state.step += 1
                var learningRate = state.schedule.rate(step: state.step)
                model.zeroGradients()
                var loss = 0.0
                if !mine.isEmpty {
                    let parts = shards.shares(of: mine, lengths: training.lengths).map(batcher.batch)
                    if group.isMain {
                        loss = shards.lossAndGradients(parts, labelSmoothing: options.labelSmoothing,
                                                       gradientScale: 1 / Float(globalTokens), using: &rng)
                    } else {
                        // Other dropout masks than rank 0's; the shared generator advances as rank 0's does.
                        var local = rng.split(UInt64(5_000 + group.rank))
                        loss = shards.lossAndGradients(parts, labelSmoothing: options.labelSmoothing,
                                                       gradientScale: 1 / Float(globalTokens), using: &local)
                    }
                }
                if !group.isMain { _ = rng.next() }
                if group.size > 1 {
                    group.allReduceSum(parameters.gradients.pointer, count: parameters.count)
                    // The summed loss, and rank 0's learning rate (its schedule alone sees validations).
                    var shared = [loss, group.isMain ? Double(learningRate) : 0]
                    group.allReduceSum(&shared)
                    (loss, learningRate) = (shared[0], Float(shared[1]))
                }
                let scale = options.clipNorm > 0 ? clipScale(norm: shards.gradientNorm(ranks: group.size), maxNorm: options.clipNorm) : 1
                optimizer.step(parameters, learningRate: learningRate, gradientScale: scale)
                state.optimizerSteps += 1
                state.batchInEpoch += 1
                state.targetTokens += globalTokens
                let seconds = clock.lap()
                state.trainingSeconds += seconds
                window.add(loss: loss, tokens: globalTokens, seconds: seconds)
                lastLearningRate = learningRate
                let validating = group.isMain && validation != nil && state.step % options.validSteps == 0
                let epochs = state.epochs(batchesInEpoch: epochBatches)

                if state.step % options.logEvery == 0 {
                    reportProgress(window, learningRate: learningRate, epochs: epochs, validating: validating)
                    window = ProgressWindow()
                    _ = sinceShown.lap()
                } else if log.isTerminal && (validating || sinceShown.elapsed >= 0.5) {
                    // On a terminal the line is also refreshed between log records.
                    log.progress(progressLine(window, learningRate: learningRate, epochs: epochs, validating: validating))
                    _ = sinceShown.lap()
                }
                if validating {
                    try validate()
                    _ = clock.lap()  // validation time is not training time
                }
                var stopNow = Self.stopRequested.load(ordering: .relaxed)
                var timeUp = options.maxTime > 0 && state.trainingSeconds >= options.maxTime
                let stepsDone = options.trainSteps > 0 && state.step >= options.trainSteps
                var patienceOut = options.patience > 0 && state.validationsWithoutImprovement >= options.patience
                if group.size > 1 {
                    // One decision for all ranks: a stop request on any rank; rank 0's clock and validations.
                    // While rank 0 validates, the others wait here without a time limit.
                    let validatedNow = options.valid != nil && state.step % options.validSteps == 0
                    if validatedNow { group.timeout = 0 }
                    var flags = [stopNow ? 1.0 : 0, group.isMain && timeUp ? 1 : 0, group.isMain && patienceOut ? 1 : 0]
                    group.allReduceSum(&flags)
                    group.timeout = options.rankTimeout
                    (stopNow, timeUp, patienceOut) = (flags[0] > 0, flags[1] > 0, flags[2] > 0)
                }
                if group.isMain && (state.step % options.checkpointSteps == 0 || stopNow || timeUp || stepsDone || patienceOut) {
                    state.setRNG(rng)
                    try Checkpoint.save(model: model, optimizer: optimizer, pipeline: pipeline, options: options,
                                        state: state, folder: options.output)
                }
                if stopNow { outcome = .interrupted; break training }
                if patienceOut { outcome = .stoppedEarly; break training }
                if timeUp { outcome = .timeUp; break training }
                if stepsDone { outcome = .finished; break training }
            }
            state.epoch += 1
            state.batchInEpoch = 0
        }
        guard group.isMain else { return outcome }
        // The steps since the last record get one too, so that a short run has a loss to plot.
        if window.steps > 0 {
            reportProgress(window, learningRate: lastLearningRate, epochs: state.epochs(batchesInEpoch: epochBatches), validating: false)
        }
        // A last validation, unless one ran at (or a few steps before) this step, or the user interrupted.
        let sinceValidation = state.step - (state.history.last?.step ?? 0)
        if validation != nil && outcome != .interrupted && (state.history.isEmpty || sinceValidation > max(10, options.validSteps / 10)) {
            _ = try validate()
        }
        if validation == nil { try saveModel() }
        state.setRNG(rng)
        try Checkpoint.save(model: model, optimizer: optimizer, pipeline: pipeline, options: options, state: state, folder: options.output)
        let checkpoint = options.output + "/" + Checkpoint.fileName(step: state.step)
        let epochs = state.epochs(batchesInEpoch: epochBatches)
        let modelFile = options.output + "/model.safetensors"
        let modelWritten = FileManager.default.fileExists(atPath: modelFile)
        // Every clause says what is true now: validated or not, a model file or only a checkpoint.
        let validated: String
        if let bestScore = state.bestScore {
            validated = String(format: "best %@ %.2f at step %d", options.earlyStoppingMetric.displayName,
                               options.earlyStoppingMetric == .perplexity ? -bestScore : bestScore, state.bestStep)
        } else if validation != nil {
            validated = "not validated yet (the first validation comes at step \(options.validSteps))"
        } else {
            validated = "no validation (no --valid)"
        }
        let written = modelWritten ? "model: \(modelFile)" : "no model file yet, checkpoint: \(checkpoint)"
        log.summary(String(format: "%@ after %d steps, %.2f epochs, %@ of training; %@; %@",
                           outcome.explanation, state.step, epochs, Self.clock(state.trainingSeconds), validated, written))
        let usage = ResourceUsage.now()
        log.say(usage.summary)
        if modelWritten {
            log.say("next: translate with `fanyi-translate --model \(modelFile) < FILE`, draw the curve with "
                    + "`fanyi-train plot \(options.output)/train.log.jsonl`")
        } else {
            log.say("next: run the same command again to resume, or make a model file of the checkpoint with "
                    + "`fanyi-train export \(checkpoint) --output \(modelFile)`")
        }
        log.record(["event": "end", "outcome": outcome.rawValue, "step": state.step, "seconds": state.trainingSeconds,
                    "peak_rss_bytes": usage.peakResidentBytes, "system_cpu_percent": usage.systemPercent])
        return outcome
    }

    /// Validates; saves the best model. Returns whether the stopping metric improved.
    @discardableResult
    public func validate() throws -> Bool {
        guard let validation else { return false }
        var clock = Stopwatch()
        // Perplexity of the references (no dropout, no label smoothing).
        var totalLoss = 0.0, tokens = 0
        let batches = Batcher(corpus: validation.encoded.pairs, batchSize: options.validBatchSize, unit: .sentences).batches(epoch: 0, seed: 0)
        for indices in batches {
            // In shards, one per thread, so that validation needs no more memory than training.
            let parts = shards.shares(of: indices, lengths: validation.encoded.pairs.lengths).map { part in
                Batch(sources: part.map { validation.encoded.sources[$0] }, targets: part.map { validation.encoded.targets[$0] })
            }
            totalLoss += shards.loss(parts)
            tokens += parts.reduce(0) { $0 + $1.targetTokens }
        }
        let perplexity = exp(totalLoss / Double(max(tokens, 1)))
        // Greedy translations of every dev line, scored against the raw references.
        let hypotheses = try translate(validation.raw.sources)
        let tokenizer: MetricTokenizer = ["zh", "ja"].contains(String(pipeline.targetLanguage.prefix(2))) ? .zh : .thirteenA
        let bleu = BLEU(tokenizer: tokenizer).score(hypotheses: hypotheses, references: validation.raw.targets).score
        let chrf = CHRF().score(hypotheses: hypotheses, references: validation.raw.targets)
        let record = ValidationRecord(step: state.step, seconds: state.trainingSeconds, perplexity: perplexity, bleu: bleu, chrf: chrf)
        state.history.append(record)
        let score: Double
        switch options.earlyStoppingMetric {
        case .bleu: score = bleu
        case .chrf: score = chrf
        case .perplexity: score = -perplexity
        }
        let improved = state.bestScore.map { score > $0 } ?? true
        state.schedule.validated(improved: improved)
        if improved {
            state.bestScore = score
            state.bestStep = state.step
            state.validationsWithoutImprovement = 0
            try saveModel()
        } else {
            state.validationsWithoutImprovement += 1
        }
        log.say(String(format: "validation at step %d: perplexity %.2f, BLEU %.2f (%@), chrF %.2f%@ (%.1f s)", state.step, perplexity,
                       bleu, tokenizer.rawValue, chrf, improved ? ", best so far: model saved" : "", clock.lap()))
        for i in validation.raw.sources.indices.prefix(options.validExamples) {
            func cut(_ text: String) -> String { text.count > 200 ? String(text.prefix(199)) + "…" : text }
            log.say("  source:     \(cut(validation.raw.sources[i]))\n  reference:  \(cut(validation.raw.targets[i]))\n"
                    + "  hypothesis: \(cut(hypotheses[i]))")
        }
        log.record(["event": "validation", "step": state.step, "perplexity": perplexity, "bleu": bleu, "chrf": chrf,
                    "seconds": state.trainingSeconds, "improved": improved])
        return improved
    }

    /// Greedy translations of `sources` (raw text), in order; an empty line gives an empty line.
    public func translate(_ sources: [String]) throws -> [String] {
        let search = greedy
        let ids = try sources.map { try pipeline.source.ids($0) }
        let order = ids.indices.filter { !ids[$0].isEmpty }.sorted { ids[$0].count < ids[$1].count }
        var outputs = [String](repeating: "", count: sources.count)
        var start = 0
        while start < order.count {
            let chunk = Array(order[start..<min(order.count, start + options.validBatchSize)])
            for (index, result) in zip(chunk, search.translate(chunk.map { ids[$0] })) {
                outputs[index] = pipeline.target.text(result)
            }
            start += options.validBatchSize
        }
        return outputs
    }

    /// Writes the model with everything a translator needs to `output/model.safetensors`.
    public func saveModel() throws {
        try ModelFile.save(model, metadata: pipeline.metadata, storage: options.storage, to: options.output + "/model.safetensors")
    }
}
