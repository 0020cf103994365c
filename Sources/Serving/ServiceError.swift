/// What a request did wrong or could not get, each with its HTTP status and a message for the person
/// who sent it.
public enum ServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Malformed JSON, a missing field, a value of the wrong type or out of range (400).
    case badRequest(String)
    /// A language pair no served model translates (400).
    case unknownPair(source: String, target: String, served: [String])
    /// Text too long, or too many texts (413).
    case tooLarge(String)
    /// No worker answered in time (503).
    case timedOut(seconds: Double)
    /// The server is stopping (503).
    case shuttingDown
    /// A missing or unknown API key (403).
    case forbidden(String)
    /// Over the requests per minute of a key or client address (429).
    case slowDown(requestsPerMinute: Int)
    /// No route for the path (404).
    case notFound(path: String)
    /// A failure inside the server (500).
    case internalError(String)

    public var statusCode: Int {
        switch self {
        case .badRequest, .unknownPair: 400
        case .forbidden: 403
        case .slowDown: 429
        case .notFound: 404
        case .tooLarge: 413
        case .timedOut, .shuttingDown: 503
        case .internalError: 500
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let message): message
        case let .unknownPair(source, target, served):
            "no model translates \(source) → \(target); served: \(served.joined(separator: ", "))"
        case .tooLarge(let message): message
        case .timedOut(let seconds):
            "the request waited more than \(seconds.formatted()) s for a worker (the server is overloaded); try again later"
        case .shuttingDown: "the server is shutting down"
        case .forbidden(let message): message
        // LibreTranslate's words, which clients may look for.
        case .slowDown(let limit): "Slowdown: \(limit) per 1 minute"
        case .notFound(let path): path.hasPrefix("/download_file/") ? "no such file: \(path)" : "no such path: \(path) (try POST /translate, GET /languages, GET /health, GET /metrics, GET /)"
        case .internalError(let message): message
        }
    }
}

extension Double {
    func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
