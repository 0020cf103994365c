/// Plain text, each line a paragraph (its sentences are found by the translator). Empty lines,
/// lines without letters, the line ends (`\n` or `\r\n`) and a missing last line end are kept.
public struct PlainTextDocument: SegmentedFile {
    private var lines: [Substring]
    private let lineEnd: String
    private let endsWithLineEnd: Bool
    /// Indices in `lines` of the lines to translate.
    private let translated: [Int]

    public init(_ bytes: [UInt8], name: String) throws(DocumentError) {
        let text = try FileFormat.utf8(bytes, name: name, format: .text)
        lineEnd = text.contains("\r\n") ? "\r\n" : "\n"
        endsWithLineEnd = text.hasSuffix("\n") || text.hasSuffix("\r\n")
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if endsWithLineEnd { lines.removeLast() }
        self.lines = lines
        translated = lines.indices.filter { lines[$0].contains(where: \.isLetter) }
    }

    public var segments: [String] { translated.map { String(lines[$0]) } }

    public mutating func replaceSegments(with translations: [SegmentTranslation]) -> [Int] {
        precondition(translations.count == translated.count, "one translation per segment")
        // A translation written over two lines would shift every line after it: one line each.
        for (line, translation) in zip(translated, translations) {
            lines[line] = Substring(translation.text.split(whereSeparator: \.isNewline).joined(separator: " "))
        }
        return []
    }

    public func bytes() throws(DocumentError) -> [UInt8] {
        Array((lines.joined(separator: lineEnd) + (endsWithLineEnd ? lineEnd : "")).utf8)
    }
}
