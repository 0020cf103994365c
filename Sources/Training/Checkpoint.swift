import Foundation
import Seq2Seq
import Tensor
import Tokenization

/// Where a run stands: everything besides the parameters and optimizer moments that an exact
/// resume needs.
public struct TrainingState: Codable, Equatable, Sendable {
    public var step = 0
    public var epoch = 0
    /// Batches of the current epoch already done.
    public var batchInEpoch = 0

    /// Epochs done, with the current one's fraction (2.5: half-way through the third).
    public func epochs(batchesInEpoch: Int) -> Double {
        Double(epoch) + Double(batchInEpoch) / Double(max(batchesInEpoch, 1))
    }
    /// The training random generator (dropout), as hex words (JSON numbers lose 64-bit precision).
    public var rng: [String] = []
    public var schedule: LearningRateSchedule
    public var optimizerSteps = 0
    public var bestScore: Double?
    public var bestStep = 0
    public var validationsWithoutImprovement = 0
    public var history: [ValidationRecord] = []
    public var trainingSeconds = 0.0
    public var targetTokens = 0
    /// Ranks of the data-parallel run (nil in checkpoints from before: 1); the batch order depends on it.
    public var ranks: Int?

    public init(schedule: LearningRateSchedule, rng: RandomGenerator) {
        self.schedule = schedule
        setRNG(rng)
    }

    public mutating func setRNG(_ rng: RandomGenerator) {
        let s = rng.state
        self.rng = [s.0, s.1, s.2, s.3].map { String($0, radix: 16) }
    }

    public var randomGenerator: RandomGenerator {
        let words = rng.compactMap { UInt64($0, radix: 16) }
        return words.count == 4 ? RandomGenerator(state: (words[0], words[1], words[2], words[3])) : RandomGenerator(seed: 0)
    }
}

/// One validation: dev perplexity, BLEU and chrF of greedy translations.
public struct ValidationRecord: Codable, Equatable, Sendable {
    public var step: Int
    public var seconds: Double
    public var perplexity: Double
    public var bleu: Double
    public var chrf: Double
}

/// Training checkpoints: a model file (safetensors) plus optimizer moments (`optimizer.m.*`,
/// `optimizer.v.*`) and the options and state in the metadata. Written atomically; the last K kept.
public enum Checkpoint {
    static let stateKey = "training.state"
    static let optionsKey = "training.options"
    /// The working folder of the run, against which its relative paths are read.
    static let directoryKey = "training.directory"

    public static func fileName(step: Int) -> String { String(format: "checkpoint-%08d.safetensors", step) }

    /// Checkpoint files in `folder`, oldest first.
    public static func list(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".safetensors") }.sorted().map { folder + "/" + $0 }
    }

    public static func save(model: Seq2SeqModel, optimizer: Optimizer, pipeline: TextPipeline, options: TrainingOptions,
                            state: TrainingState, folder: String) throws {
        // Read in place while written (the model and optimizer outlive the write): no 100 MB copy.
        var tensors = model.parameters.map { SafeTensors.Tensor(name: $0.name, borrowing: $0.value) }
        if let adam = optimizer as? Adam {
            for (name, moments) in adam.moments {
                tensors.append(.init(name: ModelFile.optimizerPrefix + "m." + name, borrowing: moments.m))
                tensors.append(.init(name: ModelFile.optimizerPrefix + "v." + name, borrowing: moments.v))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = pipeline.metadata
        metadata["format"] = ModelFile.formatName
        metadata["format_version"] = ModelFile.formatVersion
        metadata["config"] = ModelFile.configJSON(model.config)
        metadata[stateKey] = String(decoding: try encoder.encode(state), as: UTF8.self)
        metadata[optionsKey] = String(decoding: try encoder.encode(options), as: UTF8.self)
        metadata[directoryKey] = FileManager.default.currentDirectoryPath
        let path = folder + "/" + fileName(step: state.step)
        try withExtendedLifetime((model, optimizer)) {
            try SafeTensors.write(tensors, metadata: metadata, storage: .f32, to: path)
        }
        let all = list(in: folder)
        for old in all.dropLast(options.keepCheckpoints) { try? FileManager.default.removeItem(atPath: old) }
    }

    /// The newest checkpoint in `folder` that reads back whole, and what it restores. A newer one
    /// that does not (cut short by a full disk or a copy, damaged) is reported and passed over;
    /// temporary files left by a process killed while writing are removed. Nil when the folder
    /// has no checkpoint; an error naming each file when none of them reads.
    public static func newestReadable(in folder: String, log: TrainingLog) throws -> (String, Restored)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names where name.hasPrefix("checkpoint-") && name.contains(".safetensors.tmp-") {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
        var damaged: [String] = []
        for path in list(in: folder).reversed() {
            do {
                let restored = try load(path)
                if !damaged.isEmpty {
                    log.warn("resuming from the newest checkpoint that reads whole, \(path); passed over: \(damaged.joined(separator: "; "))")
                }
                return (path, restored)
            } catch {
                damaged.append("\(path) (\(error))")
            }
        }
        guard damaged.isEmpty else {
            throw TrainingError.io("no checkpoint in \(folder) reads whole: \(damaged.joined(separator: "; ")); "
                                   + "delete them to train afresh, or pass --overwrite")
        }
        return nil
    }

    /// What a checkpoint restores.
    public struct Restored {
        public var model: Seq2SeqModel
        public var pipeline: TextPipeline
        public var options: TrainingOptions
        public var state: TrainingState
        public var moments: [String: (m: Matrix, v: Matrix)]
        /// The working folder the run was started in (nil in checkpoints from before it was kept).
        public var directory: String?
    }

    public static func load(_ path: String) throws -> Restored {
        try decode(try SafeTensors.read(path), file: path)
    }

    /// A checkpoint from its file's bytes; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file path: String) throws -> Restored {
        let (tensors, metadata) = try SafeTensors.decode(bytes, file: path)
        let model = try ModelFile.model(tensors: tensors, metadata: metadata, file: path)
        guard model.parameters.allSatisfy({ $0.quantized == nil }) else {
            throw TrainingError.io("\(path): an 8-bit (I8) model file, for translation only; resume from a checkpoint (OUTPUT/checkpoint-*.safetensors)")
        }
        guard let stateText = metadata[stateKey], let optionsText = metadata[optionsKey] else {
            throw TrainingError.io("\(path): a model file without training state; it cannot be resumed from")
        }
        let state = try JSONDecoder().decode(TrainingState.self, from: Data(stateText.utf8))
        let options = try TrainingOptions.decode(json: optionsText)
        var byName: [String: SafeTensors.Tensor] = [:]
        for tensor in tensors where tensor.name.hasPrefix(ModelFile.optimizerPrefix) { byName[tensor.name] = tensor }
        var moments: [String: (m: Matrix, v: Matrix)] = [:]
        for p in model.parameters {
            let m = byName[ModelFile.optimizerPrefix + "m." + p.name]
            let v = byName[ModelFile.optimizerPrefix + "v." + p.name]
            if let m, let v {
                guard m.int8 == nil, v.int8 == nil, m.values.count == p.value.count, v.values.count == p.value.count else {
                    throw TrainingError.io("\(path): the optimizer state of '\(p.name)' does not have the parameter's \(p.value.count) Float values")
                }
                moments[p.name] = (Matrix(rows: p.value.rows, cols: p.value.cols, storage: m.values),
                                   Matrix(rows: p.value.rows, cols: p.value.cols, storage: v.values))
            }
        }
        return Restored(model: model, pipeline: try TextPipeline(metadata: metadata, file: path), options: options,
                        state: state, moments: moments, directory: metadata[directoryKey])
    }

    /// Throws when `requested` (given in the current folder) differs from the checkpoint's options
    /// (given in `directory`, the current folder when unknown) in a setting that matters.
    public static func checkCompatible(_ checkpoint: TrainingOptions, directory: String?, _ requested: TrainingOptions,
                                       file: String) throws {
        let here = FileManager.default.currentDirectoryPath
        let pairs = zip(checkpoint.compatibilityKeys(directory: directory ?? here), requested.compatibilityKeys(directory: here))
        for ((setting, old), (_, new)) in pairs where old != new {
            throw TrainingError.incompatibleCheckpoint(file: file, setting: setting, checkpoint: old, requested: new)
        }
    }
}
