/// Errors of the tokenization library, each with a message that says where and what to do.
public enum TokenizationError: Error, Equatable, CustomStringConvertible {
    /// An ICU call failed (the ICU error name is given).
    case icu(function: String, code: String)
    /// A line is not valid UTF-8.
    case invalidUTF8(file: String, line: Int, byteOffset: Int)
    /// A file could not be opened, read or written.
    case io(file: String, reason: String)
    /// A vocabulary, merges or options file has a malformed line.
    case malformed(file: String, line: Int, reason: String)
    /// An option has a value that is not allowed.
    case invalidOption(name: String, value: String, allowed: String)
    /// The two sides of a parallel corpus have different numbers of lines.
    case lineCountMismatch(file: String, lines: Int, otherFile: String, otherLines: Int)

    public var description: String {
        switch self {
        case let .icu(function, code):
            return "ICU call \(function) failed with \(code); check the ICU installation (scripts/install-deps.sh installs libicu-dev)"
        case let .invalidUTF8(file, line, offset):
            return "\(file):\(line): invalid UTF-8 (byte \(offset + 1) of the line); "
                + "fix the encoding (e.g. iconv -f LATIN1 -t UTF-8) or pass --invalid-utf8 replace"
        case let .io(file, reason):
            return "\(file): \(reason)"
        case let .malformed(file, line, reason):
            return "\(file):\(line): \(reason) (fix the line, or write the file again with fanyi-vocab build)"
        case let .invalidOption(name, value, allowed):
            return "invalid value '\(value)' for \(name); expected \(allowed)"
        case let .lineCountMismatch(file, lines, otherFile, otherLines):
            return "\(file) has \(lines) lines but \(otherFile) has \(otherLines); the two sides of a parallel corpus "
                + "must be line-aligned (one segment per line, line n translating line n): find where they drift apart "
                + "and fix the files"
        }
    }
}
