/// SubRip subtitles (`.srt`): numbered cues, each a timing line and lines of text.
///
///     1
///     00:00:01,000 --> 00:00:04,000
///     Select the cell range.
///
/// A cue's text lines are one segment (a sentence often runs over both); its translation is
/// written as one line, which players wrap to the screen. Numbers and timings stay as they are.
public struct SubtitleDocument: SegmentedFile {
    private struct Cue {
        /// The number and timing lines, as they were.
        var head: [Substring]
        var text: [Substring]
    }

    private var cues: [Cue]
    private let lineEnd: String

    public init(_ text: String, name: String) throws(DocumentError) {
        lineEnd = text.contains("\r\n") ? "\r\n" : "\n"
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        var cues: [Cue] = []
        var index = 0
        while index < lines.count {
            if lines[index].allSatisfy(\.isWhitespace) {
                index += 1
                continue
            }
            guard Int(lines[index].trimmingWhitespace) != nil else {
                throw .invalid(name: name, line: index + 1, message: "expected a cue number, found \"\(lines[index].prefix(40))\"")
            }
            guard index + 1 < lines.count, lines[index + 1].contains("-->") else {
                throw .invalid(name: name, line: index + 2, message: "expected a timing line (00:00:01,000 --> 00:00:04,000)")
            }
            var cue = Cue(head: [lines[index], lines[index + 1]], text: [])
            index += 2
            while index < lines.count, !lines[index].allSatisfy(\.isWhitespace) {
                cue.text.append(lines[index])
                index += 1
            }
            cues.append(cue)
        }
        self.cues = cues
    }

    public var segments: [String] {
        cues.filter(Self.translated).map { $0.text.joined(separator: " ") }
    }

    public mutating func replaceSegments(with translations: [SegmentTranslation]) -> [Int] {
        let indices = cues.indices.filter { Self.translated(cues[$0]) }
        precondition(translations.count == indices.count, "one translation per segment")
        for (index, translation) in zip(indices, translations) {
            // An empty line would end the cue.
            cues[index].text = [Substring(translation.text.split(whereSeparator: \.isNewline).joined(separator: " "))]
        }
        return []
    }

    public func bytes() throws(DocumentError) -> [UInt8] {
        let blocks = cues.map { ($0.head + $0.text).joined(separator: lineEnd) }
        return Array((blocks.joined(separator: lineEnd + lineEnd) + lineEnd).utf8)
    }

    private static func translated(_ cue: Cue) -> Bool {
        cue.text.contains { $0.contains(where: \.isLetter) }
    }
}

extension Substring {
    var trimmingWhitespace: String { String(self).trimmingWhitespace }
}
