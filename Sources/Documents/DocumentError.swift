/// A document that cannot be read or written, said in one line that names it.
public enum DocumentError: Error, CustomStringConvertible, Equatable {
    /// Not well-formed XML: the file's name, the line libxml2 stopped at and its message.
    case malformed(name: String, line: Int, message: String)
    /// Any other reason a file cannot be translated: its name, a line where there is one (0 if
    /// not), and what is wrong.
    case invalid(name: String, line: Int, message: String)

    public var description: String {
        switch self {
        case let .malformed(name, line, message):
            return "\(name)\(line > 0 ? ":\(line)" : ""): not well-formed: \(message)"
        case let .invalid(name, line, message):
            return "\(name)\(line > 0 ? ":\(line)" : ""): \(message)"
        }
    }
}
