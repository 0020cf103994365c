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
        let (tensors, metadata) = contents(model, metadata: extra, storage: storage)
        return withExtendedLifetime(model) { SafeTensors.encode(tensors, metadata: metadata, storage: storage) }
    }

    /// Writes `model` atomically, tensor by tensor (the same bytes as `encode`).
    public static func save(_ model: Seq2SeqModel, metadata: [String: String] = [:], storage: StorageType = .f32,
                            to path: String) throws(ModelFileError) {
        let (tensors, metadata) = contents(model, metadata: metadata, storage: storage)
        try withExtendedLifetime(model) { () throws(ModelFileError) in
            try SafeTensors.write(tensors, metadata: metadata, storage: storage, to: path)
        }
    }

    /// Suffix of the scale tensor beside each I8 tensor.
    public static let scaleSuffix = ".scale"

    /// The parameters as tensors and the metadata with the format and configuration added.
    /// Float32 values are borrowed from the parameters: the caller keeps `model` alive until the
    /// tensors are written.
    ///
    /// With I8 storage, each weight matrix W (K×N) is stored as int8 q with `NAME.scale` (N
    /// Float32): W ≈ q[p][j] · scale[j], a scale per output column; each embedding table (V×E)
    /// likewise with a scale per row (V). Single rows (biases) stay Float32.
    static func contents(_ model: Seq2SeqModel, metadata extra: [String: String], storage: StorageType) -> ([SafeTensors.Tensor], [String: String]) {
        var metadata = extra
        metadata["format"] = formatName
        metadata["format_version"] = formatVersion
        metadata["config"] = configJSON(model.config)
        var tensors: [SafeTensors.Tensor] = []
        for p in model.parameters {
            guard storage == .i8, p.kind != .vector else {
                tensors.append(SafeTensors.Tensor(name: p.name, borrowing: p.value))
                continue
            }
            // A table's rows are a weight's columns: quantize its transpose, store untransposed.
            let (values, scales) = p.kind == .weight ? QuantizedMatrix.quantizing(p.value.view) : quantizedRows(p.value)
            tensors.append(SafeTensors.Tensor(name: p.name, shape: p.value.shape, int8: values))
            tensors.append(SafeTensors.Tensor(name: p.name + scaleSuffix, shape: [scales.count], values: scales))
        }
        return (tensors, metadata)
    }

    /// A table quantized per row: int8 values (same layout) and one scale per row.
    static func quantizedRows(_ table: Matrix) -> (values: [Int8], scales: [Float]) {
        let transposed = Matrix(rows: table.cols, cols: table.rows)
        for r in 0..<table.rows { for c in 0..<table.cols { transposed.pointer[c * table.rows + r] = table.pointer[r * table.cols + c] } }
        let (values, scales) = withExtendedLifetime(transposed) { QuantizedMatrix.quantizing(transposed.view) }
        var rows = [Int8](repeating: 0, count: values.count)
        for r in 0..<table.rows { for c in 0..<table.cols { rows[r * table.cols + c] = values[c * table.rows + r] } }
        return (rows, scales)
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
            if let int8 = tensor.int8 {
                try load(int8, into: p, scales: byName.removeValue(forKey: p.name + scaleSuffix), file: file)
            } else {
                tensor.values.withUnsafeBufferPointer { p.value.pointer.update(from: $0.baseAddress!, count: $0.count) }
            }
        }
        if let extra = byName.keys.sorted().first {
            throw .malformed(file: file, reason: "unexpected tensor '\(extra)' (\(byName.count) not in the configuration)")
        }
        return model
    }

    /// An I8 tensor into `p`: its values dequantized, and for a weight matrix its 8-bit form,
    /// which translation then multiplies with.
    static func load(_ int8: [Int8], into p: Parameter, scales: SafeTensors.Tensor?, file: String) throws(ModelFileError) {
        let (rows, cols) = (p.value.rows, p.value.cols)
        let scaleCount = p.kind == .table ? rows : cols
        guard p.kind != .vector else { throw .malformed(file: file, reason: "tensor '\(p.name)' is I8, but a single row is stored as F32 or F16") }
        guard let scales, scales.int8 == nil, scales.shape == [scaleCount] else {
            throw .malformed(file: file, reason: "I8 tensor '\(p.name)' needs a Float tensor '\(p.name)\(scaleSuffix)' of shape [\(scaleCount)]")
        }
        guard scales.values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw .malformed(file: file, reason: "tensor '\(p.name)\(scaleSuffix)' holds a negative or non-finite scale")
        }
        for r in 0..<rows {
            for c in 0..<cols { p.value.pointer[r * cols + c] = Float(int8[r * cols + c]) * scales.values[p.kind == .table ? r : c] }
        }
        if p.kind == .weight { p.quantized = QuantizedMatrix(rows: rows, cols: cols, values: int8, scales: scales.values) }
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
