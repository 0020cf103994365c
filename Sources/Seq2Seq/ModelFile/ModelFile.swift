import Foundation
import Tensor

/// A Fanyi model file: the model's parameters under their dotted names, in the safetensors
/// layout, with `__metadata__` holding the format, the model configuration and whatever the
/// caller adds (vocabularies, BPE merges, tokenizer options), so one file is all a translator needs.
public enum ModelFile {
    public static let formatName = "fanyi-model"
    public static let formatVersion = "1"
    /// Tensors under this prefix (a checkpoint's optimizer state) are not model parameters.
    public static let optimizerPrefix = "optimizer."

    /// The file bytes of `model` with extra metadata entries.
    public static func encode(_ model: Seq2SeqModel, metadata extra: [String: String] = [:], storage: StorageType = .f32) -> [UInt8] {
        let (tensors, metadata) = contents(model, metadata: extra)
        return SafeTensors.encode(tensors, metadata: metadata, storage: storage)
    }

    /// Writes `model` atomically, tensor by tensor (the same bytes as `encode`).
    public static func save(_ model: Seq2SeqModel, metadata: [String: String] = [:], storage: StorageType = .f32,
                            to path: String) throws(ModelFileError) {
        let (tensors, metadata) = contents(model, metadata: metadata)
        try SafeTensors.write(tensors, metadata: metadata, storage: storage, to: path)
    }

    /// The parameters as tensors and the metadata with the format and configuration added.
    static func contents(_ model: Seq2SeqModel, metadata extra: [String: String]) -> ([SafeTensors.Tensor], [String: String]) {
        var metadata = extra
        metadata["format"] = formatName
        metadata["format_version"] = formatVersion
        metadata["config"] = configJSON(model.config)
        let tensors = model.parameters.map {
            SafeTensors.Tensor(name: $0.name, shape: $0.value.shape, values: $0.value.storage)
        }
        return (tensors, metadata)
    }

    /// Rebuilds a model from file bytes; checks the format, the configuration and that every
    /// parameter is present with its shape (and nothing else is).
    public static func decode(_ bytes: [UInt8], file: String) throws(ModelFileError) -> (model: Seq2SeqModel, metadata: [String: String]) {
        let (tensors, metadata) = try SafeTensors.decode(bytes, file: file)
        return (try model(tensors: tensors, metadata: metadata, file: file), metadata)
    }

    /// The model of already decoded tensors and metadata (a checkpoint reader also wants the rest).
    public static func model(tensors: [SafeTensors.Tensor], metadata: [String: String], file: String) throws(ModelFileError) -> Seq2SeqModel {
        guard metadata["format"] == formatName else {
            throw .incompatible(file: file, reason: "a safetensors file, but not a Fanyi model (metadata format is \(metadata["format"].map { "'\($0)'" } ?? "missing"))")
        }
        guard metadata["format_version"] == formatVersion else {
            throw .incompatible(file: file, reason: "Fanyi model format version \(metadata["format_version"] ?? "?"); this build reads version \(formatVersion): update Fanyi (git pull, scripts/setup.sh) or use a model made by this version")
        }
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: Data((metadata["config"] ?? "").utf8))
        } catch {
            throw .malformed(file: file, reason: "the model configuration in the metadata cannot be read (\(error))")
        }
        let problems = config.problems()
        guard problems.isEmpty else { throw .malformed(file: file, reason: "invalid model configuration: \(problems.joined(separator: "; "))") }
        let model = Seq2SeqModel(config: config, seed: 0)
        var byName: [String: SafeTensors.Tensor] = [:]
        // A training checkpoint is a model file plus optimizer tensors, which a model ignores.
        for tensor in tensors where !tensor.name.hasPrefix(optimizerPrefix) { byName[tensor.name] = tensor }
        for p in model.parameters {
            guard let tensor = byName.removeValue(forKey: p.name) else {
                throw .malformed(file: file, reason: "tensor '\(p.name)' is missing")
            }
            guard tensor.shape == p.value.shape else {
                throw .malformed(file: file, reason: "tensor '\(p.name)' has shape \(tensor.shape); the configuration needs \(p.value.shape)")
            }
            tensor.values.withUnsafeBufferPointer { p.value.pointer.update(from: $0.baseAddress!, count: $0.count) }
        }
        if let extra = byName.keys.sorted().first {
            throw .malformed(file: file, reason: "unexpected tensor '\(extra)' (\(byName.count) not in the configuration)")
        }
        return model
    }

    public static func load(_ path: String) throws(ModelFileError) -> (model: Seq2SeqModel, metadata: [String: String]) {
        try decode(try SafeTensors.read(path), file: path)
    }

    /// The configuration as the JSON stored in the metadata.
    public static func configJSON(_ config: ModelConfig) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(config), as: UTF8.self)
    }
}
