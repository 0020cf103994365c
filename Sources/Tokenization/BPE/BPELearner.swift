import HeapModule

/// Learns BPE merges from word counts (Sennrich et al. 2016, "Neural Machine Translation of
/// Rare Words with Subword Units").
///
/// Each word starts as its characters (grapheme clusters), the last one marked `</w>`. Each
/// step merges the most frequent adjacent symbol pair. Ties are broken deterministically: the
/// pair whose left symbol, then right symbol, is smaller in Unicode scalar order wins, so the
/// merges depend only on the counts, never on hashing or input order.
///
/// Cost: pair counts are updated incrementally, only for the words that contain the merged pair
/// (an index from pair to words), and the best pair comes from a max-heap with lazy deletion.
public enum BPELearner {
    /// Learns up to `mergeCount` merges, stopping early when the best pair occurs fewer than
    /// `minFrequency` times.
    public static func learn(wordCounts: [String: Int], mergeCount: Int, minFrequency: Int = 2) -> BPEMerges {
        var state = State(wordCounts: wordCounts)
        var merges: [BPEMerges.Merge] = []
        merges.reserveCapacity(mergeCount)
        while merges.count < mergeCount, let best = state.popBest(), best.count >= minFrequency {
            merges.append(BPEMerges.Merge(best.left, best.right))
            state.merge(best.key, step: merges.count)
        }
        return BPEMerges(merges)
    }

    /// Word counts of a token stream for BPE: joiners are stripped and tokens that carry
    /// escapes (whitespace, joiner or escape characters) are left out, as BPE never splits them.
    public static func addWords<S: Sequence>(of tokens: S, to counts: inout [String: Int]) where S.Element == String {
        for token in tokens {
            let word = SubwordToken(token)
            guard word.isSplittable else { continue }
            counts[String(word.core), default: 0] += 1
        }
    }

    /// A heap entry; `count` may be stale (checked against the live count when popped).
    struct Candidate: Comparable {
        var count: Int
        var left: String
        var right: String
        var key: UInt64

        static func < (a: Candidate, b: Candidate) -> Bool {
            if a.count != b.count { return a.count < b.count }
            // Equal counts: the pair with the smaller strings must come out of the max-heap
            // first, so it is the "larger" candidate.
            if a.left != b.left { return precedes(b.left, a.left) }
            return precedes(b.right, a.right)
        }
    }

    static func precedes(_ x: String, _ y: String) -> Bool {
        x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
    }

    struct State {
        var symbols: [String] = []
        var symbolIDs: [String: Int32] = [:]
        var words: [[Int32]] = []
        var frequencies: [Int] = []
        var pairCounts: [UInt64: Int] = [:]
        var pairWords: [UInt64: [Int32]] = [:]
        var lastTouched: [Int] = []
        var heap = Heap<Candidate>()

        init(wordCounts: [String: Int]) {
            for (word, count) in wordCounts.sorted(by: { precedes($0.key, $1.key) }) where count > 0 {
                var characters = word.map(String.init)
                guard !characters.isEmpty else { continue }
                characters[characters.count - 1] += BPEMerges.endOfWord
                words.append(characters.map { intern($0) })
                frequencies.append(count)
            }
            lastTouched = Array(repeating: 0, count: words.count)
            for (w, word) in words.enumerated() {
                for i in 1..<max(word.count, 1) {
                    let key = Self.key(word[i - 1], word[i])
                    pairCounts[key, default: 0] += frequencies[w]
                    pairWords[key, default: []].append(Int32(w))
                }
            }
            for (key, count) in pairCounts { push(key, count) }
        }

        mutating func intern(_ symbol: String) -> Int32 {
            if let id = symbolIDs[symbol] { return id }
            let id = Int32(symbols.count)
            symbols.append(symbol)
            symbolIDs[symbol] = id
            return id
        }

        static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

        mutating func push(_ key: UInt64, _ count: Int) {
            let left = symbols[Int(key >> 32)]
            let right = symbols[Int(key & 0xFFFF_FFFF)]
            heap.insert(Candidate(count: count, left: left, right: right, key: key))
        }

        /// The best pair with its live count, discarding stale heap entries.
        mutating func popBest() -> Candidate? {
            while let top = heap.popMax() {
                let live = pairCounts[top.key] ?? 0
                if live == top.count { return top }
                if live > 0 && live < top.count { push(top.key, live) }
            }
            return nil
        }

        /// Replaces every occurrence of the pair `key` in every word that has it.
        mutating func merge(_ key: UInt64, step: Int) {
            let a = Int32(key >> 32), b = Int32(key & 0xFFFF_FFFF)
            let merged = intern(symbols[Int(a)] + symbols[Int(b)])
            var before: [UInt64: Int] = [:]  // counts of touched pairs before this step
            func add(_ pair: UInt64, _ delta: Int, _ pairCounts: inout [UInt64: Int]) {
                if before[pair] == nil { before[pair] = pairCounts[pair] ?? 0 }
                pairCounts[pair, default: 0] += delta
            }
            for w in pairWords[key] ?? [] where lastTouched[Int(w)] != step {
                lastTouched[Int(w)] = step
                let word = words[Int(w)]
                let f = frequencies[Int(w)]
                var rewritten: [Int32] = []
                rewritten.reserveCapacity(word.count)
                var i = 0
                while i < word.count {
                    if i + 1 < word.count && word[i] == a && word[i + 1] == b {
                        rewritten.append(merged)
                        i += 2
                    } else {
                        rewritten.append(word[i])
                        i += 1
                    }
                }
                if rewritten.count == word.count { continue }  // stale index entry
                for i in 1..<word.count { add(Self.key(word[i - 1], word[i]), -f, &pairCounts) }
                for i in 1..<max(rewritten.count, 1) {
                    let pair = Self.key(rewritten[i - 1], rewritten[i])
                    add(pair, f, &pairCounts)
                    if rewritten[i - 1] == merged || rewritten[i] == merged {
                        pairWords[pair, default: []].append(w)
                    }
                }
                words[Int(w)] = rewritten
            }
            pairCounts[key] = nil
            pairWords[key] = nil
            for (pair, old) in before where pair != key {
                let count = pairCounts[pair] ?? 0
                if count <= 0 {
                    pairCounts[pair] = nil
                } else if count > old {
                    push(pair, count)
                }
            }
        }
    }
}
