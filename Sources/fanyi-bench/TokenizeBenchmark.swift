import ArgumentParser
import Foundation
import Tokenization
import Training

/// Tokenizer, BPE learning and BPE application speed on a shipped corpus, one thread.
struct TokenizeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenization MB/s, BPE learning time and BPE application speed (one thread).",
        discussion: """
            Example:
              fanyi-bench tokenize --corpus corpora/en-zh-lohelp/train \\
                  --languages en,zh --merges 16000
            """)

    @Option(help: "Corpus prefix; PREFIX.<lang> is read for each language.")
    var corpus = "corpora/en-zh-lohelp/train"

    @Option(help: "Comma-separated languages.")
    var languages = "en,zh"

    @Option(help: "Joint BPE merges to learn.")
    var merges = 16_000

    @Option(help: "Timed repeats (the median is reported).")
    var repeats = 5

    func validate() throws {
        if repeats < 1 { throw ValidationError("--repeats must be ≥ 1") }
        if merges < 1 { throw ValidationError("--merges must be ≥ 1") }
    }

    func run() throws {
        let languages = languages.split(separator: ",").map(String.init)
        var allTokens: [[String]] = []
        for language in languages {
            let path = "\(corpus).\(language)"
            let lines = try TextFile.readLines(path)
            let megabytes = Double(lines.reduce(0) { $0 + $1.utf8.count + 1 }) / 1e6
            let tokenizer = try Tokenizer(options: TokenizerOptions(language: language))
            var tokens: [[String]] = []
            let seconds = try medianSeconds(repeats) {
                tokens = try lines.map { try tokenizer.tokenize($0) }
            }
            let count = tokens.reduce(0) { $0 + $1.count }
            print(String(format: "tokenize %@: %.2f MB in %.3f s: %.1f MB/s, %.0f tokens/s (%d lines)",
                         path, megabytes, seconds, megabytes / seconds, Double(count) / seconds, lines.count))
            allTokens += tokens
        }

        var counts: [String: Int] = [:]
        let countSeconds = medianSeconds(repeats) {
            counts = [:]
            for line in allTokens { BPELearner.addWords(of: line, to: &counts) }
        }
        var learned = BPEMerges()
        let learnSeconds = medianSeconds(repeats) {
            learned = BPELearner.learn(wordCounts: counts, mergeCount: merges)
        }
        print(String(format: "learn BPE (%@, joint): %d word types, %d merges in %.3f s (+ %.3f s counting words)",
                     languages.joined(separator: "+"), counts.count, learned.merges.count, learnSeconds, countSeconds))

        let tokenCount = allTokens.reduce(0) { $0 + $1.count }
        var pieces = 0
        let applySeconds = medianSeconds(repeats) {
            let bpe = BPE(merges: learned)  // a cold cache each time
            pieces = allTokens.reduce(0) { $0 + bpe.apply($1).count }
        }
        print(String(format: "apply BPE: %d tokens → %d subwords in %.3f s: %.0f tokens/s (cold cache)",
                     tokenCount, pieces, applySeconds, Double(tokenCount) / applySeconds))
        print(String(format: "peak memory %.0f MiB", ResourceUsage.now().peakResidentMiB))
    }
}
