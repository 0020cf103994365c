import Foundation
import Tensor

/// Element types a Fanyi file may store. Values are always Float32 in memory.
public enum StorageType: String, Codable, Sendable, CaseIterable {
    /// IEEE single precision, 4 bytes ("F32").
    case f32 = "F32"
    /// IEEE half precision, 2 bytes ("F16"): half the size, converted back to Float32 on load.
    case f16 = "F16"
    /// Signed bytes ("I8") with a Float32 scale tensor beside each: a model's weight matrices
    /// and embedding tables in 8 bits (`ModelFile`); its biases and scales stay F32.
    case i8 = "I8"

    var byteSize: Int {
        switch self {
        case .f32: return 4
        case .f16: return 2
        case .i8: return 1
        }
    }
}

/// What went wrong reading or writing a tensor file; each case names the file.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    case io(file: String, reason: String)
    case malformed(file: String, reason: String)
    case incompatible(file: String, reason: String)

    public var description: String {
        switch self {
        case let .io(file, reason): return "\(file): \(reason)"
        case let .malformed(file, reason):
            return "\(file): not a valid model file: \(reason) (expected a .safetensors file written by fanyi-train, "
                + "such as models/en-zh-lohelp.safetensors or OUTPUT/model.safetensors)"
        case let .incompatible(file, reason): return "\(file): \(reason)"
        }
    }
}

/// The safetensors layout: an 8-byte little-endian header length N, N bytes of JSON header
/// (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}`,
/// padded with spaces to a multiple of 8), then the tensors' bytes back to back, little-endian,
/// row-major. Any safetensors reader opens these files (Python: `safetensors.safe_open`).
public enum SafeTensors {
    /// A tensor as stored: name, shape and Float32 values (row-major), or int8 values for an
    /// I8 tensor (then `values` is empty).
    public struct Tensor: Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public var int8: [Int8]?
        /// Float32 values read in place when the tensor is written, from memory the caller keeps
        /// alive until then (instead of `values`): a checkpoint then holds no copy of the
        /// parameters and optimizer moments (100 MB for the reference model).
        public var borrowed: UnsafeBufferPointer<Float>?
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
        public init(name: String, shape: [Int], borrowing values: UnsafeBufferPointer<Float>) {
            self.name = name
            self.shape = shape
            self.values = []
            self.borrowed = values
        }
        /// `matrix`'s values, borrowed (the caller keeps the matrix alive until the write).
        public init(name: String, borrowing matrix: Matrix) {
            self.init(name: name, shape: matrix.shape, borrowing: UnsafeBufferPointer(start: matrix.pointer, count: matrix.count))
        }
        public init(name: String, shape: [Int], int8: [Int8]) {
            self.name = name
            self.shape = shape
            self.values = []
            self.int8 = int8
        }
        var count: Int { int8?.count ?? borrowed?.count ?? values.count }
        /// The Float32 values, wherever they are.
        public func withFloats<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R {
            if let borrowed { return body(borrowed) }
            return values.withUnsafeBufferPointer(body)
        }
        public static func == (a: Tensor, b: Tensor) -> Bool {
            a.name == b.name && a.shape == b.shape && a.int8 == b.int8
                && a.withFloats { x in b.withFloats { y in x.elementsEqual(y) } }
        }
        /// How it is stored: I8 for int8 values, else `storage` (F32 when that is I8).
        func dtype(_ storage: StorageType) -> StorageType { int8 != nil ? .i8 : storage == .i8 ? .f32 : storage }
    }

    /// Largest header accepted: a header is names and numbers, far below this.
    public static let maximumHeaderSize = 64 << 20

    /// The file bytes for `tensors` (stored in name order) and `metadata`.
    public static func encode(_ tensors: [Tensor], metadata: [String: String], storage: StorageType) -> [UInt8] {
        var bytes: [UInt8] = []
        forEachPiece(tensors, metadata: metadata, storage: storage) { bytes.append(contentsOf: $0); return true }
        return bytes
    }

    /// The file in pieces, in order: the header length and header, then each tensor's data in
    /// pieces of at most 1 MiB, so that a writer never holds the whole file. Stops when `body`
    /// returns false.
    static func forEachPiece(_ tensors: [Tensor], metadata: [String: String], storage: StorageType,
                             _ body: (UnsafeRawBufferPointer) -> Bool) {
        let sorted = tensors.sorted { $0.name < $1.name }
        var header = "{\"__metadata__\":" + jsonObject(metadata)
        var offset = 0
        for tensor in sorted {
            let size = tensor.count * tensor.dtype(storage).byteSize
            header += "," + jsonString(tensor.name) + ":{\"dtype\":\"\(tensor.dtype(storage).rawValue)\",\"shape\":["
                + tensor.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        guard withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian, body), headerBytes.withUnsafeBytes(body) else { return }
        let piece = 1 << 18  // elements
        var buffer = [UInt8](repeating: 0, count: piece * 4)
        for tensor in sorted {
            let dtype = tensor.dtype(storage)
            var start = 0
            while start < tensor.count {
                let count = min(piece, tensor.count - start)
                buffer.withUnsafeMutableBytes { out in
                    tensor.withFloats { values in
                        for i in 0..<count {
                            switch dtype {
                            case .f32: out.storeBytes(of: values[start + i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                            case .f16: out.storeBytes(of: Float16(values[start + i]).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                            case .i8: out.storeBytes(of: tensor.int8![start + i], toByteOffset: i, as: Int8.self)
                            }
                        }
                    }
                }
                guard buffer.withUnsafeBytes({ body(UnsafeRawBufferPointer(rebasing: $0[0..<(count * dtype.byteSize)])) }) else { return }
                start += count
            }
        }
    }

    /// Parses and checks file bytes; `file` names the source in errors. Never reads out of bounds:
    /// every length and offset is checked against the buffer before use.
    public static func decode(_ bytes: [UInt8], file: String) throws(ModelFileError) -> (tensors: [Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw .malformed(file: file, reason: "\(bytes.count) bytes, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(maximumHeaderSize) else {
            throw .malformed(file: file, reason: "header length \(headerLength) exceeds the limit of \(maximumHeaderSize) bytes")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .malformed(file: file, reason: "header length \(headerLength) runs past the end of the file (\(bytes.count) bytes): truncated?")
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = bytes.count - dataStart
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw .malformed(file: file, reason: "the header is not JSON")
        }
        guard let header = object as? [String: Any] else { throw .malformed(file: file, reason: "the header is not a JSON object") }

        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let map = raw as? [String: Any], map.values.allSatisfy({ $0 is String }) else {
                throw .malformed(file: file, reason: "__metadata__ must map strings to strings")
            }
            metadata = map.mapValues { $0 as! String }
        }
        var entries: [(name: String, dtype: StorageType, shape: [Int], begin: Int, end: Int)] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let entry = raw as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shapeRaw = entry["shape"] as? [Any], let offsetsRaw = entry["data_offsets"] as? [Any] else {
                throw .malformed(file: file, reason: "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = StorageType(rawValue: dtypeName) else {
                throw .malformed(file: file, reason: "tensor '\(name)' has dtype \(dtypeName); Fanyi reads F32, F16 and I8")
            }
            let shape = shapeRaw.compactMap { ($0 as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } }
            let offsets = offsetsRaw.compactMap { ($0 as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } }
            guard shape.count == shapeRaw.count, shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 31 }) else {
                throw .malformed(file: file, reason: "tensor '\(name)' has an invalid shape")
            }
            guard offsets.count == 2, offsetsRaw.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw .malformed(file: file, reason: "tensor '\(name)' has invalid data_offsets")
            }
            guard offsets[1] <= dataSize else {
                throw .malformed(file: file, reason: "tensor '\(name)' ends at byte \(offsets[1]) of a \(dataSize)-byte data section (out of range or truncated)")
            }
            // Each dimension is at most 2³¹, but their product may not fit in an Int.
            let count = shape.reduce(1) { product, dimension in
                let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
                return overflow ? Int.max : result
            }
            guard count <= dataSize, offsets[1] - offsets[0] == count * dtype.byteSize else {
                throw .malformed(file: file, reason: "tensor '\(name)' has \(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtypeName)")
            }
            entries.append((name, dtype, shape, offsets[0], offsets[1]))
        }
        // The tensors must tile the data section: no overlap, no gap, nothing left over.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for entry in entries {
            guard entry.begin == position else {
                throw .malformed(file: file, reason: entry.begin < position
                    ? "tensor '\(entry.name)' overlaps the tensor before it" : "a gap of unused bytes precedes tensor '\(entry.name)'")
            }
            position = entry.end
        }
        guard position == dataSize else {
            throw .malformed(file: file, reason: "\(dataSize - position) bytes after the last tensor")
        }
        let tensors = entries.map { entry -> Tensor in
            let count = (entry.end - entry.begin) / entry.dtype.byteSize
            if entry.dtype == .i8 {
                let base = dataStart + entry.begin
                return Tensor(name: entry.name, shape: entry.shape, int8: bytes[base..<(base + count)].map { Int8(bitPattern: $0) })
            }
            var values = [Float](repeating: 0, count: count)
            let base = dataStart + entry.begin
            for i in 0..<count {
                let p = base + i * entry.dtype.byteSize
                switch entry.dtype {
                case .f32:
                    let bits = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
                    values[i] = Float(bitPattern: bits)
                case .f16:
                    values[i] = Float(Float16(bitPattern: UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8))
                case .i8:
                    preconditionFailure("I8 tensors are read above")
                }
            }
            return Tensor(name: entry.name, shape: entry.shape, values: values)
        }
        return (tensors.sorted { $0.name < $1.name }, metadata)
    }

    // MARK: - Files

    /// Writes atomically: a temporary file beside `path`, then renamed over it.
    public static func write(_ bytes: [UInt8], to path: String) throws(ModelFileError) {
        try writeAtomically(to: path) { write in _ = bytes.withUnsafeBytes(write) }
    }

    /// Writes `tensors` and `metadata` atomically, a piece at a time: the process never holds a
    /// copy of the file (a checkpoint of the reference model is over 100 MB).
    public static func write(_ tensors: [Tensor], metadata: [String: String], storage: StorageType,
                             to path: String) throws(ModelFileError) {
        try writeAtomically(to: path) { write in forEachPiece(tensors, metadata: metadata, storage: storage, write) }
    }

    /// Runs `produce` with a function that appends bytes to a temporary file beside `path` (and
    /// answers false once writing failed), then renames the file over `path`; on failure the
    /// temporary file is removed.
    static func writeAtomically(to path: String, _ produce: ((UnsafeRawBufferPointer) -> Bool) -> Void) throws(ModelFileError) {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard let file = fopen(temporary, "wb") else {
            throw .io(file: path, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        var failure: String?
        produce { bytes in
            guard failure == nil else { return false }
            if bytes.count > 0 && fwrite(bytes.baseAddress, 1, bytes.count, file) != bytes.count {
                failure = String(cString: strerror(errno))
            }
            return failure == nil
        }
        if failure == nil && fflush(file) != 0 { failure = String(cString: strerror(errno)) }
        // On the disk before the rename: after a crash the name holds the whole new file or the old one.
        if failure == nil && fsync(fileno(file)) != 0 { failure = String(cString: strerror(errno)) }
        if fclose(file) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            let previous = FileManager.default.fileExists(atPath: path) ? "the file there is untouched" : "nothing was written"
            throw .io(file: path, reason: "cannot write: \(failure) (\(previous); free space on that disk and run the same command again)")
        }
        guard rename(temporary, path) == 0 else {  // atomic, replacing an existing file
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .io(file: path, reason: "cannot rename the temporary file over it: \(reason)")
        }
    }

    public static func read(_ path: String) throws(ModelFileError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .io(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .io(file: path, reason: "is a directory, not a model file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(file: path, reason: "cannot read") }
        return [UInt8](data)
    }

    // MARK: - JSON text

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func jsonObject(_ map: [String: String]) -> String {
        "{" + map.keys.sorted().map { jsonString($0) + ":" + jsonString(map[$0]!) }.joined(separator: ",") + "}"
    }
}
