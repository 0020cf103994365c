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

/// Sentence pairs as model ids, with what was left out and why.
public struct EncodedCorpus: Sendable {
    public var sources: [[Int32]]
    public var targets: [[Int32]]
    /// Original line index (0-based, over the concatenated corpora) of each kept pair.
    public var lineIndices: [Int]
    public var skippedEmpty = 0
    public var skippedLong = 0

    public var count: Int { sources.count }

    public var summary: String {
        "\(count) pairs kept, \(skippedEmpty) skipped as empty, \(skippedLong) skipped as longer than the length limit"
    }
}
