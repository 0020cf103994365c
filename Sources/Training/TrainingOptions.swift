import Foundation
import Seq2Seq
import Tokenization

/// Everything a training run is configured by: data, model, optimisation, validation, output.
/// Read from a YAML file and/or flags (flags win); stored in checkpoints.
public struct TrainingOptions: Codable, Equatable, Sendable {
    // Data
    public var train: [String] = []
    public var valid: String?
    public var sourceLang = ""
    public var targetLang = ""
    /// A manifest from `fanyi-vocab build`; without one, vocabularies are built from the
    /// training data and written next to the model.
    public var vocab: String?
    /// BPE merges per side when building vocabularies on the fly.
    public var merges = 8000
    /// Pairs longer than this many subwords on either side are skipped.
    public var maxLength = 100
    public var output = ""

    // Model: flat, as flags and YAML keys are; the defaults are ModelConfig's reference
    // configuration, so the two cannot drift apart.
    private static let reference = ModelConfig.reference()
    public var cell = reference.cell
    public var embeddingSize = reference.embeddingSize
    public var encoderLayers = reference.encoderLayers
    public var encoderHiddenSize = reference.encoderHiddenSize
    public var decoderLayers = reference.decoderLayers
    public var decoderHiddenSize = reference.decoderHiddenSize
    public var attention = reference.attention
    public var bridge = reference.bridge
    public var dropout = reference.dropout
    public var residual = reference.residual
    public var tiedEmbeddings = reference.tiedTargetEmbeddings

    // Optimisation
    public var batchSize = 64
    public var batchType = Batcher.Unit.sentences
    public var optimizer = "adam"
    // 0.002 after 300 linear warm-up steps: on en-es-bible, 15 minutes gave 25.8 dev BLEU with
    // these and 21.5 with 0.001 and no warm-up (docs/runs/en-es-bible-tutorial-15min).
    public var learningRate: Float = 0.002
    public var warmupSteps = 300
    public var decay = LearningRateSchedule.Decay.none
    public var decayFactor: Float = 0.5
    public var decayStart = 0
    public var decayEvery = 1000
    public var decayPatience = 2
    public var clipNorm: Float = 5
    public var labelSmoothing: Float = 0.1
    public var seed: UInt64 = 1
    public var threads = 2
    /// Data-parallel runs: the longest a rank waits for the others in one step (0: forever).
    public var rankTimeout = 600.0

    // When to stop
    public var trainSteps = 0        // 0: no limit
    public var epochs = 0            // 0: no limit
    public var maxTime = 0.0         // seconds of training, 0: no limit

    // Validation and checkpoints
    public var validSteps = 1000
    public var validBatchSize = 64
    /// Dev sentences shown with their translation at each validation (as Joey NMT does).
    public var validExamples = 1
    public var earlyStoppingMetric = StoppingMetric.bleu
    public var patience = 0          // validations without improvement before stopping; 0: never
    public var checkpointSteps = 1000
    public var keepCheckpoints = 3
    public var logEvery = 100
    public var storage = StorageType.f32

    public enum StoppingMetric: String, Codable, Sendable, CaseIterable {
        case bleu, chrf, perplexity

        /// As scores are usually written: BLEU, chrF, perplexity.
        public var displayName: String {
            switch self {
            case .bleu: return "BLEU"
            case .chrf: return "chrF"
            case .perplexity: return "perplexity"
            }
        }
    }

    public init() {}

    /// The model configuration these options describe for the given vocabulary sizes.
    public func modelConfig(sourceVocabularySize: Int, targetVocabularySize: Int) -> ModelConfig {
        var config = ModelConfig(sourceVocabularySize: sourceVocabularySize, targetVocabularySize: targetVocabularySize)
        config.cell = cell
        config.embeddingSize = embeddingSize
        config.encoderLayers = encoderLayers
        config.encoderHiddenSize = encoderHiddenSize
        config.decoderLayers = decoderLayers
        config.decoderHiddenSize = decoderHiddenSize
        config.attention = attention
        config.bridge = bridge
        config.dropout = dropout
        config.residual = residual
        config.tiedTargetEmbeddings = tiedEmbeddings
        return config
    }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(base: learningRate, warmupSteps: warmupSteps, decay: decay, factor: decayFactor,
                             decayStart: decayStart, decayEvery: decayEvery, patience: decayPatience)
    }

    /// Problems that stop a run before it starts, as messages naming the flag.
    public func problems() -> [String] {
        var problems: [String] = []
        if train.isEmpty { problems.append("--train PREFIX is required (reads PREFIX.<source-lang> and PREFIX.<target-lang>)") }
        if sourceLang.isEmpty || targetLang.isEmpty { problems.append("--source-lang and --target-lang are required") }
        if !sourceLang.isEmpty && sourceLang == targetLang { problems.append("--source-lang and --target-lang are both '\(sourceLang)'") }
        if output.isEmpty { problems.append("--output DIR is required") }
        if !["adam", "sgd"].contains(optimizer) { problems.append("--optimizer must be adam or sgd, got '\(optimizer)'") }
        for (flag, value) in [("--batch-size", batchSize), ("--max-length", maxLength), ("--valid-steps", validSteps),
                              ("--valid-batch-size", validBatchSize), ("--checkpoint-steps", checkpointSteps),
                              ("--keep-checkpoints", keepCheckpoints), ("--threads", threads), ("--log-every", logEvery),
                              ("--decay-every", decayEvery), ("--decay-patience", decayPatience)] where value < 1 {
            problems.append("\(flag) must be ≥ 1, got \(value)")
        }
        for (flag, value) in [("--train-steps", trainSteps), ("--epochs", epochs), ("--patience", patience),
                              ("--valid-examples", validExamples),
                              ("--warmup-steps", warmupSteps), ("--merges", merges), ("--decay-start", decayStart)] where value < 0 {
            problems.append("\(flag) must be ≥ 0, got \(value)")
        }
        if !(learningRate > 0) { problems.append("--learning-rate must be > 0, got \(learningRate)") }
        if !(labelSmoothing >= 0 && labelSmoothing < 1) { problems.append("--label-smoothing must be in [0, 1), got \(labelSmoothing)") }
        if !(decayFactor > 0 && decayFactor <= 1) { problems.append("--decay-factor must be in (0, 1], got \(decayFactor)") }
        if !(rankTimeout >= 0) { problems.append("--rank-timeout must be ≥ 0 seconds (0: wait forever), got \(rankTimeout)") }
        if !(clipNorm >= 0) { problems.append("--clip-norm must be ≥ 0 (0: no clipping), got \(clipNorm)") }
        if !(maxTime >= 0) { problems.append("--max-time must be ≥ 0, got \(maxTime)") }
        if batchType == .tokens && batchSize < maxLength + 1 {
            problems.append("--batch-size \(batchSize) tokens cannot hold one pair of --max-length \(maxLength)")
        }
        problems += modelConfig(sourceVocabularySize: 10, targetVocabularySize: 10).problems().map(Self.flagNamed)
        return problems
    }

    /// Options from JSON in which keys may be missing (options added after a checkpoint was
    /// written): those take their defaults, so older runs still resume.
    public static func decode(json: String) throws -> TrainingOptions {
        // Whole options decode directly (JSONSerialization below would round a seed above 2⁵³).
        if let options = try? JSONDecoder().decode(TrainingOptions.self, from: Data(json.utf8)) { return options }
        guard let stored = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw TrainingError.io("the stored training options are not a JSON object")
        }
        return try merging(stored)
    }

    /// The names of the options' fields as they are encoded (`valid` and `vocab` only when set).
    public static func encodedKeys(of options: TrainingOptions = TrainingOptions()) throws -> Set<String> {
        Set((try JSONSerialization.jsonObject(with: JSONEncoder().encode(options)) as! [String: Any]).keys)
    }

    /// `base` with the entries of `object` (keyed by field name, JSON values) put over it; a
    /// value of the wrong type throws the decoder's `DecodingError`.
    public static func merging(_ object: [String: Any], over base: TrainingOptions = TrainingOptions()) throws -> TrainingOptions {
        var merged = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as! [String: Any]
        merged.merge(object) { _, new in new }
        // JSONSerialization traps on what JSON cannot hold (dates, infinities).
        guard JSONSerialization.isValidJSONObject(merged) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a value JSON cannot hold"))
        }
        return try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: merged))
    }

    /// The model configuration's field names and this tool's flags for them.
    static let modelFlags = ["embeddingSize": "--embedding-size", "encoderLayers": "--encoder-layers",
                             "encoderHiddenSize": "--encoder-hidden-size", "decoderLayers": "--decoder-layers",
                             "decoderHiddenSize": "--decoder-hidden-size", "dropout": "--dropout", "bridge": "--bridge",
                             "attention": "--attention", "tiedTargetEmbeddings": "--tied-embeddings", "cell": "--cell"]

    /// A model-configuration problem in the words of the flags (`bridge copy needs
    /// decoderHiddenSize …` → `--bridge copy needs --decoder-hidden-size …`).
    static func flagNamed(_ problem: String) -> String {
        problem.split(separator: " ", omittingEmptySubsequences: false).map { word in
            modelFlags[String(word)] ?? String(word)
        }.joined(separator: " ")
    }

    /// Input files named by the options that do not exist, with what to do instead: the
    /// corpus files of `--train` and `--valid` and the `--vocab` manifest.
    public func missingFiles() -> [String] {
        var problems: [String] = []
        let languages = [sourceLang, targetLang]
        for (flag, prefixes) in [("--train", train), ("--valid", valid.map { [$0] } ?? [])] {
            for prefix in prefixes {
                do { try CorpusFiles.checkExist(prefix: prefix, languages: languages, flag: flag) } catch { problems.append(error.description) }
            }
        }
        if let vocab, !FileManager.default.fileExists(atPath: vocab) {
            problems.append("\(vocab): no such file (--vocab takes the manifest NAME.json written by fanyi-vocab build; leave --vocab out to build vocabularies from the training data)")
        }
        return problems
    }

    /// Settings that must match to resume from a checkpoint (the architecture, data and
    /// vocabularies); the rest (steps, time, validation frequency, …) may change between runs.
    /// Relative paths (`--train`, `--vocab`) are compared as absolute paths from `directory`,
    /// the working folder the options were given in.
    public func compatibilityKeys(directory: String) -> [(String, String)] {
        func absolute(_ path: String) -> String {
            URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
        }
        return [("--train", train.map(absolute).joined(separator: ",")), ("--source-lang", sourceLang), ("--target-lang", targetLang),
         ("--vocab", vocab.map(absolute) ?? "(built from the training data)"), ("--merges", "\(merges)"), ("--max-length", "\(maxLength)"),
         ("--cell", cell.rawValue), ("--embedding-size", "\(embeddingSize)"), ("--encoder-layers", "\(encoderLayers)"),
         ("--encoder-hidden-size", "\(encoderHiddenSize)"), ("--decoder-layers", "\(decoderLayers)"),
         ("--decoder-hidden-size", "\(decoderHiddenSize)"), ("--attention", attention.rawValue), ("--bridge", bridge.rawValue),
         ("--dropout", "\(dropout)"), ("--residual", "\(residual)"), ("--tied-embeddings", "\(tiedEmbeddings)"),
         ("--batch-size", "\(batchSize)"), ("--batch-type", batchType.rawValue), ("--optimizer", optimizer),
         ("--seed", "\(seed)")]
    }
}
