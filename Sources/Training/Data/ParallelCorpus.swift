import Tokenization

/// Line-aligned sentence pairs read from `PREFIX.SRC` / `PREFIX.TGT` files.
public struct ParallelCorpus: Sendable {
    public var sources: [String]
    public var targets: [String]

    public init(sources: [String], targets: [String]) {
        precondition(sources.count == targets.count)
        self.sources = sources
        self.targets = targets
    }

    public var count: Int { sources.count }

    /// Reads and concatenates the corpora of `prefixes`, checking every pair of files has the
    /// same number of lines before returning (invalid UTF-8 is an error naming file and line).
    public static func read(prefixes: [String], sourceLanguage: String, targetLanguage: String) throws -> ParallelCorpus {
        var corpus = ParallelCorpus(sources: [], targets: [])
        for prefix in prefixes {
            let (sourceFile, targetFile) = ("\(prefix).\(sourceLanguage)", "\(prefix).\(targetLanguage)")
            let sources = try TextFile.readLines(sourceFile)
            let targets = try TextFile.readLines(targetFile)
            guard sources.count == targets.count else {
                throw TokenizationError.lineCountMismatch(file: sourceFile, lines: sources.count,
                                                          otherFile: targetFile, otherLines: targets.count)
            }
            corpus.sources += sources
            corpus.targets += targets
        }
        return corpus
    }
}

/// Sentence pairs as model ids, what batches are cut from: in memory (`EncodedCorpus`) or in an
/// encoded-corpus file (`EncodedCorpusFile`).
public protocol EncodedPairs: AnyObject, Sendable {
    var count: Int { get }
    /// Subwords of pair `i`'s source and target (without `</s>`).
    func lengths(_ i: Int) -> (source: Int, target: Int)
    /// The ids of pair `i`.
    func pair(_ i: Int) -> (source: [Int32], target: [Int32])
    var skippedEmpty: Int { get }
    var skippedLong: Int { get }
}

extension EncodedPairs {
    public var summary: String {
        "\(count) pairs kept, \(skippedEmpty) skipped as empty, \(skippedLong) skipped as longer than the length limit"
    }

    /// Subwords over all sources (for the average length).
    public var sourceTokens: Int { (0..<count).reduce(0) { $0 + lengths($1).source } }
}

/// Sentence pairs as model ids in memory, with what was left out and why.
public struct EncodedCorpus: Sendable {
    public var sources: [[Int32]]
    public var targets: [[Int32]]
    /// Original line index (0-based, over the concatenated corpora) of each kept pair.
    public var lineIndices: [Int]
    public var skippedEmpty = 0
    public var skippedLong = 0

    public var count: Int { sources.count }

    /// A reference to these pairs for batching.
    public var pairs: InMemoryPairs { InMemoryPairs(self) }
}

/// An `EncodedCorpus` as `EncodedPairs`.
public final class InMemoryPairs: EncodedPairs {
    public let corpus: EncodedCorpus
    public init(_ corpus: EncodedCorpus) { self.corpus = corpus }
    public var count: Int { corpus.count }
    public func lengths(_ i: Int) -> (source: Int, target: Int) { (corpus.sources[i].count, corpus.targets[i].count) }
    public func pair(_ i: Int) -> (source: [Int32], target: [Int32]) { (corpus.sources[i], corpus.targets[i]) }
    public var skippedEmpty: Int { corpus.skippedEmpty }
    public var skippedLong: Int { corpus.skippedLong }
}
