import Foundation

/// Fixed translations of terms: "Cell" is always 单元格, "LibreOffice" is never translated.
///
/// A file is UTF-8 text, one term a line: the source term, a tab, its translation (the same text
/// for a term that must not be translated). Blank lines and lines starting with `#` are skipped.
/// The first line may instead name the pair, as two language codes (`en<TAB>zh`); a translator
/// then refuses the glossary for another pair.
///
/// Matching: whole words (a term does not match inside a longer word; in scripts written without
/// spaces, such as Chinese, anywhere), ignoring case, without inflection (list `Cells` beside
/// `Cell` to catch both), leftmost first and, where several start at one place, the longest
/// ("cell range" before "cell"). Matches never overlap.
public struct Glossary: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var source: String
        public var target: String
        public init(source: String, target: String) {
            self.source = source
            self.target = target
        }
    }

    public private(set) var entries: [Entry]
    /// The pair the file names, if it names one.
    public private(set) var sourceLanguage: String?
    public private(set) var targetLanguage: String?
    /// Entries by the case-folded first two characters of their source term (one for one-character terms).
    private var index: [String: [Int]] = [:]

    /// An empty glossary.
    public init() {
        entries = []
    }

    /// A glossary of `entries`; empty or repeated source terms are an error.
    public init(entries: [Entry], name: String = "glossary") throws(GlossaryError) {
        self.entries = []
        for (i, entry) in entries.enumerated() {
            try add(entry, line: i + 1, file: name)
        }
    }

    /// Parses a glossary file's text; `file` names it in errors.
    public init(parsing text: String, file: String) throws(GlossaryError) {
        entries = []
        var first = true
        // "\r\n" is one Character, a line break like "\n".
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            defer { first = false }
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw .malformed(file: file, line: number + 1, reason: fields.count < 2
                    ? "has no tab; write the source term, a tab, and its translation"
                    : "has \(fields.count - 1) tabs; write the source term, one tab, and its translation")
            }
            if first, fields.allSatisfy(Self.isLanguageCode) {
                (sourceLanguage, targetLanguage) = (String(fields[0]), String(fields[1]))
                continue
            }
            try add(Entry(source: String(fields[0]), target: String(fields[1])), line: number + 1, file: file)
        }
    }

    /// Reads a glossary file.
    public init(contentsOf path: String) throws(GlossaryError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformed(file: path, line: nil, reason: "is not UTF-8 text")
        }
        try self.init(parsing: text, file: path)
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// This glossary with `entries` added; where both have a term, `entries`' translation wins
    /// (a request's own terms over a server's). `name` names the entries in errors.
    public func overridden(by entries: [Entry], name: String) throws(GlossaryError) -> Glossary {
        let added = try Glossary(entries: entries, name: name)
        let replaced = Set(added.foldedTerms)
        var merged = try Glossary(entries: self.entries.indices.filter { !replaced.contains(foldedTerms[$0]) }.map { self.entries[$0] })
        for entry in added.entries { try merged.add(entry, line: 0, file: name) }
        merged.sourceLanguage = sourceLanguage
        merged.targetLanguage = targetLanguage
        return merged
    }

    // Two glossaries are the same when they say the same (the index follows from the entries).
    public static func == (a: Glossary, b: Glossary) -> Bool {
        a.entries == b.entries && a.sourceLanguage == b.sourceLanguage && a.targetLanguage == b.targetLanguage
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries)
    }

    /// Whether the glossary may be used for `source` → `target` (it names no pair, or this one).
    public func fits(source: String, target: String) -> Bool {
        guard let sourceLanguage, let targetLanguage else { return true }
        return Self.base(sourceLanguage) == Self.base(source) && Self.base(targetLanguage) == Self.base(target)
    }

    /// The entry whose source term matches `text` at `start` (the longest), and the match's length.
    func match(in text: [Character], folded: [String], at start: Int) -> (entry: Entry, length: Int)? {
        guard start < text.count else { return nil }
        if start > 0, Self.isWordCharacter(text[start - 1]) && Self.isWordCharacter(text[start]) { return nil }
        let keys = start + 1 < text.count ? [folded[start] + folded[start + 1], folded[start]] : [folded[start]]
        var best: (entry: Entry, length: Int)?
        for key in keys {
            for i in index[key] ?? [] {
                let term = foldedTerms[i]
                let end = start + term.count
                guard end <= text.count, best.map({ term.count > $0.length }) ?? true else { continue }
                guard zip(term, folded[start..<end]).allSatisfy({ $0 == $1 }) else { continue }
                if end < text.count, Self.isWordCharacter(text[end - 1]) && Self.isWordCharacter(text[end]) { continue }
                best = (entries[i], term.count)
            }
        }
        return best
    }

    /// Each source term's characters, case-folded, in `entries` order.
    private var foldedTerms: [[String]] = []
    /// The entry of each case-folded source term.
    private var entryOfTerm: [[String]: Int] = [:]

    private mutating func add(_ entry: Entry, line: Int, file: String) throws(GlossaryError) {
        let source = entry.source.trimmingCharacters(in: .whitespaces)
        let target = entry.target.trimmingCharacters(in: .whitespaces)
        guard !source.isEmpty else { throw .malformed(file: file, line: line, reason: "has an empty source term") }
        guard !target.isEmpty else {
            throw .malformed(file: file, line: line, reason: "gives '\(source)' an empty translation; to keep a term as it is, repeat it")
        }
        guard !source.contains(where: \.isNewline), !target.contains(where: \.isNewline) else {
            throw .malformed(file: file, line: line, reason: "has a line break inside a term")
        }
        let folded = Self.fold(Array(source))
        if let other = entryOfTerm[folded] {
            guard entries[other].target == target else {
                throw .malformed(file: file, line: line, reason: "gives '\(source)' the translation '\(target)', but an earlier line gives it '\(entries[other].target)'")
            }
            return  // the same entry twice
        }
        entryOfTerm[folded] = entries.count
        let key = folded.count > 1 ? folded[0] + folded[1] : folded[0]
        index[key, default: []].append(entries.count)
        entries.append(Entry(source: source, target: target))
        foldedTerms.append(folded)
    }

    /// Characters case-folded one by one (so that positions stay the characters' positions).
    static func fold(_ characters: [Character]) -> [String] {
        characters.map { $0.lowercased() }
    }

    /// A letter or digit of a script written with spaces between words: a term may not start or
    /// end next to one inside a word. Han, kana and Thai are written without spaces.
    static func isWordCharacter(_ c: Character) -> Bool {
        guard c.isLetter || c.isNumber, let scalar = c.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x2E80...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF, 0x0E00...0x0EFF: return false
        default: return true
        }
    }

    static func isLanguageCode<S: StringProtocol>(_ field: S) -> Bool {
        let parts = field.split(whereSeparator: { $0 == "-" || $0 == "_" })
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return false }
        return parts.dropFirst().allSatisfy { (2...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    static func base(_ code: String) -> String {
        String(code.lowercased().prefix { $0 != "-" && $0 != "_" })
    }
}

/// A glossary that cannot be used, naming the file and line.
public enum GlossaryError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case malformed(file: String, line: Int?, reason: String)
    /// The file names another language pair than the model translates.
    case wrongPair(file: String, glossary: String, model: String)

    /// What is wrong, without the file's name (for a request's `glossary` field).
    public var reason: String {
        switch self {
        case .unreadable(_, let reason): return "cannot be read (\(reason))"
        case .malformed(_, _, let reason): return reason
        case .wrongPair(_, let glossary, let model): return "is for \(glossary), but the model translates \(model)"
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "glossary \(file): cannot be read (\(reason))"
        case .malformed(let file, let line, let reason):
            return "glossary \(file)\(line.map { " line \($0)" } ?? "") \(reason)"
        case .wrongPair(let file, let glossary, let model):
            return "glossary \(file) is for \(glossary), but the model translates \(model)"
        }
    }
}
