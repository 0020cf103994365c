/// Token ↔ id mapping of one side, the `vocab/<name>.<lang>.vocab` file.
///
/// File format: one entry per line, `token<TAB>count`; the four specials come first, in the
/// order `<pad>` `<unk>` `<s>` `</s>` (count 0), and an entry's id is its line number − 1. Built
/// entries are ordered by count (descending), then by token (Unicode scalar order), so the same
/// counts always give the same file. Unknown tokens map to `<unk>`.
public struct Vocabulary: Equatable, Sendable {
    public static let pad = "<pad>", unk = "<unk>", bos = "<s>", eos = "</s>"
    public static let specials = [pad, unk, bos, eos]
    public static let padID = 0, unkID = 1, bosID = 2, eosID = 3

    /// Tokens by id.
    public let tokens: [String]
    /// Corpus counts by id (0 for the specials).
    public let counts: [Int]
    private let ids: [String: Int32]

    public var count: Int { tokens.count }

    /// The id of `token`, or `unkID` when it is not in the vocabulary.
    public func id(_ token: String) -> Int { ids[token].map(Int.init) ?? Self.unkID }

    /// The ids of `tokens`.
    public func ids<S: Sequence>(_ tokens: S) -> [Int32] where S.Element == String {
        tokens.map { ids[$0] ?? Int32(Self.unkID) }
    }

    public func contains(_ token: String) -> Bool { ids[token] != nil }

    /// The token of `id`.
    public func token(_ id: Int) -> String { tokens[id] }

    /// A vocabulary of the tokens counted in `counts`: those seen at least `minCount` times,
    /// the most frequent first, at most `maxSize` entries in all (specials included).
    public init(counts: [String: Int], minCount: Int = 1, maxSize: Int? = nil) {
        let specials = Set(Self.specials)
        var entries = counts.filter { $0.value >= minCount && !specials.contains($0.key) }
            .sorted { a, b in
                a.value != b.value ? a.value > b.value
                    : a.key.unicodeScalars.lexicographicallyPrecedes(b.key.unicodeScalars)
            }
        if let maxSize { entries = Array(entries.prefix(max(0, maxSize - Self.specials.count))) }
        self.init(
            validatedTokens: Self.specials + entries.map(\.key),
            counts: Array(repeating: 0, count: Self.specials.count) + entries.map(\.value))
    }

    private init(validatedTokens tokens: [String], counts: [Int]) {
        self.tokens = tokens
        self.counts = counts
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() { ids[token] = Int32(i) }
        self.ids = ids
    }

    /// Parses the vocabulary file format; `file` names the source in error messages.
    public init(parsing text: String, file: String) throws(TokenizationError) {
        let lines = TextFile.lines(text)
        var tokens: [String] = []
        var counts: [Int] = []
        var seen = Set<String>()
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            let fields = TextFile.fields(line, separator: "\t")
            guard fields.count == 2 else {
                throw .malformed(file: file, line: lineNumber,
                                 reason: "expected 'token<TAB>count', got \(fields.count) tab-separated field(s)")
            }
            let token = String(fields[0])
            guard !token.isEmpty, !token.contains(" ") else {
                throw .malformed(file: file, line: lineNumber, reason: "a token must be non-empty and contain no space")
            }
            guard let count = Int(fields[1]), count >= 0 else {
                throw .malformed(file: file, line: lineNumber,
                                 reason: "count '\(fields[1])' is not a non-negative integer")
            }
            if index < Self.specials.count, token != Self.specials[index] {
                throw .malformed(file: file, line: lineNumber,
                                 reason: "expected special token \(Self.specials[index]) (specials come first: \(Self.specials.joined(separator: " ")))")
            }
            guard seen.insert(token).inserted else {
                throw .malformed(file: file, line: lineNumber, reason: "duplicate token '\(token)'")
            }
            tokens.append(token)
            counts.append(count)
        }
        guard tokens.count >= Self.specials.count else {
            throw .malformed(file: file, line: tokens.count + 1,
                             reason: "the vocabulary ends before its \(Self.specials.count) special tokens")
        }
        self.init(validatedTokens: tokens, counts: counts)
    }

    /// The file text.
    public func serialized() -> String {
        var out = ""
        for (token, count) in zip(tokens, counts) { out += "\(token)\t\(count)\n" }
        return out
    }

    public init(contentsOf path: String) throws(TokenizationError) {
        try self.init(parsing: try TextFile.read(path), file: path)
    }

    public func write(to path: String) throws(TokenizationError) {
        try TextFile.write(serialized(), to: path)
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool {
        a.tokens == b.tokens && a.counts == b.counts
    }
}
