import Foundation

/// API keys and request limits, as LibreTranslate has them: a server may hand out keys (each
/// with its own requests per minute and characters per request), may require one, and limits
/// each client address to `requestsPerMinute` otherwise. A request's cost is its number of texts
/// (a batch of 10 counts 10); the limit is over the last 60 seconds. A server without keys
/// ignores the key a request gives.
public final class AccessControl: @unchecked Sendable {
    /// What one key may do; nil: the server's limit.
    public struct Key: Sendable, Equatable {
        /// Its line in the keys file: metrics name a key by it, never by the key itself.
        public var line: Int
        public var requestsPerMinute: Int?
        public var charactersPerRequest: Int?
    }

    public let keys: [String: Key]
    public let requireKey: Bool
    /// Requests per minute of a client without a key (0: no limit).
    public let requestsPerMinute: Int
    /// Costs spent in the last minute, by key or client address.
    private var spent: [String: [(time: Date, cost: Int)]] = [:]
    private let lock = NSLock()

    public init(keys: [String: Key] = [:], requireKey: Bool = false, requestsPerMinute: Int = 0) {
        self.keys = keys
        self.requireKey = requireKey
        self.requestsPerMinute = requestsPerMinute
    }

    /// Reads a keys file: one key a line, then optionally its requests per minute and characters
    /// per request (`-` for the server's); blank lines and `#` comments are skipped.
    public static func keys(parsing text: String, name: String) throws -> [String: Key] {
        var keys: [String: Key] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let key = words.first else { continue }
            func number(_ at: Int, _ what: String) throws -> Int? {
                guard words.count > at, words[at] != "-" else { return nil }
                guard let value = Int(words[at]), value > 0 else {
                    throw AccessControlError(description: "\(name):\(index + 1): \(what) must be a whole number > 0 or -, got \"\(words[at].prefix(20))\"")
                }
                return value
            }
            guard words.count <= 3 else {
                throw AccessControlError(description: "\(name):\(index + 1): expected KEY [REQUESTS_PER_MINUTE [CHARACTERS_PER_REQUEST]], got \(words.count) fields")
            }
            guard keys[key] == nil else { throw AccessControlError(description: "\(name):\(index + 1): the key is given twice (first on line \(keys[key]!.line))") }
            keys[key] = Key(line: index + 1, requestsPerMinute: try number(1, "requests per minute"),
                            charactersPerRequest: try number(2, "characters per request"))
        }
        return keys
    }

    /// Lets a request through, or says why not: 403 for a missing or unknown key, 429 over the
    /// requests per minute, 413 over a key's characters per request. Returns the key's line (nil
    /// without a key) for the metrics.
    @discardableResult
    public func admit(key: String?, client: String, cost: Int, characters: Int, now: Date = Date()) throws(ServiceError) -> Int? {
        // A server without keys ignores the field, as LibreTranslate does (clients send one anyway).
        let given = keys.isEmpty ? nil : key.flatMap { $0.isEmpty ? nil : $0 }
        var limit = requestsPerMinute
        var identity = "address " + client
        var line: Int?
        if let given {
            guard let entry = keys[given] else { throw .forbidden("Invalid API key") }
            limit = entry.requestsPerMinute ?? requestsPerMinute
            identity = "key " + given
            line = entry.line
            if let most = entry.charactersPerRequest, characters > most {
                throw .tooLarge("\(characters) characters in one request; this API key allows \(most)")
            }
        } else if requireKey {
            throw .forbidden("Please contact the server operator to get an API key")
        }
        guard limit > 0 else { return line }
        lock.lock()
        defer { lock.unlock() }
        if spent.count > 10_000 { spent = spent.filter { $0.value.contains { now.timeIntervalSince($0.time) < 60 } } }
        var recent = (spent[identity] ?? []).filter { now.timeIntervalSince($0.time) < 60 }
        let used = recent.reduce(0) { $0 + $1.cost }
        guard used + cost <= limit else {
            spent[identity] = recent
            throw .slowDown(requestsPerMinute: limit)
        }
        recent.append((now, cost))
        spent[identity] = recent
        return line
    }
}

/// A keys file that cannot be read.
public struct AccessControlError: Error, CustomStringConvertible {
    public let description: String
}
