import ArgumentParser
import Foundation
import Tokenization

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Learn BPE merges and write vocabularies for a corpus pair or for files of one language.",
        discussion: """
            A parallel corpus is two line-aligned files PREFIX.<source-lang> and
            PREFIX.<target-lang> (my-data/train.en, my-data/train.es). Writes
            OUTPUT.<lang>.vocab for each language, the merges (OUTPUT.<lang>.bpe,
            or OUTPUT.bpe with --joint) and the manifest OUTPUT.json, which
            fanyi-train --vocab reads.
            Examples:
              fanyi-vocab build --train my-data/train --source-lang en \\
                  --target-lang es --merges 8000 --output vocab/my-en-es
              fanyi-vocab build --input a.txt --input b.txt --lang en \\
                  --merges 8000 --output vocab/mine     (--input - reads stdin)
            """)

    @Option(help: "Corpus prefix: reads PREFIX.<source-lang> and PREFIX.<target-lang> (repeatable).")
    var train: [String] = []

    @Option(help: "Source language code (with --train).")
    var sourceLang: String?

    @Option(help: "Target language code (with --train).")
    var targetLang: String?

    @Option(help: "Text file of one language, - for stdin (repeatable; with --lang).")
    var input: [String] = []

    @Option(name: .customLong("lang"), help: "Language of the --input files.")
    var language: String?

    @Option(help: "Output prefix, e.g. vocab/en-zh-lohelp.")
    var output: String

    @Option(help: "Number of BPE merges to learn (0: word-level vocabulary).")
    var merges = 8_000

    @Flag(help: "Learn one set of merges on both sides together.")
    var joint = false

    @Option(help: "A pair must occur at least this often to be merged.")
    var minFrequency = 2

    @Option(help: "Leave out subwords seen fewer times than this.")
    var minCount = 1

    @Option(help: "At most this many entries per vocabulary, the four specials included.")
    var maxSize: Int?

    @Option(help: "Normalization of the source side (or of --input): nfc, nfkc, none (default: the language's).")
    var sourceNormalization: Normalization?

    @Option(help: "Normalization of the target side: nfc, nfkc, none (default: the language's).")
    var targetNormalization: Normalization?

    @Flag(help: "Lowercase both sides with each language's rules.")
    var lowercase = false

    @Option(help: "Invalid UTF-8 in the input: error (stop, naming the line) or replace (with U+FFFD).")
    var invalidUTF8: InvalidUTF8Policy = .error

    func validate() throws {
        let pairMode = !train.isEmpty || sourceLang != nil || targetLang != nil
        let filesMode = !input.isEmpty || language != nil
        if pairMode == filesMode {
            throw ValidationError("give either --train PREFIX --source-lang L --target-lang L, or --input FILE --lang L")
        }
        if pairMode {
            guard !train.isEmpty, let sourceLang, let targetLang else {
                throw ValidationError("--train, --source-lang and --target-lang go together")
            }
            if sourceLang == targetLang { throw ValidationError("--source-lang and --target-lang are both '\(sourceLang)'") }
            for prefix in train {
                do { try CorpusFiles.checkExist(prefix: prefix, languages: [sourceLang, targetLang], flag: "--train") } catch {
                    throw ValidationError(error.description)
                }
            }
        } else {
            guard !input.isEmpty, language != nil else { throw ValidationError("--input and --lang go together") }
            if joint { throw ValidationError("--joint needs two languages (--train with --source-lang/--target-lang)") }
            if targetNormalization != nil { throw ValidationError("--target-normalization needs --train") }
        }
        if merges < 0 { throw ValidationError("--merges must be ≥ 0, got \(merges)") }
        if minFrequency < 1 { throw ValidationError("--min-frequency must be ≥ 1, got \(minFrequency)") }
        if minCount < 1 { throw ValidationError("--min-count must be ≥ 1, got \(minCount)") }
        if let maxSize, maxSize <= Vocabulary.specials.count {
            throw ValidationError("--max-size must be > \(Vocabulary.specials.count) (the specials), got \(maxSize)")
        }
        if output.isEmpty || output.hasSuffix("/") {
            throw ValidationError("--output is a prefix such as vocab/en-zh-lohelp, not a folder")
        }
    }

    func run() throws {
        var sides: [VocabularyBuilder.Side] = []
        if let sourceLang, let targetLang {
            for (language, normalization) in [(sourceLang, sourceNormalization), (targetLang, targetNormalization)] {
                let files = train.map { CorpusFiles.path($0, language) }
                sides.append(.init(
                    tokenizer: TokenizerOptions(language: language, normalization: normalization, lowercase: lowercase),
                    files: files))
            }
        } else if let language {
            sides.append(.init(
                tokenizer: TokenizerOptions(language: language, normalization: sourceNormalization, lowercase: lowercase),
                files: input.map { $0 == "-" ? "/dev/stdin" : $0 }))
        }

        var options = VocabularyBuilder.Options()
        options.mergeCount = merges
        options.jointBPE = joint
        options.minFrequency = minFrequency
        options.minCount = minCount
        options.maxSize = maxSize
        options.invalidUTF8 = invalidUTF8
        options.lineAligned = !train.isEmpty
        let (results, timings) = try VocabularyBuilder.build(sides, options: options)

        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let base = (output as NSString).lastPathComponent
        var manifest = VocabularySet(
            languages: results.map(\.tokenizer.language), sides: [:], mergeCount: merges, jointBPE: joint,
            command: (["fanyi-vocab"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        for result in results {
            let language = result.tokenizer.language
            var bpeFile: String?
            if let merges = result.merges {
                bpeFile = joint ? "\(base).bpe" : "\(base).\(language).bpe"
                try merges.write(to: VocabularySet.resolve(bpeFile!, in: folder))
            }
            let vocabFile = "\(base).\(language).vocab"
            try result.vocabulary.write(to: VocabularySet.resolve(vocabFile, in: folder))
            manifest.sides[language] = .init(tokenizer: result.tokenizer, bpe: bpeFile, vocabulary: vocabFile)
            let megabytes = Double(result.bytes) / 1e6
            printError(String(
                format: "%@: %d lines, %.1f MB, %d subword tokens, %d merges, vocabulary %d entries → %@",
                language, result.lines, megabytes, result.tokens, result.merges?.merges.count ?? 0,
                result.vocabulary.count, vocabFile))
        }
        try manifest.write(to: output + ".json")
        let totalMB = Double(results.reduce(0) { $0 + $1.bytes }) / 1e6
        printError(String(
            format: "tokenize %.2f s (%.1f MB/s over %d thread(s)), learn BPE %.2f s, apply + count %.2f s; manifest %@.json",
            timings.tokenize, totalMB / timings.tokenize, results.count, timings.learn, timings.apply, output))
    }
}
