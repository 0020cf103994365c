/// Reversible word-level tokenizer: normalization, optional lowercasing, ICU word break, joiners.
///
/// `Tokenizer.detokenize(tokenizer.tokenize(s)) == tokenizer.normalize(s)` for every string:
/// a single space between two tokens is implied, no space is marked by a joiner (`￭`), and any
/// other whitespace (tabs, runs of spaces, leading or trailing spaces, U+3000) becomes an escaped
/// token joined to its neighbours. Chinese, Japanese and Thai are segmented by ICU's dictionaries.
///
/// Where the joiner goes when two tokens touch: on the punctuation side when exactly one of
/// them is punctuation (`Hello ￭,` and `(￭ a`), else on the right-hand token (`我是 ￭中国人`).
///
/// Not thread-safe (it owns an ICU break iterator): use one `Tokenizer` per thread.
public final class Tokenizer {
    public let options: TokenizerOptions
    private let breaker: BreakIterator

    public init(options: TokenizerOptions) throws(TokenizationError) {
        self.options = options
        self.breaker = try BreakIterator(locale: "")
    }

    /// The text the tokens reproduce: `text` normalized and, if asked, lowercased.
    public func normalize(_ text: String) throws(TokenizationError) -> String {
        String(decoding: try normalizedUnits(text), as: UTF16.self)
    }

    /// Splits `text` into tokens (no token is empty or contains a space).
    public func tokenize(_ text: String) throws(TokenizationError) -> [String] {
        let units = try normalizedUnits(text)
        if units.isEmpty { return [] }

        // Content segments; everything between them is whitespace.
        var segments: [(start: Int, end: Int, isPunctuation: Bool)] = []
        try breaker.segments(of: units) { start, end, status in
            if units[start..<end].allSatisfy(Marks.isWhitespace) { return }
            segments.append((start, end, status < 100))
        }
        if segments.isEmpty { return [Marks.escapedText(units[...])] }

        var tokens: [String] = []
        tokens.reserveCapacity(segments.count + 2)
        if segments[0].start > 0 {
            tokens.append(Marks.escapedText(units[0..<segments[0].start]) + Marks.joiner)
        }
        for (i, segment) in segments.enumerated() {
            var text = Marks.escapedText(units[segment.start..<segment.end])
            if i > 0 {
                let previous = segments[i - 1]
                let gap = units[previous.end..<segment.start]
                if gap.isEmpty {
                    if segment.isPunctuation || !previous.isPunctuation {
                        text = Marks.joiner + text
                    } else {
                        tokens[tokens.count - 1] += Marks.joiner
                    }
                } else if !(gap.count == 1 && gap.first == 0x20) {
                    tokens.append(Marks.joiner + Marks.escapedText(gap) + Marks.joiner)
                }
            }
            tokens.append(text)
        }
        if let last = segments.last, last.end < units.count {
            tokens.append(Marks.joiner + Marks.escapedText(units[last.end...]))
        }
        return tokens
    }

    /// The tokens of `text` joined by single spaces.
    public func tokenizeLine(_ text: String) throws(TokenizationError) -> String {
        try tokenize(text).joined(separator: " ")
    }

    /// Rebuilds text from tokens (or subword pieces): the inverse of `tokenize`.
    ///
    /// A token starting with the joiner attaches to the previous one, a token ending with it to
    /// the next; a lone joiner attaches on both sides. Escapes `⟪HEX⟫` are decoded.
    public static func detokenize<S: Sequence>(_ tokens: S) -> String where S.Element: StringProtocol {
        var out = ""
        var first = true
        var previousJoinsRight = false
        for token in tokens where !token.isEmpty {
            // Scalars, not Characters: a joiner followed by a combining mark is one Character.
            var body = Substring(token).unicodeScalars
            let joinsLeft = body.first == Marks.joinerScalar
            if joinsLeft { body = body.dropFirst() }
            var joinsRight = joinsLeft && body.isEmpty
            if body.last == Marks.joinerScalar {
                body = body.dropLast()
                joinsRight = true
            }
            if !first && !joinsLeft && !previousJoinsRight { out += " " }
            out += Marks.unescaped(Substring(body))
            previousJoinsRight = joinsRight
            first = false
        }
        return out
    }

    /// Detokenizes a line of space-separated tokens.
    public static func detokenizeLine(_ line: String) -> String {
        detokenize(line.split(separator: " ", omittingEmptySubsequences: true))
    }

    private func normalizedUnits(_ text: String) throws(TokenizationError) -> [UInt16] {
        var units = Array(text.utf16)
        switch options.normalization {
        case .nfc: units = try ICU.normalize(units, nfkc: false)
        case .nfkc: units = try ICU.normalize(units, nfkc: true)
        case .none: break
        }
        if options.lowercase {
            units = try ICU.lowercase(units, locale: TokenizerOptions.baseLanguage(options.language))
        }
        return units
    }
}
