// Shapes: V target vocabulary, C candidates of a batch (C ≤ V), N entries per source id.

/// A lexical shortlist: for each source subword, the target subwords it is most associated with,
/// plus the most frequent target subwords. Search then scores only the union of these for the
/// sentences of a batch (C columns of the generator instead of V), as Marian's shortlists do.
///
/// Associations are Dice coefficients of sentence-level co-occurrence, 2·c(s, t) / (c(s) + c(t)),
/// counted on the training corpus: one pass, no alignment model. Target ids below `frequent` are
/// always candidates; vocabularies are sorted by count, so they are the most frequent subwords
/// and the four specials.
public struct Shortlist: Sendable, Equatable {
    /// Target ids `0 ..< frequent` are candidates for every sentence.
    public let frequent: Int
    /// Per source id, its associated target ids, best first.
    public let bySource: [[Int32]]

    public init(frequent: Int, bySource: [[Int32]]) {
        self.frequent = frequent
        self.bySource = bySource
    }

    /// Learns the `size` best-associated target ids of each source id from line-aligned id
    /// sequences (`sources[i]` translates as `targets[i]`); ties go to the smaller target id.
    public static func learn(sources: [[Int32]], targets: [[Int32]], sourceVocabularySize: Int,
                             targetVocabularySize: Int, size: Int, frequent: Int) -> Shortlist {
        precondition(sources.count == targets.count && size >= 0 && frequent >= 0)
        var sourceCounts = [Int](repeating: 0, count: sourceVocabularySize)
        var targetCounts = [Int](repeating: 0, count: targetVocabularySize)
        var pairCounts: [UInt64: Int32] = [:]
        for (source, target) in zip(sources, targets) {
            let s = Set(source), t = Set(target)
            for id in s { sourceCounts[Int(id)] += 1 }
            for id in t { targetCounts[Int(id)] += 1 }
            for a in s { for b in t { pairCounts[UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)), default: 0] += 1 } }
        }
        var scored = [[(dice: Double, id: Int32)]](repeating: [], count: sourceVocabularySize)
        for (key, count) in pairCounts {
            let (s, t) = (Int(key >> 32), Int32(truncatingIfNeeded: key))
            guard Int(t) >= frequent else { continue }  // always a candidate anyway
            scored[s].append((2 * Double(count) / Double(sourceCounts[s] + targetCounts[Int(t)]), t))
        }
        let lists = scored.map { entries in
            entries.sorted { $0.dice != $1.dice ? $0.dice > $1.dice : $0.id < $1.id }.prefix(size).map(\.id)
        }
        return Shortlist(frequent: min(frequent, targetVocabularySize), bySource: lists)
    }

    /// The sorted candidate target ids for a batch of source sentences: the specials (`</s>`
    /// must be able to end a sentence), the frequent ids and the sources' associated ids.
    public func candidates(for sources: [[Int32]]) -> [Int32] {
        let always = max(frequent, Int(Batch.eosID) + 1)
        var chosen = Set<Int32>()
        for sentence in sources {
            for id in sentence where Int(id) < bySource.count { chosen.formUnion(bySource[Int(id)]) }
        }
        return Array(0..<Int32(always)) + chosen.filter { Int($0) >= always }.sorted()
    }

    // MARK: - Text form (stored in a model file's metadata)

    static let header = "fanyi-shortlist 1"
    /// The model-file metadata entry that holds a shortlist.
    public static let metadataKey = "shortlist"

    /// `fanyi-shortlist 1`, then `frequent F sources S`, then one line per source id: its target
    /// ids, best first, separated by spaces (an empty line for none).
    public func serialized() -> String {
        ([Self.header, "frequent \(frequent) sources \(bySource.count)"]
            + bySource.map { $0.map(String.init).joined(separator: " ") }).joined(separator: "\n")
    }

    /// Parses `serialized()` text, checking every id against the vocabulary sizes; `name`
    /// names the text's origin in errors.
    public init(parsing text: String, sourceVocabularySize: Int, targetVocabularySize: Int, name: String) throws(ShortlistError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(Self.header) else {
            throw ShortlistError(name: name, line: 1, reason: "expected '\(Self.header)'")
        }
        let fields = lines.count > 1 ? lines[1].split(separator: " ") : []
        guard fields.count == 4, fields[0] == "frequent", fields[2] == "sources", let frequent = Int(fields[1]),
              let sources = Int(fields[3]), (0...targetVocabularySize).contains(frequent) else {
            throw ShortlistError(name: name, line: 2, reason: "expected 'frequent F sources S' with 0 ≤ F ≤ \(targetVocabularySize)")
        }
        guard sources == sourceVocabularySize, lines.count == sources + 2 else {
            throw ShortlistError(name: name, line: 2, reason: "\(sources) sources and \(lines.count - 2) lines for a source vocabulary of \(sourceVocabularySize)")
        }
        var bySource: [[Int32]] = []
        bySource.reserveCapacity(sources)
        for (offset, line) in lines.dropFirst(2).enumerated() {
            var ids: [Int32] = []
            for field in line.split(separator: " ", omittingEmptySubsequences: false) where !line.isEmpty {
                guard let id = Int32(field), id >= 0, Int(id) < targetVocabularySize else {
                    throw ShortlistError(name: name, line: offset + 3, reason: "'\(field)' is not a target id below \(targetVocabularySize)")
                }
                ids.append(id)
            }
            bySource.append(ids)
        }
        self.init(frequent: frequent, bySource: bySource)
    }
}

/// A stored shortlist that cannot be read: where and why.
public struct ShortlistError: Error, Equatable, CustomStringConvertible {
    public let name: String
    public let line: Int
    public let reason: String

    public var description: String {
        "\(name): shortlist line \(line): \(reason); export the model again (fanyi-train export --shortlist) or translate with --no-shortlist"
    }
}
