#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to do with bytes that are not valid UTF-8.
public enum InvalidUTF8Policy: String, CaseIterable, Sendable {
    /// Stop with an error naming the file and line.
    case error
    /// Replace each invalid sequence with U+FFFD and go on.
    case replace
}

/// Whole-file reading and atomic writing of UTF-8 text.
public enum TextFile {
    /// Reads a whole file as UTF-8; invalid UTF-8 is an error naming the line.
    public static func read(_ path: String) throws(TokenizationError) -> String {
        try text(of: try readBytes(path), file: path)
    }

    /// A whole file's bytes as UTF-8 text; invalid UTF-8 is an error naming `file` and the line.
    public static func text(of bytes: [UInt8], file: String) throws(TokenizationError) -> String {
        try decodeLine(bytes[...], file: file, line: 1, policy: .error, countingLinesFrom: bytes[...])
    }

    /// Reads a file's lines (see `content(ofLine:number:)`); a final line without `\n` counts as a line.
    public static func readLines(_ path: String, invalidUTF8: InvalidUTF8Policy = .error) throws(TokenizationError) -> [String] {
        let bytes = try readBytes(path)
        var lines: [String] = []
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lines.append(try decodeLine(content(ofLine: bytes[start..<end], number: lineNumber), file: path, line: lineNumber,
                                        policy: invalidUTF8))
            start = end + 1
        }
        return lines
    }

    /// A line's text: its bytes without the `\r` of a Windows line end (`\r\n`, as Python's
    /// universal newlines read it, which sacreBLEU and OpenNMT-py use) and, on line 1, without
    /// the byte-order mark Windows editors put first (U+FEFF, EF BB BF). Files saved on Windows
    /// thus read as the same lines; a `\r` inside a line is text and is kept.
    static func content(ofLine line: ArraySlice<UInt8>, number: Int) -> ArraySlice<UInt8> {
        var line = line
        if line.last == 0x0D { line = line.dropLast() }
        if number == 1 && line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
        return line
    }

    /// Reads all bytes of a file.
    public static func readBytes(_ path: String) throws(TokenizationError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io(file: path, reason: "cannot open: \(errnoText())") }
        defer { close(fd) }
        var stats = stat()
        guard fstat(fd, &stats) == 0 else { throw .io(file: path, reason: "cannot stat: \(errnoText())") }
        if (stats.st_mode & S_IFMT) == S_IFDIR { throw .io(file: path, reason: "is a directory, not a file") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(stats.st_size) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(file: path, reason: "read failed: \(errnoText())")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    /// Writes `text` atomically: to a temporary file beside `path`, then renamed over it.
    public static func write(_ text: String, to path: String) throws(TokenizationError) {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "wb") else {
            throw .io(file: path, reason: "cannot write: \(errnoText())")
        }
        var utf8 = text
        let written = utf8.withUTF8 { fwrite($0.baseAddress, 1, $0.count, file) }
        let flushed = fflush(file) == 0
        fclose(file)
        guard written == text.utf8.count, flushed, rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw .io(file: path, reason: "write failed: \(reason)")
        }
    }

    /// The lines of a whole file's text: split at each `\n`, each without the `\r` of a Windows
    /// line end, without the empty "line" after a final newline. Splits Unicode scalars, not
    /// Characters, for which `\r\n` is one Character that no `\n` matches.
    public static func lines(_ text: String) -> [Substring] {
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            Substring(line.last == "\r" ? line.dropLast() : line)
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// The fields of a line split at `separator` (a scalar, not a Character: a space followed
    /// by a combining mark is one Character).
    public static func fields(_ line: Substring, separator: Unicode.Scalar) -> [Substring] {
        line.unicodeScalars.split(separator: separator, omittingEmptySubsequences: false).map { Substring($0) }
    }

    /// Decodes one line, applying `policy` to invalid UTF-8.
    ///
    /// With `countingLinesFrom`, the reported line number is found by counting newlines before
    /// the bad byte (used when the "line" is a whole file).
    static func decodeLine(
        _ bytes: ArraySlice<UInt8>, file: String, line: Int, policy: InvalidUTF8Policy,
        countingLinesFrom whole: ArraySlice<UInt8>? = nil
    ) throws(TokenizationError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        if policy == .replace { return String(decoding: bytes, as: UTF8.self) }
        let offset = firstInvalidOffset(bytes)
        if let whole {
            let prefix = whole[whole.startIndex..<(whole.startIndex + offset)]
            let lineStart = (prefix.lastIndex(of: 0x0A).map { $0 + 1 }) ?? whole.startIndex
            let newlines = prefix.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw .invalidUTF8(file: file, line: newlines + 1, byteOffset: whole.startIndex + offset - lineStart)
        }
        throw .invalidUTF8(file: file, line: line, byteOffset: offset)
    }

    /// The offset (from the slice start) of the first byte of the first invalid sequence.
    static func firstInvalidOffset(_ bytes: ArraySlice<UInt8>) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return offset
            }
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
