import Foundation
import Testing
@testable import Documents

/// Each file format cut into segments and put back, without a model: translations are made by a
/// rule the test can check, and the structure around them must come back unchanged.
@Suite struct FileFormatTests {
    static let fixtures = packageRoot + "/Tests/DocumentsTests/Fixtures/"

    /// Start-tag names in order: the structure of an XML part, independent of the text.
    static func startTags(_ xml: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "<([A-Za-z][A-Za-z0-9_:.-]*)")
        return pattern.matches(in: xml, range: NSRange(xml.startIndex..., in: xml)).map {
            String(xml[Range($0.range(at: 1), in: xml)!])
        }
    }

    static func marked(_ segments: [String]) -> [SegmentTranslation] {
        segments.map { SegmentTranslation("ZH(" + $0 + ")") }
    }

    // MARK: - Plain text and subtitles

    @Test func plainTextKeepsEmptyLinesAndLineEnds() throws {
        var document = try PlainTextDocument(Array("Select it.\r\n\r\n2024\r\nPress OK.".utf8), name: "t.txt")
        #expect(document.segments == ["Select it.", "Press OK."])
        _ = document.replaceSegments(with: [SegmentTranslation("选择它。"), SegmentTranslation("按\n确定。")])
        #expect(String(decoding: try document.bytes(), as: UTF8.self) == "选择它。\r\n\r\n2024\r\n按 确定。")
    }

    @Test func subtitlesKeepNumbersAndTimings() throws {
        let srt = "1\n00:00:01,000 --> 00:00:04,000\nSelect the\ncell range.\n\n2\n00:00:05,000 --> 00:00:06,000\n♪ ♪\n"
        var document = try SubtitleDocument(srt, name: "t.srt")
        #expect(document.segments == ["Select the cell range."])
        _ = document.replaceSegments(with: [SegmentTranslation("选择单元格区域。")])
        #expect(String(decoding: try document.bytes(), as: UTF8.self)
                == "1\n00:00:01,000 --> 00:00:04,000\n选择单元格区域。\n\n2\n00:00:05,000 --> 00:00:06,000\n♪ ♪\n")
    }

    @Test func brokenSubtitlesNameTheLine() {
        #expect(throws: DocumentError.invalid(name: "t.srt", line: 6, message: "expected a timing line (00:00:01,000 --> 00:00:04,000)")) {
            try SubtitleDocument("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\nno timing\n", name: "t.srt")
        }
        #expect(throws: DocumentError.self) { try SubtitleDocument("one\n", name: "t.srt") }
    }

    // MARK: - gettext

    static let catalogue = """
        # A catalogue
        msgid ""
        msgstr ""
        "Content-Type: text/plain; charset=UTF-8\\n"
        "Plural-Forms: nplurals=2; plural=(n != 1);\\n"

        #. For translators
        #: sc/inc/strings.hrc:31
        #, c-format
        msgctxt "STR_OPEN"
        msgid "Cannot open \\"%s\\"."
        msgstr ""

        msgid "Done"
        msgstr "Fertig"

        msgid "%d cell"
        msgid_plural "%d cells"
        msgstr[0] ""
        msgstr[1] ""

        #~ msgid "Old"
        #~ msgstr "Alt"

        """

    @Test func poFillsUntranslatedEntriesAndKeepsTheRest() throws {
        let catalogue = try POCatalog(Array(Self.catalogue.utf8), name: "t.po")
        #expect(catalogue.segments == ["Cannot open \"%s\".", "%d cell", "%d cells"])
        _ = catalogue.replaceSegments(with: [SegmentTranslation("Kann \"%s\" nicht öffnen.", needsReview: true),
                                             SegmentTranslation("%d Zelle"), SegmentTranslation("%d Zellen")])
        let out = String(decoding: try catalogue.bytes(), as: UTF8.self)
        #expect(out.contains("#. For translators\n#: sc/inc/strings.hrc:31\n#, fuzzy, c-format\nmsgctxt \"STR_OPEN\"\nmsgid \"Cannot open \\\"%s\\\".\"\nmsgstr \"Kann \\\"%s\\\" nicht öffnen.\""),
                "\(out)")
        #expect(out.contains("msgid \"Done\"\nmsgstr \"Fertig\""))
        #expect(out.contains("msgid_plural \"%d cells\"\nmsgstr[0] \"%d Zelle\"\nmsgstr[1] \"%d Zellen\""))
        #expect(!out.contains("#, fuzzy\nmsgid \"%d cell\""))
        #expect(out.contains("#~ msgid \"Old\"\n#~ msgstr \"Alt\""))
        // What libgettextpo wrote, it reads again: the same entries, all translated now.
        #expect(try POCatalog(Array(out.utf8), name: "out.po").segments.isEmpty)
    }

    @Test func poWithOnePluralFormTakesThePlural() throws {
        let text = "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Plural-Forms: nplurals=1; plural=0;\\n\"\n\nmsgid \"%d cell\"\nmsgid_plural \"%d cells\"\nmsgstr[0] \"\"\n"
        let catalogue = try POCatalog(Array(text.utf8), name: "zh.po")
        _ = catalogue.replaceSegments(with: [SegmentTranslation("%d 个单元格(单)"), SegmentTranslation("%d 个单元格")])
        let out = String(decoding: try catalogue.bytes(), as: UTF8.self)
        #expect(out.contains("msgstr[0] \"%d 个单元格\"") && !out.contains("msgstr[1]"), "\(out)")
    }

    /// Templates say charset=CHARSET, or have no header: the translations are UTF-8 and the header says so.
    @Test func templatesAndHeaderlessCatalogesBecomeUTF8() throws {
        let template = "msgid \"\"\nmsgstr \"\"\n\"Project-Id-Version: x\\n\"\n\"Content-Type: text/plain; charset=CHARSET\\n\"\n\nmsgid \"Cell\"\nmsgstr \"\"\n"
        for text in [template, "msgid \"Cell\"\nmsgstr \"\"\n", "msgid \"\"\nmsgstr \"Project-Id-Version: x\\n\"\n\nmsgid \"Cell\"\nmsgstr \"\"\n"] {
            let catalogue = try POCatalog(Array(text.utf8), name: "t.pot")
            #expect(catalogue.segments == ["Cell"])
            _ = catalogue.replaceSegments(with: [SegmentTranslation("单元格")])
            let out = String(decoding: try catalogue.bytes(), as: UTF8.self)
            #expect(out.contains("charset=UTF-8") && out.contains("msgid \"Cell\"\nmsgstr \"单元格\""), "\(out)")
            #expect(!out.contains("CHARSET"))
        }
    }

    /// libgettextpo would abort while writing a broken UTF-8 sequence: it is refused on reading.
    @Test func poWithBrokenUTF8IsRefused() {
        var bytes = Array("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\nmsgid \"%d cell".utf8)
        bytes += [0x9E] + Array("\"\nmsgstr \"\"\n".utf8)
        #expect(throws: DocumentError.self) { try POCatalog(bytes, name: "b.po") }
        // A NUL byte would make a second empty msgid, on which libgettextpo aborts.
        #expect(throws: DocumentError.invalid(name: "n.po", line: 4, message: "a NUL byte; PO files are text")) {
            try POCatalog(Array("msgid \"Done\"\nmsgstr \"\"\n\nmsgid \"".utf8) + [0, 0x41] + Array("\"\nmsgstr \"\"\n".utf8), name: "n.po")
        }
    }

    @Test func brokenPoIsAnErrorWithItsLine() {
        // Line 5, as msgfmt -c says too.
        #expect(throws: DocumentError.invalid(name: "bad.po", line: 5, message: "end-of-line within string")) {
            try POCatalog(Array("msgid \"a\"\nmsgstr \"\"\n\nmsgid \"b\n".utf8), name: "bad.po")
        }
        let latin1 = "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n"
        #expect(throws: DocumentError.invalid(name: "l.po", line: 0, message: "charset ISO-8859-1; PO files are read as UTF-8 (msgconv --to-code=UTF-8 converts)")) {
            try POCatalog(Array(latin1.utf8), name: "l.po")
        }
    }

    // MARK: - Zip packages

    @Test func openDocumentFromLibreOfficeKeepsItsElements() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "help.odt")))
        let document = try OfficeDocument(bytes, kind: .openDocument, name: "help.odt")
        #expect(document.segments.contains("Select the <text:span text:style-name=\"T1\">cell range</text:span>. Then press <text:span text:style-name=\"T2\">OK</text:span>."),
                "\(document.segments)")
        #expect(document.segments.contains("Name") && document.segments.contains("Apply the style."))
        #expect(document.replaceSegments(with: Self.marked(document.segments)).isEmpty)
        let before = try ZipPackage(bytes: bytes, name: "help.odt")
        let after = try ZipPackage(bytes: try document.bytes(), name: "out.odt")
        #expect(after.entries.map(\.name) == before.entries.map(\.name))
        #expect(after.entries.first?.name == "mimetype" && after.entries.first?.stored == true)
        let content = String(decoding: after.bytes(of: "content.xml")!, as: UTF8.self)
        #expect(Self.startTags(content) == Self.startTags(String(decoding: before.bytes(of: "content.xml")!, as: UTF8.self)))
        #expect(content.contains("ZH(Select the <text:span text:style-name=\"T1\">cell range</text:span>."))
        for entry in before.entries where !["content.xml", "styles.xml"].contains(entry.name) {
            #expect(after.bytes(of: entry.name) == entry.bytes, "\(entry.name)")
        }
    }

    @Test func footnotesAreSegmentsOfTheirOwn() throws {
        let content = """
            <office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>Select it.<text:note text:id="n1"><text:note-citation>1</text:note-citation><text:note-body><text:p>See the note.</text:p></text:note-body></text:note> Then press OK.</text:p></office:text></office:body></office:document-content>
            """
        let document = try MarkupDocument(content, format: .xml, dialect: .openDocument, name: "content.xml")
        #expect(document.segments == ["Select it.<!--fanyi-kept 0--> Then press OK.", "See the note."])
        #expect(document.replaceSegments(with: ["选择它。<!--fanyi-kept 0-->然后按确定。", "见注释。"]).isEmpty)
        #expect(document.serialized().contains("<text:p>选择它。<text:note text:id=\"n1\"><text:note-citation>1</text:note-citation><text:note-body><text:p>见注释。</text:p></text:note-body></text:note>然后按确定。</text:p>"))
    }

    @Test func wordRunsCarryTheirFormattingWithTheWords() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "help.docx")))
        let document = try OfficeDocument(bytes, kind: .word, name: "help.docx")
        let segments = document.segments
        let sentence = try #require(segments.first { $0.hasPrefix("Select the ") })
        #expect(sentence.contains("<fanyi-f k=\"") && sentence.contains(">cell range</fanyi-f>"), "\(segments)")
        // Put the bold words first, as a translation into another word order would.
        let translations = segments.map { segment -> SegmentTranslation in
            guard segment == sentence, let open = segment.range(of: "<fanyi-f"), let close = segment.range(of: "</fanyi-f>", range: open.upperBound..<segment.endIndex)
            else { return SegmentTranslation("ZH(" + segment + ")") }
            let bold = segment[open.lowerBound..<close.upperBound]
            return SegmentTranslation(bold + " wählen. " + segment[close.upperBound...])
        }
        #expect(document.replaceSegments(with: translations).isEmpty)
        let after = try ZipPackage(bytes: try document.bytes(), name: "out.docx")
        let xml = String(decoding: after.bytes(of: "word/document.xml")!, as: UTF8.self)
        #expect(!xml.contains("fanyi"), "\(xml)")
        #expect(xml.contains("<w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">cell range</w:t></w:r><w:r><w:rPr/><w:t xml:space=\"preserve\"> wählen. "), "\(xml)")
        // Every paragraph keeps its properties first, and no text is left outside a run.
        #expect(!xml.contains("</w:pPr><w:t") && !xml.contains("<w:p>ZH"))
        #expect(xml.contains("ZH(Cell Styles)") && xml.contains("ZH(Apply the style.)"))
    }

    @Test func unplaceableRunTagsLeaveTheParagraphAsItWas() throws {
        let xml = """
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Select the </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>cell</w:t></w:r></w:p></w:body></w:document>
            """
        let document = try MarkupDocument(xml, format: .xml, dialect: .wordprocessing, name: "document.xml")
        #expect(document.segments == ["Select the <fanyi-f k=\"1\">cell</fanyi-f>"])
        #expect(document.replaceSegments(with: ["选择 <fanyi-f k=\"1\">单元格"]) == [0])
        #expect(document.serialized().contains("<w:p><w:r><w:t xml:space=\"preserve\">Select the </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">cell</w:t></w:r></w:p>"))
    }

    @Test func hostilePackagesAreErrors() throws {
        #expect(throws: DocumentError.self) { try OfficeDocument(Array("PK\u{3}\u{4}garbage".utf8), kind: .word, name: "x.docx") }
        #expect(throws: DocumentError.self) { try OfficeDocument([], kind: .openDocument, name: "x.odt") }
        // A bomb: more unpacked bytes than the limit, from few packed ones.
        let bomb = ZipPackage(entries: [.init(name: "content.xml", bytes: [UInt8](repeating: 0x20, count: 3 << 20), stored: false)]).serialized()
        #expect(bomb.count < 50_000)
        #expect(throws: DocumentError.invalid(name: "b.odt", line: 0, message: "unpacks to more than 1 MiB")) {
            try ZipPackage(bytes: bomb, name: "b.odt", maximumUnpackedSize: 1 << 20)
        }
        // Names are only names: nothing is written to disk, the entry comes back as it was.
        let content = "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text><text:p>Hello there.</text:p></office:text></office:body></office:document-content>"
        let sneaky = ZipPackage(entries: [
            .init(name: "mimetype", bytes: Array("application/vnd.oasis.opendocument.text".utf8), stored: true),
            .init(name: "../../evil.sh", bytes: Array("rm -rf /".utf8), stored: false),
            .init(name: "content.xml", bytes: Array(content.utf8), stored: false),
        ]).serialized()
        let document = try OfficeDocument(sneaky, kind: .openDocument, name: "s.odt")
        #expect(document.segments == ["Hello there."])
        _ = document.replaceSegments(with: [SegmentTranslation("你好。")])
        let after = try ZipPackage(bytes: try document.bytes(), name: "out.odt")
        #expect(after.entries.map(\.name) == ["mimetype", "../../evil.sh", "content.xml"])
        #expect(!FileManager.default.fileExists(atPath: "../../evil.sh"))
        #expect(throws: DocumentError.invalid(name: "s.odt", line: 0, message: "not a Word document (no word/document.xml)")) {
            try OfficeDocument(sneaky, kind: .word, name: "s.odt")
        }
    }

    @Test func formatsFollowFileNames() {
        #expect(FileFormat(fileName: "a/b/Help.HTM") == .html && FileFormat(fileName: "x.pot") == .po)
        #expect(FileFormat(fileName: "x.pdf") == nil && FileFormat(fileName: "README") == nil)
    }
}
