import ArgumentParser
import DataParallel
import Tensor
import Foundation
import Seq2Seq
import Training

@main
struct FanyiTrain: ParsableCommand {
    /// Gives OpenBLAS its settings (see `BLASEnvironment`) before parsing and running.
    static func main() {
        BLASEnvironment.prepare()
        main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "fanyi-train",
        abstract: "Train a translation model on a parallel corpus.",
        discussion: Train.discussion + """

            'fanyi-train help train' lists the training options; 'fanyi-train help
            plot', 'help export', 'help average' and 'help calibrate' those of the
            other subcommands.
            """,
        subcommands: [Train.self, Plot.self, Export.self, Average.self, Calibrate.self],
        defaultSubcommand: Train.self
    )
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a model (the default subcommand).", discussion: discussion)

    static let discussion = """
        Reads the line-aligned files PREFIX.<source-lang> and PREFIX.<target-lang>
        of each --train prefix and writes checkpoints, a JSON-lines log
        (train.log.jsonl) and the best model (model.safetensors) into --output.
        Running the same command again resumes from the newest checkpoint.
        Ctrl-C (SIGINT) or SIGTERM finishes the step, writes a checkpoint and
        exits 0. Options may also come from a YAML file (--config run.yaml, keys
        as the flags without dashes: `source-lang: en`); flags override it.
        Example (vocabularies from fanyi-vocab build, validation every 500 steps,
        30 minutes):
          fanyi-train --train my-data/train --valid my-data/dev \\
              --source-lang en --target-lang es --vocab vocab/my-en-es.json \\
              --output runs/my-en-es --valid-steps 500 --max-time 1800
        """

    @Option(help: "YAML file of options (flags override it).") var config: String?
    @Option(help: "Training corpus prefix (repeatable).") var train: [String] = []
    @Option(help: "Validation corpus prefix.") var valid: String?
    @Option(help: "Source language code.") var sourceLang: String?
    @Option(help: "Target language code.") var targetLang: String?
    @Option(help: "Vocabulary manifest from fanyi-vocab build (default: build from the training data).") var vocab: String?
    @Option(help: "BPE merges per side when building vocabularies here (default 8000).") var merges: Int?
    @Option(help: "Skip pairs longer than this many subwords on a side (default 100).") var maxLength: Int?
    @Option(help: "Output folder for checkpoints, log and model.") var output: String?

    @Option(help: "Recurrent cell: lstm or gru.") var cell: CellKind?
    @Option(help: "Embedding size (default 256).") var embeddingSize: Int?
    @Option(help: "Encoder layers (default 2).") var encoderLayers: Int?
    @Option(help: "Encoder hidden size per direction (default 128).") var encoderHiddenSize: Int?
    @Option(help: "Decoder layers (default 2).") var decoderLayers: Int?
    @Option(help: "Decoder hidden size (default 256).") var decoderHiddenSize: Int?
    @Option(help: "Attention: general, dot or mlp.") var attention: AttentionKind?
    @Option(help: "Decoder initial state: copy, dense or zeros.") var bridge: BridgeKind?
    @Option(help: "Dropout rate (default 0.2).") var dropout: Float?
    @Flag(help: "Residual connections between encoder layers.") var residual = false
    @Flag(help: "Tie the target embeddings to the generator.") var tiedEmbeddings = false

    @Option(help: "Batch size (default 64).") var batchSize: Int?
    @Option(help: "Batch size unit: sentences or tokens.") var batchType: Batcher.Unit?
    @Option(help: "Optimizer: adam or sgd.") var optimizer: String?
    @Option(help: "Learning rate (default 0.002).") var learningRate: Float?
    @Option(help: "Linear warm-up steps (default 300).") var warmupSteps: Int?
    @Option(help: "Learning-rate decay: none, fixed or plateau.") var decay: LearningRateSchedule.Decay?
    @Option(help: "Decay factor (default 0.5).") var decayFactor: Float?
    @Option(help: "Fixed decay: first step (default 0).") var decayStart: Int?
    @Option(help: "Fixed decay: every this many steps (default 1000).") var decayEvery: Int?
    @Option(help: "Plateau decay: validations without improvement (default 2).") var decayPatience: Int?
    @Option(help: "Clip the gradient norm to this (0: off; default 5).") var clipNorm: Float?
    @Option(help: "Label smoothing (default 0.1).") var labelSmoothing: Float?
    @Option(help: "Random seed (default 1).") var seed: UInt64?
    @Option(help: "Threads (default 2): each trains its share of every batch (the batch is cut in shards, as across mpirun ranks).") var threads: Int?
    @Option(help: "Under mpirun: seconds a rank waits for the others before ending the job (default 600, 0: forever).") var rankTimeout: Double?

    @Option(help: "Stop after this many steps (0: no limit).") var trainSteps: Int?
    @Option(help: "Stop after this many epochs (0: no limit).") var epochs: Int?
    @Option(help: "Stop after this many seconds of training (0: no limit).") var maxTime: Double?
    @Option(help: "Validate every this many steps (default 1000).") var validSteps: Int?
    @Option(help: "Sentences per validation batch (default 64).") var validBatchSize: Int?
    @Option(help: "Dev sentences shown with their translation at each validation (default 1).") var validExamples: Int?
    @Option(help: "Metric for the best model and early stopping: bleu, chrf or perplexity.") var earlyStoppingMetric: TrainingOptions.StoppingMetric?
    @Option(help: "Stop after this many validations without improvement (0: never).") var patience: Int?
    @Option(help: "Checkpoint every this many steps (default 1000).") var checkpointSteps: Int?
    @Option(help: "Checkpoints to keep (default 3).") var keepCheckpoints: Int?
    @Option(help: "Report progress every this many steps (default 100).") var logEvery: Int?
    @Option(help: "Model file storage: F32, F16 or I8 (8-bit weights; checkpoints stay F32).") var storage: StorageType?
    @Option(help: "JSON-lines log file (default OUTPUT/train.log.jsonl).") var log: String?
    @Flag(help: "Only errors and the final summary on stderr.") var quiet = false
    @Flag(help: "Delete the output folder's checkpoints and start afresh instead of resuming.") var overwrite = false

    /// The effective options: defaults, then the YAML file, then the flags.
    func options() throws -> TrainingOptions {
        var o = TrainingOptions()
        if let config { o = try ConfigFile.read(config, over: o) }
        if !train.isEmpty { o.train = train }
        if let valid { o.valid = valid }
        if let sourceLang { o.sourceLang = sourceLang }
        if let targetLang { o.targetLang = targetLang }
        if let vocab { o.vocab = vocab }
        if let merges { o.merges = merges }
        if let maxLength { o.maxLength = maxLength }
        if let output { o.output = output }
        if let cell { o.cell = cell }
        if let embeddingSize { o.embeddingSize = embeddingSize }
        if let encoderLayers { o.encoderLayers = encoderLayers }
        if let encoderHiddenSize { o.encoderHiddenSize = encoderHiddenSize }
        if let decoderLayers { o.decoderLayers = decoderLayers }
        if let decoderHiddenSize { o.decoderHiddenSize = decoderHiddenSize }
        if let attention { o.attention = attention }
        if let bridge { o.bridge = bridge }
        if let dropout { o.dropout = dropout }
        if residual { o.residual = true }
        if tiedEmbeddings { o.tiedEmbeddings = true }
        if let batchSize { o.batchSize = batchSize }
        if let batchType { o.batchType = batchType }
        if let optimizer { o.optimizer = optimizer }
        if let learningRate { o.learningRate = learningRate }
        if let warmupSteps { o.warmupSteps = warmupSteps }
        if let decay { o.decay = decay }
        if let decayFactor { o.decayFactor = decayFactor }
        if let decayStart { o.decayStart = decayStart }
        if let decayEvery { o.decayEvery = decayEvery }
        if let decayPatience { o.decayPatience = decayPatience }
        if let clipNorm { o.clipNorm = clipNorm }
        if let labelSmoothing { o.labelSmoothing = labelSmoothing }
        if let seed { o.seed = seed }
        if let threads { o.threads = threads }
        if let rankTimeout { o.rankTimeout = rankTimeout }
        if let trainSteps { o.trainSteps = trainSteps }
        if let epochs { o.epochs = epochs }
        if let maxTime { o.maxTime = maxTime }
        if let validSteps { o.validSteps = validSteps }
        if let validBatchSize { o.validBatchSize = validBatchSize }
        if let validExamples { o.validExamples = validExamples }
        if let earlyStoppingMetric { o.earlyStoppingMetric = earlyStoppingMetric }
        if let patience { o.patience = patience }
        if let checkpointSteps { o.checkpointSteps = checkpointSteps }
        if let keepCheckpoints { o.keepCheckpoints = keepCheckpoints }
        if let logEvery { o.logEvery = logEvery }
        if let storage { o.storage = storage }
        return o
    }

    func validate() throws {
        let options = try options()
        let problems = options.problems() + options.missingFiles()
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "\n")) }
    }

    func run() throws {
        let options = try options()
        // Started by mpirun: one rank of a data-parallel job (rank 0 writes, the others are quiet).
        let group = Launch.processGroup()
        let log: TrainingLog
        if group.isMain {
            try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
            let logPath = self.log ?? options.output + "/train.log.jsonl"
            if overwrite { try? FileManager.default.removeItem(atPath: logPath) }
            log = try TrainingLog(path: logPath, isTerminal: isatty(2) != 0, quiet: quiet)
            log.say("fanyi-train " + CommandLine.arguments.dropFirst().joined(separator: " "))
            log.say("effective configuration:\n" + ConfigFile.describe(options))
        } else {
            log = try TrainingLog(path: nil, isTerminal: false, quiet: true)
        }
        // A parent may have started us with these signals blocked (threads of libdispatch block
        // them, and a spawned child inherits the mask): unblock them, then catch them.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &signals, nil)
        signal(SIGINT) { _ in Trainer.stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in Trainer.stopRequested.store(true, ordering: .relaxed) }
        do {
            let trainer = try Trainer(options: options, log: log, overwrite: overwrite, group: group)
            try trainer.run()
        } catch where group.size > 1 {
            // The other ranks may wait in a collective operation: end the whole job.
            FileHandle.standardError.write(Data("Error: rank \(group.rank) of \(group.size): \(error)\n".utf8))
            group.abort(code: 1)
        }
    }
}

extension CellKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
extension BridgeKind: ExpressibleByArgument {}
extension StorageType: ExpressibleByArgument {}
extension Batcher.Unit: ExpressibleByArgument {}
extension LearningRateSchedule.Decay: ExpressibleByArgument {}
extension TrainingOptions.StoppingMetric: ExpressibleByArgument {}
