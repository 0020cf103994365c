import Foundation
import Testing
import Tensor
@testable import Seq2Seq

/// The tiny model of the committed fixture (Fixtures/tiny-model.safetensors).
func fixtureModel() -> Seq2SeqModel {
    var config = ModelConfig(sourceVocabularySize: 6, targetVocabularySize: 5)
    (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize, config.encoderLayers, config.decoderLayers) = (3, 2, 4, 1, 1)
    return Seq2SeqModel(config: config, seed: 42)
}

let fixtureFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures"

@Suite struct ModelFileTests {
    func smallModel() -> Seq2SeqModel {
        var config = ModelConfig(sourceVocabularySize: 9, targetVocabularySize: 8)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize, config.cell, config.attention, config.bridge)
            = (3, 2, 4, .gru, .mlp, .dense)
        return Seq2SeqModel(config: config, seed: 8)
    }

    @Test func roundTripsInFloat32() throws {
        let model = smallModel()
        let metadata = ["vocabulary.source": "<pad>\t0\n<unk>\t0\n", "note": "quote \" backslash \\ tab \t 中文"]
        let (loaded, readMetadata) = try ModelFile.decode(ModelFile.encode(model, metadata: metadata), file: "m")
        #expect(loaded.config == model.config)
        #expect(readMetadata["vocabulary.source"] == metadata["vocabulary.source"])
        #expect(readMetadata["note"] == metadata["note"])
        #expect(readMetadata["format"] == "fanyi-model")
        for (a, b) in zip(model.parameters, loaded.parameters) {
            #expect(a.name == b.name && a.value == b.value)
        }
        // Through a file too, written atomically.
        let path = NSTemporaryDirectory() + "fanyi-model-\(UUID().uuidString).safetensors"
        try ModelFile.save(model, to: path)
        try ModelFile.save(model, to: path)  // replacing an existing file
        #expect(try ModelFile.load(path).model.parameters.map(\.value) == model.parameters.map(\.value))
        // The streamed file is byte for byte what `encode` gives, in both storage types.
        for storage in StorageType.allCases {
            try ModelFile.save(model, metadata: metadata, storage: storage, to: path)
            #expect(try SafeTensors.read(path) == ModelFile.encode(model, metadata: metadata, storage: storage))
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Tensors larger than one write piece (2¹⁸ elements) stream correctly; a folder that cannot
    /// be written leaves no temporary file behind and names the path.
    @Test func largeTensorsStreamAndWriteFailuresAreReported() throws {
        let values = (0..<300_001).map { Float($0 % 977) - 488.5 }
        let tensors = [SafeTensors.Tensor(name: "big", shape: [300_001], values: values),
                       SafeTensors.Tensor(name: "a", shape: [2], values: [1, 2])]
        let folder = NSTemporaryDirectory() + "fanyi-stream-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/big.safetensors"
        try SafeTensors.write(tensors, metadata: ["k": "v"], storage: .f32, to: path)
        let bytes = try SafeTensors.read(path)
        #expect(bytes == SafeTensors.encode(tensors, metadata: ["k": "v"], storage: .f32))
        #expect(try SafeTensors.decode(bytes, file: path).tensors.first { $0.name == "big" }?.values == values)
        // Values borrowed from memory (how checkpoints avoid a copy) give the same bytes, in F32 and F16.
        values.withUnsafeBufferPointer { source in
            let borrowed = [SafeTensors.Tensor(name: "big", shape: [300_001], borrowing: source), tensors[1]]
            #expect(borrowed == tensors)
            for storage in [StorageType.f32, .f16] {
                #expect(SafeTensors.encode(borrowed, metadata: ["k": "v"], storage: storage)
                        == SafeTensors.encode(tensors, metadata: ["k": "v"], storage: storage))
            }
        }
        let missing = folder + "/no-such-folder/x.safetensors"
        #expect(throws: ModelFileError.self) { try SafeTensors.write(tensors, metadata: [:], storage: .f32, to: missing) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["big.safetensors"])
    }

    @Test func float16HalvesTheDataAndRoundsGently() throws {
        let model = smallModel()
        let full = ModelFile.encode(model), half = ModelFile.encode(model, storage: .f16)
        let dataBytes = model.parameters.reduce(0) { $0 + $1.value.count } * 4
        func dataSize(_ bytes: [UInt8]) -> Int {
            bytes.count - 8 - bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        }
        #expect(dataSize(full) == dataBytes && dataSize(half) == dataBytes / 2)
        let loaded = try ModelFile.decode(half, file: "h").model
        for (a, b) in zip(model.parameters, loaded.parameters) {
            for i in 0..<a.value.count {
                #expect(abs(a.value.pointer[i] - b.value.pointer[i]) <= 1e-3 * max(abs(a.value.pointer[i]), 6e-5))
            }
        }
    }

    /// A file: header length, header, data.
    func file(header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (headerLength ?? UInt64(header.utf8.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Array(header.utf8) + data
    }

    static let corruptions: [(String, String)] = [
        ("empty", "shorter than the 8-byte header length"),
        ("header past the end", "runs past the end of the file"),
        ("oversized header", "exceeds the limit"),
        ("not json", "the header is not JSON"),
        ("json array", "not a JSON object"),
        ("bad metadata", "must map strings to strings"),
        ("no dtype", "lacks dtype"),
        ("int64", "Fanyi reads F32, F16 and I8"),
        ("huge shape", "bytes for shape"),
        ("negative offset", "invalid data_offsets"),
        ("out of range", "out of range or truncated"),
        ("wrong size", "bytes for shape"),
        ("overlap", "overlaps"),
        ("gap", "gap of unused bytes"),
        ("trailing", "bytes after the last tensor"),
    ]

    @Test(arguments: corruptions)
    func corruptedFilesAreRejected(kind: String, message: String) {
        let eight = [UInt8](repeating: 0, count: 8)
        let bytes: [UInt8]
        switch kind {
        case "empty": bytes = [1, 2, 3]
        case "header past the end": bytes = file(header: "{}", headerLength: 100)
        case "oversized header": bytes = file(header: "{}", headerLength: 1 << 40)
        case "not json": bytes = file(header: "{nope")
        case "json array": bytes = file(header: "[1,2]")
        case "bad metadata": bytes = file(header: #"{"__metadata__":{"a":1}}"#)
        case "no dtype": bytes = file(header: #"{"t":{"shape":[2],"data_offsets":[0,8]}}"#, data: eight)
        case "int64": bytes = file(header: #"{"t":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: eight)
        // 2³¹ cubed overflows an Int: the product must be checked, not trapped on.
        case "huge shape": bytes = file(header: #"{"t":{"dtype":"F32","shape":[2147483648,2147483648,2147483648],"data_offsets":[0,8]}}"#, data: eight)
        case "negative offset": bytes = file(header: #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#, data: eight)
        case "out of range": bytes = file(header: #"{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: eight)
        case "wrong size": bytes = file(header: #"{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight)
        case "overlap": bytes = file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eight)
        case "gap": bytes = file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eight)
        case "trailing": bytes = file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: eight)
        default: bytes = []
        }
        #expect { try SafeTensors.decode(bytes, file: "bad.safetensors") } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("bad.safetensors: ") && text.contains(message)
        }
    }

    @Test func truncatedModelFilesAreRejectedAtEveryCut() {
        let bytes = ModelFile.encode(fixtureModel())
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: ModelFileError.self) { try ModelFile.decode(Array(bytes[0..<cut]), file: "cut") }
        }
    }

    @Test func foreignOrMismatchedFilesAreRejected() throws {
        let plain = SafeTensors.encode([.init(name: "w", shape: [1, 2], values: [1, 2])], metadata: [:], storage: .f32)
        #expect { try ModelFile.decode(plain, file: "x") } throws: { "\($0)".contains("not a Fanyi model") }
        let model = fixtureModel()
        var tensors = model.parameters.map { SafeTensors.Tensor(name: $0.name, shape: $0.value.shape, values: $0.value.storage) }
        let metadata = ["format": "fanyi-model", "format_version": "1", "config": ModelFile.configJSON(model.config)]
        let future = SafeTensors.encode(tensors, metadata: metadata.merging(["format_version": "9"]) { $1 }, storage: .f32)
        #expect { try ModelFile.decode(future, file: "x") } throws: { "\($0)".contains("format version 9") }
        let extra = SafeTensors.encode(tensors + [.init(name: "zzz", shape: [1], values: [0])], metadata: metadata, storage: .f32)
        #expect { try ModelFile.decode(extra, file: "x") } throws: { "\($0)".contains("unexpected tensor 'zzz'") }
        tensors[0].shape = [tensors[0].shape[1], tensors[0].shape[0]]
        let reshaped = SafeTensors.encode(tensors, metadata: metadata, storage: .f32)
        #expect { try ModelFile.decode(reshaped, file: "x") } throws: { "\($0)".contains("the configuration needs") }
        tensors.removeFirst()
        let missing = SafeTensors.encode(tensors, metadata: metadata, storage: .f32)
        #expect { try ModelFile.decode(missing, file: "x") } throws: { "\($0)".contains("is missing") }
        #expect { try ModelFile.load("/no/such/model.safetensors") } throws: { "\($0)".contains("no such file") }
    }

    /// The committed fixture is what this build writes for the fixture model, and reads back as
    /// Python's safetensors package printed it (Fixtures/tiny-model.python.txt, made by
    /// scripts/check-model-fixture.py).
    @Test func fixtureMatchesPythonSafetensors() throws {
        let path = fixtureFolder + "/tiny-model.safetensors"
        let written = ModelFile.encode(fixtureModel(), metadata: ["note": "fixture"])
        if ProcessInfo.processInfo.environment["FANYI_WRITE_FIXTURES"] == "1" {
            try SafeTensors.write(written, to: path)
        }
        let committed = try SafeTensors.read(path)
        #expect(committed == written, "the model file layout changed; if on purpose, rewrite the fixture and the Python listing")
        let (tensors, metadata) = try SafeTensors.decode(committed, file: path)
        #expect(metadata["note"] == "fixture")
        // Python's listing: "name<TAB>shape<TAB>first values" per tensor, as safetensors/numpy printed them.
        let listing = try String(contentsOfFile: fixtureFolder + "/tiny-model.python.txt", encoding: .utf8)
        let rows = listing.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.count == tensors.count)
        for (row, tensor) in zip(rows, tensors) {
            let fields = row.split(separator: "\t").map(String.init)
            #expect(fields[0] == tensor.name)
            #expect(fields[1] == tensor.shape.map(String.init).joined(separator: ","))
            let values = fields[2].split(separator: ",").map { Float(String($0))! }
            for (i, v) in values.enumerated() { #expect(v == tensor.values[i], "\(tensor.name)[\(i)]") }
        }
    }
}
