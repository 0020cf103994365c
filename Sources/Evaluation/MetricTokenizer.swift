// The tokenizers sacreBLEU 2.x applies before BLEU, re-implemented to give the same tokens:
// 13a (mteval-v13a, the default), zh (Chinese characters split, the rest as 13a), intl
// (mteval-v14 international: Unicode punctuation and symbols) and none. Text is handled as
// Unicode scalars, as Python handles str.

/// How BLEU splits hypotheses and references into words.
public enum MetricTokenizer: String, CaseIterable, Sendable {
    case thirteenA = "13a"
    case zh
    case intl
    case none

    /// The tokens of `line`.
    public func tokens(_ line: String) -> [String] {
        switch self {
        case .thirteenA: return Self.thirteenA(line)
        case .zh: return Self.chinese(line)
        case .intl: return Self.international(line)
        case .none: return PythonText.split(Array(line.unicodeScalars))
        }
    }

    // MARK: - 13a

    static func thirteenA(_ line: String) -> [String] {
        var text = line.replacingAll("<skipped>", with: "").replacingAll("-\n", with: "").replacingAll("\n", with: " ")
        if text.contains("&") {
            text = text.replacingAll("&quot;", with: "\"").replacingAll("&amp;", with: "&")
                .replacingAll("&lt;", with: "<").replacingAll("&gt;", with: ">")
        }
        return regexpTokens([" "] + Array(text.unicodeScalars) + [" "])
    }

    /// sacreBLEU's `TokenizerRegexp`: four substitutions, then whitespace splitting.
    static func regexpTokens(_ input: [Unicode.Scalar]) -> [String] {
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(input.count * 2)
        // 1. ([\{-\~\[-\` -\&\(-\+\:-\@\/]) → " \1 "
        for c in input {
            if isThirteenAPunctuation(c) {
                s += [" ", c, " "]
            } else {
                s.append(c)
            }
        }
        // 2. ([^0-9])([\.,]) → "\1 \2 "
        s = substitutePairs(s, { !isASCIIDigit($0) }, { $0 == "." || $0 == "," }) { [$0, " ", $1, " "] }
        // 3. ([\.,])([^0-9]) → " \1 \2"
        s = substitutePairs(s, { $0 == "." || $0 == "," }, { !isASCIIDigit($0) }) { [" ", $0, " ", $1] }
        // 4. ([0-9])(-) → "\1 \2 "
        s = substitutePairs(s, isASCIIDigit, { $0 == "-" }) { [$0, " ", $1, " "] }
        return PythonText.split(s)
    }

    /// `re.sub` of a two-character pattern: leftmost, non-overlapping matches, scanning on.
    static func substitutePairs(
        _ s: [Unicode.Scalar], _ first: (Unicode.Scalar) -> Bool, _ second: (Unicode.Scalar) -> Bool,
        _ replacement: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]
    ) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count + s.count / 2)
        var i = 0
        while i < s.count {
            if i + 1 < s.count && first(s[i]) && second(s[i + 1]) {
                out += replacement(s[i], s[i + 1])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    static func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }

    /// The character class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`.
    static func isThirteenAPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
        default: return false
        }
    }

    // MARK: - zh

    /// sacreBLEU's ranges of "Chinese characters". Two of its ranges are written with 5-digit
    /// `\u` escapes, which Python reads as a 4-digit escape plus a digit; compared as strings they
    /// select U+2001–U+2A6D and U+2F81–U+2FA1, and that is what sacreBLEU does, so it is what
    /// this does.
    static let chineseRanges: [ClosedRange<UInt32>] = [
        0x3400...0x4DB5, 0x4E00...0x9FA5, 0x9FA6...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A, 0xFA70...0xFAD9,
        0x2001...0x2A6D, 0x2F81...0x2FA1, 0xFF00...0xFFEF, 0x2E80...0x2EFF, 0x3000...0x303F, 0x31C0...0x31EF,
        0x2F00...0x2FDF, 0x2FF0...0x2FFF, 0x3100...0x312F, 0x31A0...0x31BF, 0xFE10...0xFE1F, 0xFE30...0xFE4F,
        0x2600...0x26FF, 0x2700...0x27BF, 0x3200...0x32FF, 0x3300...0x33FF,
    ]

    static func isChinese(_ c: Unicode.Scalar) -> Bool { chineseRanges.contains { $0.contains(c.value) } }

    static func chinese(_ line: String) -> [String] {
        var s: [Unicode.Scalar] = []
        for c in PythonText.strip(Array(line.unicodeScalars)) {
            if isChinese(c) {
                s += [" ", c, " "]
            } else {
                s.append(c)
            }
        }
        return regexpTokens(s)
    }

    // MARK: - intl

    static func international(_ line: String) -> [String] {
        func isNumber(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .decimalNumber, .letterNumber, .otherNumber: return true
            default: return false
            }
        }
        func isPunctuation(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
            default: return false
            }
        }
        func isSymbol(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
            default: return false
            }
        }
        var s = Array(line.unicodeScalars)
        s = substitutePairs(s, { !isNumber($0) }, isPunctuation) { [$0, " ", $1, " "] }   // (\P{N})(\p{P})
        s = substitutePairs(s, isPunctuation, { !isNumber($0) }) { [" ", $0, " ", $1] }   // (\p{P})(\P{N})
        var out: [Unicode.Scalar] = []
        for c in s { if isSymbol(c) { out += [" ", c, " "] } else { out.append(c) } }      // (\p{S})
        return PythonText.split(out)
    }
}

/// Python's str whitespace handling (`split()`, `strip()`, `rstrip()`), which sacreBLEU relies on.
enum PythonText {
    /// `str.isspace()` for one code point.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func split(_ s: [Unicode.Scalar]) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for c in s {
            if isSpace(c) {
                if !current.isEmpty {
                    tokens.append(String(current))
                    current = String.UnicodeScalarView()
                }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }

    static func strip(_ s: [Unicode.Scalar]) -> ArraySlice<Unicode.Scalar> {
        guard let first = s.firstIndex(where: { !isSpace($0) }), let last = s.lastIndex(where: { !isSpace($0) }) else { return [] }
        return s[first...last]
    }

    static func rstrip(_ line: String) -> String {
        let s = Array(line.unicodeScalars)
        guard let last = s.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(String.UnicodeScalarView(s[...last]))
    }
}

extension String {
    /// Every occurrence of `target` replaced, matching by Unicode scalars (as Python does).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let t = Array(target.unicodeScalars)
        let s = Array(unicodeScalars)
        guard !t.isEmpty, s.count >= t.count else { return self }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if i + t.count <= s.count && s[i..<(i + t.count)].elementsEqual(t) {
                out.append(contentsOf: replacement.unicodeScalars)
                i += t.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return String(out)
    }
}
