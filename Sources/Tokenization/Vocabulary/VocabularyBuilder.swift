import Dispatch

/// Builds BPE merges and vocabularies from corpus files: tokenize, count words, learn merges,
/// split into subwords, count subwords.
public enum VocabularyBuilder {
    public struct Options: Sendable {
        /// Number of BPE merges to learn (0: word-level vocabulary, no merges).
        public var mergeCount: Int = 8_000
        /// One set of merges learned on both sides together, or one per side.
        public var jointBPE: Bool = false
        /// A pair must occur this often to be merged.
        public var minFrequency: Int = 2
        /// Subwords seen fewer times are left out of the vocabulary.
        public var minCount: Int = 1
        /// At most this many entries per vocabulary, specials included.
        public var maxSize: Int? = nil
        public var invalidUTF8: InvalidUTF8Policy = .error
        /// The sides are the languages of a parallel corpus: their k-th files must have the same
        /// number of lines (checked as they are read, before anything is learned).
        public var lineAligned = false
        public init() {}
    }

    /// One language's input.
    public struct Side: Sendable {
        public var tokenizer: TokenizerOptions
        public var files: [String]
        public init(tokenizer: TokenizerOptions, files: [String]) {
            self.tokenizer = tokenizer
            self.files = files
        }
    }

    /// What was built for one language.
    public struct Result: Sendable {
        public var tokenizer: TokenizerOptions
        public var merges: BPEMerges?
        public var vocabulary: Vocabulary
        public var lines: Int
        public var tokens: Int
        public var bytes: Int
    }

    /// Timings of the stages, in seconds.
    public struct Timings {
        public var tokenize = 0.0
        public var learn = 0.0
        public var apply = 0.0
    }

    /// Builds merges and a vocabulary for each side (sides are tokenized in parallel).
    public static func build(_ sides: [Side], options: Options) throws(TokenizationError) -> (results: [Result], timings: Timings) {
        var timings = Timings()
        var clock = Stopwatch()

        // 1. Tokenize each side in one streaming pass, counting token types (one thread per
        //    side: a Tokenizer is not thread-safe). Memory grows with the types, not the lines.
        let tokenized = try parallelMap(sides) { side throws(TokenizationError) in
            let tokenizer = try Tokenizer(options: side.tokenizer)
            var counts: [String: Int] = [:]
            var bytes = 0
            var fileLines: [Int] = []
            for file in side.files {
                let reader = try LineReader(path: file, policy: options.invalidUTF8)
                while let line = try reader.nextLine() {
                    bytes += line.utf8.count + 1
                    for token in try tokenizer.tokenize(line) { counts[token, default: 0] += 1 }
                }
                fileLines.append(reader.lineNumber)
            }
            return (counts, bytes, fileLines)
        }
        if options.lineAligned, let first = sides.first {
            for (i, side) in sides.enumerated().dropFirst() {
                for (k, file) in side.files.enumerated() where tokenized[i].2[k] != tokenized[0].2[k] {
                    throw .lineCountMismatch(file: first.files[k], lines: tokenized[0].2[k], otherFile: file, otherLines: tokenized[i].2[k])
                }
            }
        }
        timings.tokenize = clock.lap()

        // 2. Learn merges, jointly or per side.
        var merges: [BPEMerges?] = Array(repeating: nil, count: sides.count)
        if options.mergeCount > 0 {
            func wordCounts(_ indices: [Int]) -> [String: Int] {
                var counts: [String: Int] = [:]
                for i in indices {
                    for (token, count) in tokenized[i].0 {
                        let word = SubwordToken(token)
                        if word.isSplittable { counts[String(word.core), default: 0] += count }
                    }
                }
                return counts
            }
            if options.jointBPE {
                let joint = BPELearner.learn(wordCounts: wordCounts(Array(sides.indices)),
                                             mergeCount: options.mergeCount, minFrequency: options.minFrequency)
                merges = Array(repeating: joint, count: sides.count)
            } else {
                merges = parallelMap(Array(sides.indices)) { i in
                    BPELearner.learn(wordCounts: wordCounts([i]),
                                     mergeCount: options.mergeCount, minFrequency: options.minFrequency)
                }
            }
        }
        timings.learn = clock.lap()

        // 3. Count subwords and build the vocabularies: BPE splits each token on its own, so a
        //    token type's pieces count as often as the type.
        let results = parallelMap(Array(sides.indices)) { i in
            let bpe = merges[i].map(BPE.init(merges:))
            var counts: [String: Int] = [:]
            var tokens = 0
            for (token, count) in tokenized[i].0 {
                for piece in bpe?.apply([token]) ?? [token] {
                    counts[piece, default: 0] += count
                    tokens += count
                }
            }
            return Result(
                tokenizer: sides[i].tokenizer, merges: merges[i],
                vocabulary: Vocabulary(counts: counts, minCount: options.minCount, maxSize: options.maxSize),
                lines: tokenized[i].2.reduce(0, +), tokens: tokens, bytes: tokenized[i].1)
        }
        timings.apply = clock.lap()
        return (results, timings)
    }

    /// `transform` applied to each element on its own thread, results in order.
    public static func parallelMap<T, R, E: Error>(_ items: [T], _ transform: (T) throws(E) -> R) throws(E) -> [R] {
        var results = [Swift.Result<R, E>?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            withoutActuallyEscaping(transform) { transform in
                // Each iteration writes only its own slot; the items are only read.
                nonisolated(unsafe) let transform = transform
                nonisolated(unsafe) let buffer = buffer
                nonisolated(unsafe) let items = items
                DispatchQueue.concurrentPerform(iterations: items.count) { i in
                    do throws(E) { buffer[i] = .success(try transform(items[i])) } catch { buffer[i] = .failure(error) }
                }
            }
        }
        var out: [R] = []
        out.reserveCapacity(items.count)
        for result in results {
            switch result! {
            case .success(let value): out.append(value)
            case .failure(let error): throw error
            }
        }
        return out
    }
}

/// Wall-clock laps, for the timings reported by the tools.
public struct Stopwatch {
    private var start = DispatchTime.now().uptimeNanoseconds
    public init() {}
    /// Seconds since the last lap (or creation).
    public mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { start = now }
        return Double(now - start) / 1e9
    }
    /// Seconds since the last lap (or creation), without starting a new lap.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
