/// Finds the spans of a string that are not words (see `ProtectedText`).
///
/// Formats recognised, tried in this order at each `%`, `{`, `$`, `#`, `<`, `&`, `\`, `~`, `_`:
/// - `%%`; Python `%(name)s`; C/printf `%[N$][flags][width][.precision][length]conversion`
///   (flags `-+#0'`: a space flag is not taken, so that "50 % of" stays text); LibreOffice
///   `%PRODUCTNAME` (`%` and two or more capitals); Qt and LibreOffice `%1`, `%L1`.
/// - `{0}`, `{name}`, `{0,number}`, `{}` (ICU/Java MessageFormat, Python `str.format`, .NET).
/// - `${var}` (shell, JavaScript); `$(ARG1)` (LibreOffice); `#1` (LibreOffice Base).
/// - XML/HTML tags `<b>`, `<a href="…">`, `</b>`, `<br/>`, `<!-- … -->`; HTML's void elements
///   (`<br>`, `<img …>`) stand alone; entities `&amp;`, `&#160;`, `&#xA0;`.
/// - Line breaks: `\n` `\r` `\t` as written in code, and real line breaks.
/// - Accelerators: `~` before a letter or digit anywhere (LibreOffice: `Op~en`), `_` and `&` before
///   a letter at the start of a word (GTK `_File`, Qt `&Open`).
public enum MarkupScanner {
    /// HTML elements that have no closing tag.
    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                                            "meta", "source", "track", "wbr"]
    /// Longest span taken as one placeholder or tag; anything longer is text.
    public static let maximumSpan = 4096

    /// The string cut into chunks and markers; with a glossary, its terms are markers too
    /// (`markup: false` finds only those).
    public static func scan(_ text: String, markup: Bool = true, glossary: Glossary? = nil) -> ProtectedText {
        let terms = glossary.flatMap { $0.isEmpty ? nil : $0 }
        // Most sentences have none of the characters a span starts with: skip the work.
        guard terms != nil || (markup && text.utf8.contains(where: { startBytes.contains($0) })) else { return ProtectedText(plain: text) }
        let s = Array(text)
        let folded = terms != nil ? Glossary.fold(s) : []
        var chunks: [String] = []
        var markers: [ProtectedText.Marker] = []
        var accelerators: [ProtectedText.Accelerator] = []
        var chunk = ""
        var chunkNonSpace = 0
        // Where each "-->" starts, for comments.
        let commentEnds = text.contains("<!--") ? s.indices.filter { matches(s, at: $0, "-->") } : []
        var i = 0
        while i < s.count {
            if markup, let (length, kind) = span(in: s, at: i, commentEnds: commentEnds) {
                chunks.append(chunk)
                let before = i > 0 && s[i - 1].isWhitespace && kind != .lineBreak
                let after = i + length < s.count && s[i + length].isWhitespace && kind != .lineBreak
                markers.append(.init(text: String(s[i..<(i + length)]), kind: kind, partner: nil, parent: nil,
                                     spaceBefore: before, spaceAfter: after))
                chunk = ""
                chunkNonSpace = 0
                i += length
            } else if let terms, let (entry, length) = terms.match(in: s, folded: folded, at: i) {
                chunks.append(chunk)
                let before = i > 0 && s[i - 1].isWhitespace, after = i + length < s.count && s[i + length].isWhitespace
                markers.append(.init(text: entry.target, kind: .term, partner: nil, parent: nil,
                                     spaceBefore: before, spaceAfter: after, source: String(s[i..<(i + length)])))
                chunk = ""
                chunkNonSpace = 0
                i += length
            } else if markup, let key = acceleratorKey(in: s, at: i) {
                accelerators.append(.init(mark: s[i], key: key, chunk: chunks.count, offset: chunkNonSpace))
                i += 1
            } else {
                chunk.append(s[i])
                if !s[i].isWhitespace { chunkNonSpace += 1 }
                i += 1
            }
        }
        chunks.append(chunk)
        pairTags(&markers)
        var result = ProtectedText(plain: "")
        result.chunks = chunks
        result.markers = markers
        result.accelerators = accelerators
        return result
    }

    /// Whether `translation` holds exactly the markers of `source` (each as often) and its
    /// accelerators: of each accelerator's mark, at least one per accelerator and no more than
    /// the source has in all (the same character as plain text, as in "R&D", may be translated away).
    /// Glossary terms are not counted (a translation is scanned without the glossary).
    public static func holdsExactly(_ source: ProtectedText, _ translation: String) -> Bool {
        let found = scan(translation)
        let wanted = source.markers.filter { $0.kind != .term }.map(\.text).sorted()
        guard found.markers.map(\.text).sorted() == wanted else { return false }
        func count(_ mark: Character, _ text: ProtectedText) -> (accelerators: Int, all: Int) {
            let accelerators = text.accelerators.filter { $0.mark == mark }.count
            return (accelerators, accelerators + text.chunks.reduce(0) { $0 + $1.filter { $0 == mark }.count })
        }
        return Set(source.accelerators.map(\.mark)).allSatisfy { mark in
            let (wanted, allowed) = count(mark, source)
            let inTranslation = count(mark, found).all
            return inTranslation >= wanted && inTranslation <= allowed
        }
    }

    /// Whether a marker's text still reads as that marker with `c` right after it (`%PRODUCTNAME`
    /// followed by `_` or `S` would read as a longer name).
    static func staysWhole(_ text: String, followedBy c: Character) -> Bool {
        scan(text + String(c)).markers.first?.text == text
    }

    /// Whether a marker's text still reads as that marker with `c` right before it (`#1` after a
    /// Latin letter is text).
    static func staysWhole(_ text: String, after c: Character) -> Bool {
        scan(String(c) + text).markers.last?.text == text
    }

    private static let startBytes: Set<UInt8> = Set("%{$#<&\\~_\n\r".utf8)

    // MARK: - Spans

    /// The length and kind of the span starting at `i`, if one does.
    static func span(in s: [Character], at i: Int, commentEnds: [Int]) -> (Int, ProtectedText.Marker.Kind)? {
        switch s[i] {
        case "%": return percent(s, i).map { ($0, .placeholder) }
        case "{": return brace(s, i).map { ($0, .placeholder) }
        case "$": return dollar(s, i).map { ($0, .placeholder) }
        case "#":
            let digits = run(s, from: i + 1, while: \.isASCIIDigit)
            // Not inside a Latin word or number ("C#1"), but "列#1" is one.
            let wordBefore = i > 0 && isASCIIWordCharacter(s, i - 1)
            return digits > 0 && !wordBefore && !isASCIIWordCharacter(s, i + 1 + digits) ? (1 + digits, .placeholder) : nil
        case "<": return tag(s, i, commentEnds: commentEnds)
        case "&": return entity(s, i).map { ($0, .entity) }
        case "\\":
            guard i + 1 < s.count, ["n", "r", "t"].contains(s[i + 1]) else { return nil }
            return (2, .lineBreak)
        case "\n", "\r", "\r\n": return (1, .lineBreak)
        default: return nil
        }
    }

    static func percent(_ s: [Character], _ i: Int) -> Int? {
        var j = i + 1
        guard j < s.count else { return nil }
        if s[j] == "%" { return 2 }
        if s[j] == "(" {
            // %(name)s
            let name = run(s, from: j + 1) { $0 != ")" && $0 != "%" && !$0.isWhitespace }
            guard name > 0, j + 1 + name < s.count, s[j + 1 + name] == ")" else { return nil }
            return printfTail(s, from: j + 2 + name).map { $0 - i }
        }
        // %PRODUCTNAME: two or more capitals (or digits and _ after the first).
        if s[j].isASCIIUppercase {
            let name = run(s, from: j) { $0.isASCIIUppercase || $0.isASCIIDigit || $0 == "_" }
            if name >= 2 { return 1 + name }
        }
        // %1$s, %-5.2f, %lu
        let digits = run(s, from: j, while: \.isASCIIDigit)
        let positional = digits > 0 && j + digits < s.count && s[j + digits] == "$"
        if let end = printfTail(s, from: positional ? j + digits + 1 : j) { return end - i }
        // %1, %L1 (Qt); also %1 right before another placeholder's "$(…)"
        if s[j] == "L" { j += 1 }
        let number = run(s, from: j, while: \.isASCIIDigit)
        return number > 0 ? j + number - i : nil
    }

    /// After `%` (and a position or a name): flags, width, precision, length and the conversion;
    /// returns the index after the conversion.
    static func printfTail(_ s: [Character], from start: Int) -> Int? {
        var j = start
        j += run(s, from: j) { "-+#0'".contains($0) }
        if j < s.count, s[j] == "*" { j += 1 } else { j += run(s, from: j, while: \.isASCIIDigit) }
        if j < s.count, s[j] == "." {
            j += 1
            if j < s.count, s[j] == "*" { j += 1 } else { j += run(s, from: j, while: \.isASCIIDigit) }
        }
        for length in ["hh", "ll", "h", "l", "L", "q", "j", "z", "t"] where matches(s, at: j, length) {
            j += length.count
            break
        }
        guard j < s.count, "diouxXeEfFgGaAcspn".contains(s[j]) else { return nil }
        return j + 1
    }

    static func brace(_ s: [Character], _ i: Int) -> Int? {
        // {} {0} {name} {0,number,integer} {0:.2f}: a name or number first, then anything but braces.
        let name = run(s, from: i + 1) { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
        var j = i + 1 + name
        if j < s.count, name > 0 || s[j] == "}", [",", ":", "!"].contains(s[j]) || s[j] == "}" {
            while j < s.count, j - i < 256, s[j] != "}", s[j] != "{", !s[j].isNewline { j += 1 }
            if j < s.count, s[j] == "}" { return j + 1 - i }
        }
        return nil
    }

    static func dollar(_ s: [Character], _ i: Int) -> Int? {
        guard i + 1 < s.count else { return nil }
        let close: Character
        switch s[i + 1] {
        case "{": close = "}"
        case "(": close = ")"
        default: return nil
        }
        let name = run(s, from: i + 2) { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }
        guard name > 0, i + 2 + name < s.count, s[i + 2 + name] == close else { return nil }
        return name + 3
    }

    static func tag(_ s: [Character], _ i: Int, commentEnds: [Int]) -> (Int, ProtectedText.Marker.Kind)? {
        if matches(s, at: i, "<!--") {
            // The first "-->" after it (found by bisection: a text of many "<!--" stays linear).
            var (low, high) = (0, commentEnds.count)
            while low < high {
                let middle = (low + high) / 2
                if commentEnds[middle] < i + 4 { low = middle + 1 } else { high = middle }
            }
            return low < commentEnds.count ? (commentEnds[low] + 3 - i, .emptyTag) : nil
        }
        var j = i + 1
        let closing = j < s.count && s[j] == "/"
        if closing { j += 1 }
        guard j < s.count, s[j].isASCIILetter else { return nil }
        let nameStart = j
        j += run(s, from: j) { $0.isASCIILetter || $0.isASCIIDigit || ":_.-".contains($0) }
        let name = String(s[nameStart..<j]).lowercased()
        // Attributes: anything up to '>', with quoted values that may hold '>'. A '<' ends the
        // attempt even inside quotes, so that no character is looked at from two starts.
        var quote: Character?
        while j < s.count, j - i < maximumSpan {
            let c = s[j]
            if c == "<" {
                return nil
            } else if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == ">" {
                let length = j + 1 - i
                if closing { return (length, .closeTag) }
                if s[j - 1] == "/" || voidElements.contains(name) { return (length, .emptyTag) }
                return (length, .openTag)
            }
            j += 1
        }
        return nil
    }

    static func entity(_ s: [Character], _ i: Int) -> Int? {
        var j = i + 1
        if j < s.count, s[j] == "#" {
            j += 1
            let hex = j < s.count && (s[j] == "x" || s[j] == "X")
            if hex { j += 1 }
            let digits = run(s, from: j) { hex ? $0.isHexDigit : $0.isASCIIDigit }
            guard digits > 0, digits <= 8 else { return nil }
            j += digits
        } else {
            let name = run(s, from: j) { $0.isASCIILetter || $0.isASCIIDigit }
            guard name > 0, name <= 32, s[j].isASCIILetter else { return nil }
            j += name
        }
        return j < s.count && s[j] == ";" ? j + 1 - i : nil
    }

    /// The key a mark at `i` makes an accelerator of, if it is one.
    static func acceleratorKey(in s: [Character], at i: Int) -> Character? {
        guard i + 1 < s.count else { return nil }
        let next = s[i + 1]
        switch s[i] {
        case "~":
            return next.isLetter || next.isNumber ? next : nil
        case "_", "&":
            let wordStart = i == 0 || !(s[i - 1].isLetter || s[i - 1].isNumber || s[i - 1] == "_" || s[i - 1] == "&")
            return wordStart && next.isLetter ? next : nil
        default:
            return nil
        }
    }

    // MARK: - Tag pairs

    /// Pairs each closing tag with the nearest open tag of its name (tags left open inside it stay
    /// unbalanced) and gives every marker the innermost pair around it.
    static func pairTags(_ markers: inout [ProtectedText.Marker]) {
        var open: [(index: Int, name: String)] = []
        for index in markers.indices {
            switch markers[index].kind {
            case .openTag:
                open.append((index, tagName(markers[index].text)))
            case .closeTag:
                let name = tagName(markers[index].text)
                if let depth = open.lastIndex(where: { $0.name == name }) {
                    let opener = open[depth].index
                    markers[opener].partner = index
                    markers[index].partner = opener
                    open.removeSubrange(depth...)
                }
            default:
                break
            }
        }
        // Parents, from the balanced pairs only.
        var stack: [Int] = []
        for index in markers.indices {
            if markers[index].kind == .closeTag, let opener = markers[index].partner {
                while let last = stack.last, last != opener { stack.removeLast() }
                stack.removeLast()
            }
            markers[index].parent = stack.last
            if markers[index].isPairedOpen { stack.append(index) }
        }
    }

    static func tagName(_ text: String) -> String {
        String(text.drop { $0 == "<" || $0 == "/" }.prefix { $0.isASCIILetter || $0.isASCIIDigit || ":_.-".contains($0) }).lowercased()
    }

    // MARK: - Helpers

    static func run(_ s: [Character], from start: Int, while predicate: (Character) -> Bool) -> Int {
        var j = start
        while j < s.count, predicate(s[j]) { j += 1 }
        return j - start
    }

    static func matches(_ s: [Character], at i: Int, _ word: String) -> Bool {
        var j = i
        for c in word {
            guard j < s.count, s[j] == c else { return false }
            j += 1
        }
        return true
    }

    static func isASCIIWordCharacter(_ s: [Character], _ i: Int) -> Bool {
        i < s.count && (s[i].isASCIILetter || s[i].isASCIIDigit || s[i] == "_")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetter: Bool { isASCII && isLetter }
    var isASCIIUppercase: Bool { isASCII && isUppercase }
}
