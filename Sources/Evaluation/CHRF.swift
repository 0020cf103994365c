/// Corpus chrF (Popović 2015) as sacreBLEU 2.x computes it: character n-grams up to 6 with
/// whitespace removed, optional word n-grams (chrF++ uses 2), β = 2, statistics summed over the
/// corpus before the F-score.
public struct CHRF: Sendable {
    public var charOrder = 6
    public var wordOrder = 0
    public var beta = 2
    public var lowercase = false

    public init(wordOrder: Int = 0, lowercase: Bool = false) {
        self.wordOrder = wordOrder
        self.lowercase = lowercase
    }

    /// Punctuation split off words for word n-grams (as sacreBLEU, after m-popovic/chrF).
    static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    public func score(hypotheses: [String], references: [String]) -> Double {
        precondition(hypotheses.count == references.count)
        let orders = charOrder + wordOrder
        var statistics = [Int](repeating: 0, count: 3 * orders)  // per order: hyp, ref, match
        for (hypothesis, reference) in zip(hypotheses, references) {
            let h = prepare(hypothesis), r = prepare(reference)
            let hs = h.filter { !PythonText.isSpace($0) }, rs = r.filter { !PythonText.isSpace($0) }
            for n in 1...charOrder {
                add(counts(hs, n), counts(rs, n), order: n - 1, into: &statistics)
            }
            if wordOrder > 0 {
                let hw = words(h), rw = words(r)
                for n in 1...wordOrder {
                    add(counts(hw, n), counts(rw, n), order: charOrder + n - 1, into: &statistics)
                }
            }
        }
        return fScore(statistics)
    }

    func prepare(_ line: String) -> [Unicode.Scalar] {
        Array((lowercase ? line.lowercased() : line).unicodeScalars)
    }

    func counts<T: Hashable>(_ items: [T], _ n: Int) -> [ArraySlice<T>: Int] {
        var counts: [ArraySlice<T>: Int] = [:]
        if items.count >= n {
            for i in 0...(items.count - n) { counts[items[i..<(i + n)], default: 0] += 1 }
        }
        return counts
    }

    func add<K>(_ hyp: [K: Int], _ ref: [K: Int], order: Int, into statistics: inout [Int]) {
        var hypCount = 0, match = 0
        for (ngram, count) in hyp {
            hypCount += count
            if let r = ref[ngram] { match += min(count, r) }
        }
        statistics[3 * order] += ref.isEmpty ? 0 : hypCount  // as sacreBLEU: no reference n-grams, no hits counted
        statistics[3 * order + 1] += ref.values.reduce(0, +)
        statistics[3 * order + 2] += match
    }

    func words(_ s: [Unicode.Scalar]) -> [String] {
        var out: [String] = []
        for w in PythonText.split(s) {
            let scalars = Array(w.unicodeScalars)
            if scalars.count == 1 {
                out.append(w)
            } else if Self.punctuation.contains(scalars.last!) {
                out += [String(String.UnicodeScalarView(scalars.dropLast())), String(scalars.last!)]
            } else if Self.punctuation.contains(scalars.first!) {
                out += [String(scalars.first!), String(String.UnicodeScalarView(scalars.dropFirst()))]
            } else {
                out.append(w)
            }
        }
        return out
    }

    func fScore(_ statistics: [Int]) -> Double {
        let factor = Double(beta * beta)
        var precisionSum = 0.0, recallSum = 0.0, effective = 0
        for i in 0..<(charOrder + wordOrder) {
            let (hyp, ref, match) = (statistics[3 * i], statistics[3 * i + 1], statistics[3 * i + 2])
            if hyp > 0 && ref > 0 {
                precisionSum += Double(match) / Double(hyp)
                recallSum += Double(match) / Double(ref)
                effective += 1
            }
        }
        guard effective > 0 else { return 0 }
        let p = precisionSum / Double(effective), r = recallSum / Double(effective)
        guard p + r > 0 else { return 0 }
        return 100 * (1 + factor) * p * r / (factor * p + r)
    }

    public var signature: String {
        "nrefs:1|case:\(lowercase ? "lc" : "mixed")|eff:yes|nc:\(charOrder)|nw:\(wordOrder)|space:no|version:2.6.0"
    }
}
