import Foundation

/// sacreBLEU-style output of corpus scores: text lines `NAME|signature = score …` or JSON.
public struct ScoreReport: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var signature: String
        public var score: Double
        public var verbose: String?
    }

    public var entries: [Entry] = []
    /// Decimal places of the scores (sacreBLEU's `-w`).
    public var width = 1

    public init(width: Int = 1) { self.width = width }

    /// Scores `hypotheses` against `references` (same count) with BLEU and/or chrF.
    public mutating func add(bleu: BLEU?, chrf: CHRF?, hypotheses: [String], references: [String]) {
        if let bleu {
            let s = bleu.score(hypotheses: hypotheses, references: references)
            let verbose = s.precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
                + String(format: " (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", s.brevityPenalty, s.ratio,
                         s.hypothesisLength, s.referenceLength)
            entries.append(Entry(name: "BLEU", signature: bleu.signature, score: s.score, verbose: verbose))
        }
        if let chrf {
            let name = "chrF\(chrf.beta)" + String(repeating: "+", count: chrf.wordOrder)
            entries.append(Entry(name: name, signature: chrf.signature,
                                 score: chrf.score(hypotheses: hypotheses, references: references), verbose: nil))
        }
    }

    func rounded(_ score: Double) -> String { String(format: "%.\(width)f", score) }

    /// One line per metric, as `sacrebleu -f text` prints them.
    public var text: String {
        entries.map { "\($0.name)|\($0.signature) = \(rounded($0.score))" + ($0.verbose.map { " " + $0 } ?? "") }
            .joined(separator: "\n")
    }

    /// A JSON array of objects with name, score, signature and (BLEU) verbose_score.
    public var json: String {
        let objects: [[String: Any]] = entries.map { entry in
            var object: [String: Any] = ["name": entry.name, "score": Double(rounded(entry.score))!, "signature": entry.signature]
            if let verbose = entry.verbose { object["verbose_score"] = verbose }
            return object
        }
        let data = try! JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
