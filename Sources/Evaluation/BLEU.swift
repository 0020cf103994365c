import Foundation

/// Corpus BLEU as sacreBLEU 2.x computes it (one reference per segment, exponential smoothing,
/// max n-gram order 4): the same statistics, smoothing and rounding, hence the same numbers.
public struct BLEU: Sendable {
    public var tokenizer: MetricTokenizer
    public var lowercase: Bool

    public init(tokenizer: MetricTokenizer = .thirteenA, lowercase: Bool = false) {
        self.tokenizer = tokenizer
        self.lowercase = lowercase
    }

    /// The result with its sufficient statistics.
    public struct Score: Sendable, Equatable {
        public var score: Double
        /// Modified n-gram precisions in percent, n = 1…4.
        public var precisions: [Double]
        public var brevityPenalty: Double
        public var hypothesisLength: Int
        public var referenceLength: Int
        public var correct: [Int]
        public var total: [Int]
        public var ratio: Double { referenceLength > 0 ? Double(hypothesisLength) / Double(referenceLength) : 0 }
    }

    public static let maxOrder = 4

    /// Corpus BLEU of `hypotheses` against `references` (same count, checked by the caller).
    public func score(hypotheses: [String], references: [String]) -> Score {
        precondition(hypotheses.count == references.count, "\(hypotheses.count) hypotheses for \(references.count) references")
        var correct = [Int](repeating: 0, count: Self.maxOrder), total = correct
        var hypothesisLength = 0, referenceLength = 0
        for (hypothesis, reference) in zip(hypotheses, references) {
            let h = tokens(hypothesis), r = tokens(reference)
            hypothesisLength += h.count
            referenceLength += r.count
            for n in 1...Self.maxOrder {
                let hc = ngramCounts(h, n), rc = ngramCounts(r, n)
                for (ngram, count) in hc {
                    total[n - 1] += count
                    if let rcount = rc[ngram] { correct[n - 1] += min(count, rcount) }
                }
            }
        }
        return Self.compute(correct: correct, total: total, hypothesisLength: hypothesisLength, referenceLength: referenceLength)
    }

    func tokens(_ line: String) -> [String] {
        var text = PythonText.rstrip(line)
        if lowercase { text = text.lowercased() }
        return tokenizer.tokens(text)
    }

    func ngramCounts(_ tokens: [String], _ n: Int) -> [ArraySlice<String>: Int] {
        var counts: [ArraySlice<String>: Int] = [:]
        if tokens.count >= n {
            for i in 0...(tokens.count - n) { counts[tokens[i..<(i + n)], default: 0] += 1 }
        }
        return counts
    }

    /// BLEU from sufficient statistics, with sacreBLEU's 'exp' smoothing (mteval-v13a's).
    static func compute(correct: [Int], total: [Int], hypothesisLength: Int, referenceLength: Int) -> Score {
        var brevity = 1.0
        if hypothesisLength < referenceLength {
            brevity = hypothesisLength > 0 ? exp(1 - Double(referenceLength) / Double(hypothesisLength)) : 0
        }
        var precisions = [Double](repeating: 0, count: maxOrder)
        var result = Score(score: 0, precisions: precisions, brevityPenalty: brevity, hypothesisLength: hypothesisLength,
                           referenceLength: referenceLength, correct: correct, total: total)
        guard correct.contains(where: { $0 > 0 }) else { return result }
        var smooth = 1.0
        for n in 0..<maxOrder {
            if total[n] == 0 { break }
            if correct[n] == 0 {
                smooth *= 2
                precisions[n] = 100 / (smooth * Double(total[n]))
            } else {
                precisions[n] = 100 * Double(correct[n]) / Double(total[n])
            }
        }
        // log(0) is floored as in sacreBLEU's my_log.
        let logSum = precisions.reduce(0) { $0 + ($1 == 0 ? -9_999_999_999 : log($1)) }
        result.precisions = precisions
        result.score = brevity * exp(logSum / Double(maxOrder))
        return result
    }

    /// sacreBLEU's signature for these settings.
    public var signature: String {
        "nrefs:1|case:\(lowercase ? "lc" : "mixed")|eff:no|tok:\(tokenizer.rawValue)|smooth:exp|version:2.6.0"
    }
}

extension BLEU.Score {
    /// The line sacreBLEU prints: `BLEU = 33.25 68.3/41.1/27.4/18.6 (BP = 0.955 ratio = 0.956 hyp_len = 5233 ref_len = 5474)`.
    public var formatted: String {
        String(format: "BLEU = %.2f %@ (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", score,
               precisions.map { String(format: "%.1f", $0) }.joined(separator: "/"), brevityPenalty, ratio,
               hypothesisLength, referenceLength)
    }
}
