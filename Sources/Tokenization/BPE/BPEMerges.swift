/// An ordered list of BPE merges (Sennrich et al. 2016), the `vocab/<name>.bpe` file.
///
/// File format: one merge per line, `left right`, in the order they were learned (rank = line
/// number − 1). Symbols are characters or earlier merges; a symbol ending in `</w>` ends a word.
/// Tokens never contain spaces (the tokenizer escapes them), so the one space is unambiguous.
public struct BPEMerges: Equatable, Sendable {
    public static let endOfWord = "</w>"

    public var merges: [Merge]

    public struct Merge: Hashable, Sendable {
        public var left: String
        public var right: String
        public init(_ left: String, _ right: String) {
            self.left = left
            self.right = right
        }
    }

    public init(_ merges: [Merge] = []) { self.merges = merges }

    /// Parses the merges file format; `file` names the source in error messages.
    public init(parsing text: String, file: String) throws(TokenizationError) {
        var merges: [Merge] = []
        var seen = Set<Merge>()
        for (index, line) in TextFile.lines(text).enumerated() {
            let lineNumber = index + 1
            let parts = TextFile.fields(line, separator: " ")
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw .malformed(file: file, line: lineNumber,
                                 reason: "expected a merge 'left right' (two symbols, one space), got '\(line.prefix(80))'")
            }
            // The tokenizer escapes whitespace, so no symbol holds any (a stray "\r" would not
            // survive writing the file again).
            guard !parts.contains(where: { $0.unicodeScalars.contains { $0.properties.isWhitespace } }) else {
                throw .malformed(file: file, line: lineNumber, reason: "a merge symbol holds whitespace (a tab or carriage return?)")
            }
            let merge = Merge(String(parts[0]), String(parts[1]))
            guard seen.insert(merge).inserted else {
                throw .malformed(file: file, line: lineNumber, reason: "duplicate merge '\(line)'")
            }
            merges.append(merge)
        }
        self.merges = merges
    }

    /// The file text: one `left right` line per merge.
    public func serialized() -> String {
        var out = ""
        for merge in merges { out += merge.left + " " + merge.right + "\n" }
        return out
    }

    public func write(to path: String) throws(TokenizationError) {
        try TextFile.write(serialized(), to: path)
    }

    public init(contentsOf path: String) throws(TokenizationError) {
        try self.init(parsing: try TextFile.read(path), file: path)
    }
}
