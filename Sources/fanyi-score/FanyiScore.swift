import ArgumentParser
import Foundation
import Evaluation
import Tokenization

@main
struct FanyiScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanyi-score",
        abstract: "BLEU and chrF of a translation (stdin) against a reference file, as sacreBLEU computes them.",
        discussion: """
            Hypotheses and references are detokenized text, one segment per line,
            the same number of lines. Use --tokenize zh for Chinese output.
            Example:
              fanyi-translate --model models/en-zh-lohelp.safetensors \\
                      < corpora/en-zh-lohelp/test.en \\
                  | fanyi-score --reference corpora/en-zh-lohelp/test.zh --tokenize zh
            """)

    @Option(help: "Reference file, one segment per line.") var reference: String
    @Option(help: "Hypothesis file (default: standard input).") var input: String = "-"
    @Option(help: "BLEU tokenizer: 13a, zh, intl or none (use zh for Chinese and Japanese output).") var tokenize: MetricTokenizer = .thirteenA
    @Option(help: "Metrics, comma-separated: bleu, chrf.") var metrics = "bleu,chrf"
    @Option(help: "chrF word n-gram order (2: chrF++).") var chrfWordOrder = 0
    @Flag(help: "Lowercase before scoring.") var lowercase = false
    @Option(help: "Decimal places of the scores.") var width = 1
    @Flag(help: "Print JSON instead of text lines.") var json = false
    @Flag(help: "Score each line on its own: one line per hypothesis with its metrics, tab-separated, in --metrics order.")
    var sentenceLevel = false

    var metricNames: [String] { metrics.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }

    func validate() throws {
        for name in metricNames where !["bleu", "chrf"].contains(name) {
            throw ValidationError("--metrics takes bleu and/or chrf, got '\(name)'")
        }
        if metricNames.isEmpty { throw ValidationError("--metrics names no metric") }
        if chrfWordOrder < 0 { throw ValidationError("--chrf-word-order must be ≥ 0, got \(chrfWordOrder)") }
        if width < 0 || width > 10 { throw ValidationError("--width must be between 0 and 10, got \(width)") }
    }

    func run() throws {
        let references = try TextFile.readLines(reference)
        let reader = try LineReader(path: input)
        var hypotheses: [String] = []
        while let line = try reader.nextLine() { hypotheses.append(line) }
        guard hypotheses.count == references.count else {
            throw ScoreError(description: "\(reader.name) has \(hypotheses.count) lines but \(reference) has \(references.count); score one hypothesis per reference line")
        }
        if tokenize == .thirteenA && metricNames.contains("bleu") && Self.mostlyIdeographs(references) {
            // 13a does not split Chinese or Japanese words, so BLEU would count whole clauses as words.
            FileHandle.standardError.write(Data("fanyi-score: the references are mostly Chinese or Japanese characters; BLEU with --tokenize 13a treats unspaced text as one word, use --tokenize zh\n".utf8))
        }
        if sentenceLevel {
            let bleu = BLEU(tokenizer: tokenize, lowercase: lowercase), chrf = CHRF(wordOrder: chrfWordOrder, lowercase: lowercase)
            for (hypothesis, reference) in zip(hypotheses, references) {
                let scores = metricNames.map { name in
                    name == "bleu" ? bleu.score(hypotheses: [hypothesis], references: [reference]).score
                        : chrf.score(hypotheses: [hypothesis], references: [reference])
                }
                print(scores.map { String(format: "%.\(width)f", $0) }.joined(separator: "\t"))
            }
            return
        }
        var report = ScoreReport(width: width)
        report.add(bleu: metricNames.contains("bleu") ? BLEU(tokenizer: tokenize, lowercase: lowercase) : nil,
                   chrf: metricNames.contains("chrf") ? CHRF(wordOrder: chrfWordOrder, lowercase: lowercase) : nil,
                   hypotheses: hypotheses, references: references)
        print(json ? report.json : report.text)
    }
}

extension FanyiScore {
    /// Whether over half of the references' non-space characters are CJK ideographs or kana.
    static func mostlyIdeographs(_ lines: [String]) -> Bool {
        var (ideographs, others) = (0, 0)
        for line in lines.prefix(2000) {
            for scalar in line.unicodeScalars where !scalar.properties.isWhitespace {
                switch scalar.value {
                case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F: ideographs += 1
                default: others += 1
                }
            }
        }
        return ideographs > others
    }
}

struct ScoreError: Error, CustomStringConvertible {
    let description: String
}

extension MetricTokenizer: ExpressibleByArgument {}
