/// Why training cannot start or go on; each message says what to do next.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case emptyCorpus(String)
    case invalidOption(String)
    case incompatibleCheckpoint(file: String, setting: String, checkpoint: String, requested: String)
    case io(String)

    public var description: String {
        switch self {
        case let .emptyCorpus(what):
            return "\(what): no usable sentence pairs (all empty or longer than --max-length?)"
        case let .invalidOption(message):
            return message
        case let .incompatibleCheckpoint(file, setting, checkpoint, requested):
            return "\(file) was trained with \(setting) = \(checkpoint), but this run asks for \(requested); use the same setting, or a new --output folder (or --overwrite) to start afresh"
        case let .io(message):
            return message
        }
    }
}
