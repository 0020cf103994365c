/// What the elements of one XML vocabulary are to a translator: which hold a paragraph's text,
/// which are left alone, which are properties that stay outside the text. Names are written as
/// `MarkupDocument.key(of:)` gives them: `namespace|localName`.
public struct XMLDialect: Sendable {
    /// Elements whose children are one run of text, whether or not they hold text themselves.
    var paragraphs: Set<String> = []
    /// Elements left alone with all they hold.
    var kept: Set<String> = []
    /// Elements inside a paragraph that are not part of its text (a paragraph's properties).
    var outside: Set<String> = []
    /// Text lives in runs with their own formatting (Office Open XML): runs are unwrapped into
    /// plain text and `<fanyi-f>` tags before cutting, and wrapped again after (`WordRuns`).
    var runs = false

    /// Any XML: text-holding elements are paragraphs (mixed content), nothing else is special.
    public static let generic = XMLDialect()

    static let odfText = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    static let odfOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

    /// OpenDocument (`content.xml`, `styles.xml` of .odt, .ods, .odp): `text:p` and `text:h` are
    /// paragraphs; fields whose text the application computes, tracked deletions and embedded
    /// binaries are left alone.
    public static let openDocument = XMLDialect(
        paragraphs: ["\(odfText)|p", "\(odfText)|h"],
        kept: Set(["tracked-changes", "note-citation", "page-number", "page-count", "date", "time", "file-name",
                   "sequence-ref", "bookmark-ref", "reference-ref", "note-ref", "chapter", "template-name",
                   "sender-email", "author-name", "author-initials"].map { "\(odfText)|\($0)" } + ["\(odfOffice)|binary-data"])
    )

    static let word = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    /// WordprocessingML (`word/document.xml`, headers, footers, notes, comments of .docx): `w:p`
    /// is a paragraph, `w:pPr` stays outside its text; deletions, fields' codes, drawings without
    /// text, content controls and math are left alone.
    public static let wordprocessing = XMLDialect(
        paragraphs: ["\(word)|p"],
        kept: Set(["del", "moveFrom", "delText", "instrText", "delInstrText", "fldChar", "drawing", "pict", "object",
                   "sdt", "r", "sym", "footnoteReference", "endnoteReference", "commentReference", "footnoteRef",
                   "endnoteRef", "annotationRef", "separator", "continuationSeparator", "pgNum"].map { "\(word)|\($0)" }
                   + ["http://schemas.openxmlformats.org/officeDocument/2006/math|oMath",
                      "http://schemas.openxmlformats.org/officeDocument/2006/math|oMathPara"]),
        outside: ["\(word)|pPr"],
        runs: true
    )
}
