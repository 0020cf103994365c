/// What a software string carries besides words: placeholders, inline tags, entities, line breaks
/// and accelerator marks, found so that the model never sees them and each comes back unchanged.
///
/// `ProtectedText(scanning:)` cuts a string into plain-text chunks and the markers between them:
///
///     Cannot open <b>file</b> "%s": %s
///     chunks:  "Cannot open"  "file"  "\""  "\":"  ""
///     markers:       <b>     </b>    %s     %s
///
/// `chunks.count == markers.count + 1`; chunk `i` comes before marker `i`. Accelerators (`~Open`,
/// `_File`, `&Save`) do not cut the word they mark: the mark is taken out of its chunk and
/// remembered with the letter it marks.
public struct ProtectedText: Sendable, Equatable {
    /// Text between the markers, as written (whitespace around a marker included).
    public var chunks: [String]
    public var markers: [Marker]
    public var accelerators: [Accelerator]

    /// One protected span: its text is copied to the translation unchanged.
    public struct Marker: Sendable, Equatable {
        public var text: String
        public var kind: Kind
        /// For an opening tag, the index of its closing tag, and the reverse; nil for an
        /// unbalanced tag and for every other kind (they stand alone).
        public var partner: Int?
        /// The index of the opening tag of the innermost pair around this marker.
        public var parent: Int?
        /// Whitespace right before / after it in the source (the start and end of text count as none).
        public var spaceBefore: Bool
        public var spaceAfter: Bool
        /// For a glossary term, the source words it stands for (`text` is their fixed translation).
        public var source: String? = nil

        public enum Kind: String, Sendable, Equatable {
            /// `%s`, `%1$d`, `%(name)s`, `{0}`, `${var}`, `$(ARG1)`, `%1`, `%PRODUCTNAME`, `#1`.
            case placeholder
            case openTag, closeTag
            /// `<br/>`, `<img …>`, HTML's void elements, comments.
            case emptyTag
            /// `&amp;`, `&#160;`.
            case entity
            /// A line break, written (`\n`) or real.
            case lineBreak
            /// A glossary term: `text` is its fixed translation, `source` the words it matched.
            case term
        }

        public var isPairedOpen: Bool { kind == .openTag && partner != nil }
    }

    /// An accelerator mark (`~`, `_` or `&`) before a letter of a word.
    public struct Accelerator: Sendable, Equatable {
        public var mark: Character
        /// The letter or digit after the mark.
        public var key: Character
        /// The chunk it was taken out of, and the number of non-space characters before the
        /// marked one in that chunk's trimmed text (what finds its subword piece).
        public var chunk: Int
        public var offset: Int
    }

    /// Text with nothing to protect: one chunk.
    public init(plain text: String) {
        chunks = [text]
        markers = []
        accelerators = []
    }

    /// Whether there is anything to protect.
    public var isPlain: Bool { markers.isEmpty && accelerators.isEmpty }

    /// The source string again (marks back in their words): `MarkupScanner.scan(s).text == s`.
    public var text: String { joined { $0.source ?? $0.text } }

    /// The string with each glossary term replaced by its translation: what a source without
    /// other words translates to.
    public var output: String { joined(\.text) }

    private func joined(_ markerText: (Marker) -> String) -> String {
        var chunkTexts = chunks
        for accelerator in accelerators.reversed() {
            chunkTexts[accelerator.chunk] = Self.inserting(accelerator.mark, beforeNonSpace: accelerator.offset,
                                                           in: chunkTexts[accelerator.chunk])
        }
        var out = chunkTexts[0]
        for (marker, chunk) in zip(markers, chunkTexts.dropFirst()) {
            out += markerText(marker)
            out += chunk
        }
        return out
    }


    /// `text` with `mark` put before its `offset`-th non-whitespace character (at the end if there are fewer).
    static func inserting(_ mark: Character, beforeNonSpace offset: Int, in text: String) -> String {
        var seen = 0
        var index = text.startIndex
        while index < text.endIndex {
            if !text[index].isWhitespace {
                if seen == offset { break }
                seen += 1
            }
            index = text.index(after: index)
        }
        var out = text
        out.insert(mark, at: index)
        return out
    }
}
