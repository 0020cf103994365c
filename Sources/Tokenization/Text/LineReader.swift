#if canImport(Glibc)
import Glibc
#endif

/// Reads UTF-8 lines from a file descriptor as they arrive (stdin, a pipe or a file).
///
/// Each line is checked: invalid UTF-8 is an error naming the source and line, or replaced
/// with U+FFFD under `.replace`. `willBlock` tells a caller when the next `nextLine()` would
/// wait for input, so interactive output can be flushed exactly then.
public final class LineReader {
    public let name: String
    public let policy: InvalidUTF8Policy
    /// The number of the line last returned (1-based).
    public private(set) var lineNumber = 0
    /// Lines in which invalid UTF-8 was replaced.
    public private(set) var replacedLines = 0

    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    /// Reads standard input.
    public init(standardInput policy: InvalidUTF8Policy = .error) {
        name = "<stdin>"
        fd = 0
        ownsDescriptor = false
        self.policy = policy
    }

    /// Reads a file ("-" means standard input).
    public init(path: String, policy: InvalidUTF8Policy = .error) throws(TokenizationError) {
        self.policy = policy
        if path == "-" {
            name = "<stdin>"
            fd = 0
            ownsDescriptor = false
            return
        }
        name = path
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io(file: path, reason: "cannot open: \(TextFile.errnoText())") }
        ownsDescriptor = true
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// True when no complete line is buffered and the input has not ended.
    public var willBlock: Bool {
        !atEnd && !buffer[start...].contains(0x0A)
    }

    /// The next line without its `\n` (or Windows `\r\n`, and a byte-order mark on line 1), or
    /// nil at the end of input.
    public func nextLine() throws(TokenizationError) -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = buffer[start..<newline]
                start = newline + 1
                return try decode(line)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return try decode(line)
            }
            try fill()
        }
    }

    private func decode(_ line: ArraySlice<UInt8>) throws(TokenizationError) -> String {
        lineNumber += 1
        let bytes = TextFile.content(ofLine: line, number: lineNumber)
        if policy == .replace, String(validating: bytes, as: UTF8.self) == nil { replacedLines += 1 }
        return try TextFile.decodeLine(bytes, file: name, line: lineNumber, policy: policy)
    }

    private func fill() throws(TokenizationError) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 1 << 16
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + old, chunk) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                buffer.removeSubrange(old...)
                throw .io(file: name, reason: "read failed: \(TextFile.errnoText())")
            }
            buffer.removeSubrange((old + n)...)
            if n == 0 { atEnd = true }
            return
        }
    }
}

/// Buffered writing of lines to a file descriptor (stdout by default).
public final class LineWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(fileDescriptor: Int32 = 1) { fd = fileDescriptor }

    deinit { try? flush() }

    /// Appends `line` and a newline; writes out once 64 KiB are buffered.
    public func write(_ line: String) throws(TokenizationError) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes out everything buffered.
    public func flush() throws(TokenizationError) {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw .io(file: "<stdout>", reason: "write failed: \(TextFile.errnoText())") }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
