import Foundation
import Tokenization

/// A training corpus encoded once into token ids, kept beside the run and read from disk, so that
/// neither the text nor the ids of the whole corpus are held in memory and a restart skips the
/// encoding.
///
/// Layout (little-endian): a 64-byte header (`FANYIIDS`, version, key length, pair count,
/// skipped-empty and skipped-long counts, and the byte offsets of the records, the index and
/// the lengths), the key (JSON naming the corpus files with their sizes and modification times,
/// a hash of the vocabularies and the length limit: a cache whose key differs is rebuilt), the
/// records (per pair the source ids then the target ids, Int32), the index (N + 1 byte offsets
/// of the records, UInt64) and the lengths (per pair source and target length, UInt32 each).
///
/// The index and lengths are memory-mapped; a pair's ids are read with `pread` when its batch is
/// made, so the records never become part of the process's resident memory.
public final class EncodedCorpusFile: EncodedPairs, @unchecked Sendable {
    static let magic: [UInt8] = Array("FANYIIDS".utf8)
    static let version: UInt32 = 1
    static let headerSize = 64

    public let path: String
    public let count: Int
    public let skippedEmpty: Int
    public let skippedLong: Int
    private let descriptor: Int32
    private let mapping: UnsafeMutableRawPointer
    private let mappedSize: Int
    private let index: UnsafePointer<UInt64>       // N + 1
    private let lengthTable: UnsafePointer<UInt32> // 2N

    /// What went wrong with a cache file; the trainer rebuilds it.
    public struct Damaged: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    // MARK: - Reading

    /// Opens and checks a file written by `build`; throws `Damaged` when it is not one, was
    /// built from other inputs (`key`), or is inconsistent (truncated, bad offsets, ids outside
    /// the vocabularies).
    public init(path: String, key: String, sourceVocabularySize: Int, targetVocabularySize: Int) throws {
        func damaged(_ reason: String) -> Damaged { Damaged(path: path, reason: reason) }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw damaged("cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else { close(fd); throw damaged("cannot stat") }
        let size = Int(info.st_size)
        var header = [UInt8](repeating: 0, count: Self.headerSize)
        guard size >= Self.headerSize, pread(fd, &header, Self.headerSize, 0) == Self.headerSize else {
            close(fd)
            throw damaged("shorter than the \(Self.headerSize)-byte header")
        }
        func word<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self).littleEndian }
        }
        guard Array(header[0..<8]) == Self.magic else { close(fd); throw damaged("not an encoded-corpus file") }
        guard word(8, UInt32.self) == Self.version else { close(fd); throw damaged("format version \(word(8, UInt32.self)), expected \(Self.version)") }
        let keyLength = Int(word(12, UInt32.self))
        let (pairs, empty, long) = (word(16, UInt64.self), word(24, UInt64.self), word(32, UInt64.self))
        let (records, indexStart, lengthsStart) = (word(40, UInt64.self), word(48, UInt64.self), word(56, UInt64.self))
        guard pairs < 1 << 40, keyLength < 1 << 20, Self.headerSize + keyLength <= size else {
            close(fd)
            throw damaged("header out of range")
        }
        var storedKey = [UInt8](repeating: 0, count: keyLength)
        guard pread(fd, &storedKey, keyLength, off_t(Self.headerSize)) == keyLength else { close(fd); throw damaged("cannot read the key") }
        guard String(decoding: storedKey, as: UTF8.self) == key else {
            close(fd)
            throw damaged("built from other files, vocabularies or length limit")
        }
        let n = Int(pairs)
        guard records >= UInt64(Self.headerSize + keyLength), indexStart >= records, indexStart % 8 == 0,
              lengthsStart == indexStart + UInt64(8 * (n + 1)), lengthsStart + UInt64(8 * n) == UInt64(size) else {
            close(fd)
            throw damaged("sections do not fit the file of \(size) bytes (truncated?)")
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            close(fd)
            throw damaged("cannot map: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        mapping = base
        mappedSize = size
        index = UnsafePointer(base.advanced(by: Int(indexStart)).assumingMemoryBound(to: UInt64.self))
        lengthTable = UnsafePointer(base.advanced(by: Int(lengthsStart)).assumingMemoryBound(to: UInt32.self))
        self.path = path
        count = n
        skippedEmpty = Int(empty)
        skippedLong = Int(long)
        try check(recordsStart: records, indexStart: indexStart, sourceVocabularySize: sourceVocabularySize,
                  targetVocabularySize: targetVocabularySize)
    }

    deinit {
        munmap(mapping, mappedSize)
        close(descriptor)
    }

    /// Every offset against the lengths, every id against the vocabularies, reading the records
    /// in 4 MiB pieces (not through the mapping, so they do not stay resident).
    private func check(recordsStart: UInt64, indexStart: UInt64, sourceVocabularySize: Int, targetVocabularySize: Int) throws {
        func damaged(_ reason: String) -> Damaged { Damaged(path: path, reason: reason) }
        let recordsEnd = index[count]
        guard index[0] == recordsStart, recordsEnd <= indexStart, indexStart - recordsEnd < 8 else {
            throw damaged("the index does not span the records")
        }
        var buffer = [Int32](repeating: 0, count: 1 << 20)
        var bufferStart = 0, bufferCount = 0  // in ids from recordsStart
        for i in 0..<count {
            let (s, t) = lengths(i)
            guard s > 0, t > 0, index[i + 1] >= index[i], index[i + 1] - index[i] == UInt64(4 * (s + t)) else {
                throw damaged("pair \(i + 1): its lengths do not match the index")
            }
            let first = Int(index[i] - recordsStart) / 4
            for k in 0..<(s + t) {
                let position = first + k
                if position >= bufferStart + bufferCount {
                    bufferStart = position
                    let wanted = min(buffer.count, Int(recordsEnd - recordsStart) / 4 - position)
                    let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 4 * wanted, off_t(recordsStart) + off_t(4 * position)) }
                    guard read == 4 * wanted else { throw damaged("cannot read the records") }
                    bufferCount = wanted
                }
                let id = Int(Int32(littleEndian: buffer[position - bufferStart]))
                guard id >= 0 && id < (k < s ? sourceVocabularySize : targetVocabularySize) else {
                    throw damaged("pair \(i + 1) holds id \(id), outside the vocabularies")
                }
            }
        }
    }

    public func lengths(_ i: Int) -> (source: Int, target: Int) {
        (Int(UInt32(littleEndian: lengthTable[2 * i])), Int(UInt32(littleEndian: lengthTable[2 * i + 1])))
    }

    public func pair(_ i: Int) -> (source: [Int32], target: [Int32]) {
        let (s, t) = lengths(i)
        var ids = [Int32](repeating: 0, count: s + t)
        let read = ids.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 4 * (s + t), off_t(index[i])) }
        precondition(read == 4 * (s + t), "\(path): pair \(i + 1) could not be read (the file changed while training?)")
        return (ids[0..<s].map { Int32(littleEndian: $0) }, ids[s...].map { Int32(littleEndian: $0) })
    }

    // MARK: - Writing

    /// What a cache is built from, as its key: the corpus files (absolute path, size,
    /// modification time), a hash of the vocabularies and the length limit.
    public static func key(prefixes: [String], languages: (String, String), pipeline: TextPipeline, maxLength: Int) throws -> String {
        var files: [[String: Any]] = []
        for prefix in prefixes {
            for language in [languages.0, languages.1] {
                let path = URL(fileURLWithPath: "\(prefix).\(language)").standardizedFileURL.path
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                files.append(["path": path, "size": size, "modified": modified])
            }
        }
        let vocabularies = try JSONSerialization.data(withJSONObject: pipeline.metadata, options: [.sortedKeys])
        let object: [String: Any] = ["files": files, "vocabularies": String(fnv1a(vocabularies), radix: 16),
                                     "max_length": maxLength, "version": Int(version)]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func fnv1a(_ bytes: Data) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Encodes the corpora of `prefixes` into a cache file at `path` (atomically), reading the
    /// text in chunks and encoding each chunk on `threads` threads (each with its own
    /// tokenizers). Pairs with an empty side or a side over `maxLength` subwords are skipped and
    /// counted; files of one prefix with different line counts are an error.
    public static func build(prefixes: [String], languages: (String, String), pipeline: TextPipeline, maxLength: Int,
                             key: String, to path: String, threads: Int = 2) throws {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "wb") else {
            throw TrainingError.io("\(temporary): cannot write the encoded corpus: \(String(cString: strerror(errno)))")
        }
        var finished = false
        defer {
            if !finished {
                fclose(file)
                unlink(temporary)
            }
        }
        func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard bytes.isEmpty || fwrite(bytes.baseAddress, 1, bytes.count, file) == bytes.count else {
                throw TrainingError.io("\(temporary): cannot write the encoded corpus: \(String(cString: strerror(errno)))")
            }
        }
        let keyBytes = Array(key.utf8)
        let recordsStart = (Self.headerSize + keyBytes.count + 7) / 8 * 8
        try [UInt8](repeating: 0, count: Self.headerSize).withUnsafeBytes(write)
        try (keyBytes + [UInt8](repeating: 0x20, count: recordsStart - Self.headerSize - keyBytes.count)).withUnsafeBytes(write)

        let sides = [pipeline] + (1..<max(1, threads)).map { _ in
            // Each thread its own tokenizers (they are not thread-safe).
            try? TextPipeline(metadata: pipeline.metadata, file: "the vocabularies")
        }.compactMap { $0 }
        var offsets: [UInt64] = [UInt64(recordsStart)]
        var lengths: [UInt32] = []
        var (empty, long) = (0, 0)
        let chunkSize = 4096
        for prefix in prefixes {
            let sourceFile = "\(prefix).\(languages.0)", targetFile = "\(prefix).\(languages.1)"
            let sourceReader = try LineReader(path: sourceFile), targetReader = try LineReader(path: targetFile)
            while true {
                var chunk: [(String, String)] = []
                while chunk.count < chunkSize, let source = try sourceReader.nextLine() {
                    guard let target = try targetReader.nextLine() else {
                        var sourceLines = sourceReader.lineNumber
                        while try sourceReader.nextLine() != nil { sourceLines = sourceReader.lineNumber }
                        throw TokenizationError.lineCountMismatch(file: sourceFile, lines: sourceLines, otherFile: targetFile,
                                                                  otherLines: targetReader.lineNumber)
                    }
                    chunk.append((source, target))
                }
                if chunk.isEmpty {
                    if try targetReader.nextLine() != nil {
                        var targetLines = targetReader.lineNumber
                        while try targetReader.nextLine() != nil { targetLines = targetReader.lineNumber }
                        throw TokenizationError.lineCountMismatch(file: sourceFile, lines: sourceReader.lineNumber,
                                                                  otherFile: targetFile, otherLines: targetLines)
                    }
                    break
                }
                // Each thread encodes a contiguous part of the chunk.
                let parts = Array(0..<sides.count)
                let encoded = try VocabularyBuilder.parallelMap(parts) { part throws -> [([Int32], [Int32])] in
                    let range = (part * chunk.count / parts.count)..<((part + 1) * chunk.count / parts.count)
                    return try chunk[range].map { (try sides[part].source.ids($0.0), try sides[part].target.ids($0.1)) }
                }
                for (source, target) in encoded.joined() {
                    if source.isEmpty || target.isEmpty {
                        empty += 1
                    } else if source.count > maxLength || target.count > maxLength {
                        long += 1
                    } else {
                        let ids = (source + target).map(\.littleEndian)
                        try ids.withUnsafeBytes(write)
                        offsets.append(offsets.last! + UInt64(4 * ids.count))
                        lengths.append(UInt32(source.count).littleEndian)
                        lengths.append(UInt32(target.count).littleEndian)
                    }
                }
            }
        }
        // The index starts on an 8-byte boundary, as the mapping reads it as UInt64.
        let recordsEnd = offsets.last!
        let indexStart = (recordsEnd + 7) / 8 * 8
        try [UInt8](repeating: 0, count: Int(indexStart - recordsEnd)).withUnsafeBytes(write)
        try offsets.map(\.littleEndian).withUnsafeBytes(write)
        try lengths.withUnsafeBytes(write)
        var header = Self.magic
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) } }
        append(Self.version)
        append(UInt32(keyBytes.count))
        append(UInt64(lengths.count / 2))
        append(UInt64(empty))
        append(UInt64(long))
        append(UInt64(recordsStart))
        append(indexStart)
        append(indexStart + UInt64(8 * offsets.count))
        guard fseek(file, 0, SEEK_SET) == 0 else { throw TrainingError.io("\(temporary): cannot write the encoded corpus") }
        try header.withUnsafeBytes(write)
        finished = true
        guard fclose(file) == 0 else {
            unlink(temporary)
            throw TrainingError.io("\(temporary): cannot write the encoded corpus: \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw TrainingError.io("\(path): cannot rename the encoded corpus into place: \(String(cString: strerror(errno)))")
        }
    }
}
