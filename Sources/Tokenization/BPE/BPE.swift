import Synchronization

/// A token split into its joiner marks and its core text.
struct SubwordToken {
    var joinsLeft: Bool
    var joinsRight: Bool
    var core: Substring

    init(_ token: String) {
        var scalars = Substring(token).unicodeScalars
        joinsLeft = scalars.first == Marks.joinerScalar
        if joinsLeft { scalars = scalars.dropFirst() }
        joinsRight = scalars.last == Marks.joinerScalar
        if joinsRight { scalars = scalars.dropLast() }
        core = Substring(scalars)
    }

    /// Escaped tokens (whitespace, joiner or escape characters inside) are never split.
    var isSplittable: Bool { !core.isEmpty && !core.unicodeScalars.contains(Marks.escapeOpen) }
}

/// Applies BPE merges to tokens, producing subword pieces that detokenize back to the text.
///
/// A word is split into pieces by applying, again and again, the learned merge of lowest rank
/// among its adjacent symbol pairs. Every piece but the last gets a trailing joiner
/// (`simplification` → `simpli￭ fication`); the token's own joiners stay on its first and last
/// piece. Results are cached per word; the cache is shared safely between threads.
public final class BPE: Sendable {
    public let merges: BPEMerges
    private let ranks: [BPEMerges.Merge: Int]
    private let cache = Mutex<[Substring: [String]]>([:])
    private static let cacheLimit = 200_000

    public init(merges: BPEMerges) {
        self.merges = merges
        var ranks: [BPEMerges.Merge: Int] = [:]
        for (rank, merge) in merges.merges.enumerated() where ranks[merge] == nil {
            ranks[merge] = rank
        }
        self.ranks = ranks
    }

    /// The subword pieces of `tokens`, with joiners. Without merges the tokens stay whole (a
    /// word-level vocabulary), rather than falling apart into characters.
    public func apply<S: Sequence>(_ tokens: S) -> [String] where S.Element == String {
        guard !ranks.isEmpty else { return Array(tokens) }
        var out: [String] = []
        for token in tokens {
            let word = SubwordToken(token)
            guard word.isSplittable else {
                out.append(token)
                continue
            }
            let pieces = segment(word.core)
            for (i, piece) in pieces.enumerated() {
                var text = piece
                if i == 0 && word.joinsLeft { text = Marks.joiner + text }
                if i < pieces.count - 1 || word.joinsRight { text += Marks.joiner }
                out.append(text)
            }
        }
        return out
    }

    /// The pieces of one word (no joiners, no end-of-word marks).
    public func segment(_ word: Substring) -> [String] {
        if let cached = cache.withLock({ $0[word] }) { return cached }
        var symbols = word.map(String.init)
        symbols[symbols.count - 1] += BPEMerges.endOfWord
        while symbols.count > 1 {
            var bestRank = Int.max
            var bestIndex = -1
            for i in 1..<symbols.count {
                if let rank = ranks[BPEMerges.Merge(symbols[i - 1], symbols[i])], rank < bestRank {
                    bestRank = rank
                    bestIndex = i - 1
                }
            }
            if bestIndex < 0 { break }
            let (left, right) = (symbols[bestIndex], symbols[bestIndex + 1])
            var merged: [String] = []
            merged.reserveCapacity(symbols.count - 1)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count && symbols[i] == left && symbols[i + 1] == right {
                    merged.append(left + right)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        let last = symbols.count - 1
        symbols[last] = String(String.UnicodeScalarView(symbols[last].unicodeScalars.dropLast(BPEMerges.endOfWord.unicodeScalars.count)))
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[word] = symbols
        }
        return symbols
    }
}
