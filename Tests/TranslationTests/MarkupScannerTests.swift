import Testing
@testable import Translation

@Suite struct MarkupScannerTests {
    /// Each format the scanner names, alone in a sentence: found whole, as a placeholder.
    @Test(arguments: [
        "%s", "%d", "%1$d", "%-5.2f", "%lu", "%'d", "%%", "%(name)s", "%(count)05d", "%PRODUCTNAME", "%1", "%L2", "%12",
        "{0}", "{}", "{name}", "{0,number,integer}", "{count:.2f}", "${var}", "${user.name}", "$(ARG1)", "#1",
    ])
    func placeholders(_ placeholder: String) {
        let scanned = MarkupScanner.scan("Delete \(placeholder) now")
        #expect(scanned.markers.map(\.text) == [placeholder])
        #expect(scanned.markers.first?.kind == .placeholder)
        #expect(scanned.chunks == ["Delete ", " now"])
        #expect(scanned.markers.first.map { $0.spaceBefore && $0.spaceAfter } == true)
    }

    /// Text that only looks like the start of a span stays text.
    @Test(arguments: [
        "50 % of the cells", "100%.", "R&D costs", "C# code", "file_name", "a < b and c > d", "~/Documents",
        "{a set of things}", "$100", "cost: $ (ten)", "#hashtag", "<< shift", "x & y", "a\\b",
    ])
    func textStaysText(_ text: String) {
        let scanned = MarkupScanner.scan(text)
        #expect(scanned.isPlain, "\(scanned.markers) \(scanned.accelerators)")
        #expect(scanned.text == text)
    }

    @Test func tagsPairAndNest() {
        let scanned = MarkupScanner.scan(#"Click <a href="x>y.html"><b>OK</b></a><br/> and <i>Cancel</i>."#)
        #expect(scanned.markers.map(\.text) == [#"<a href="x>y.html">"#, "<b>", "</b>", "</a>", "<br/>", "<i>", "</i>"])
        #expect(scanned.markers.map(\.kind) == [.openTag, .openTag, .closeTag, .closeTag, .emptyTag, .openTag, .closeTag])
        #expect(scanned.markers.map(\.partner) == [3, 2, 1, 0, nil, 6, 5])
        #expect(scanned.markers.map(\.parent) == [nil, 0, 0, nil, nil, nil, nil])
        #expect(scanned.chunks == ["Click ", "", "OK", "", "", " and ", "Cancel", "."])
    }

    @Test func unbalancedTagsStandAlone() {
        // A closing tag with no opener, an opener never closed, and one closed past an inner open tag.
        let scanned = MarkupScanner.scan("</x> a <b> b <i> c </b> d <p>")
        #expect(scanned.markers.map(\.partner) == [nil, 3, nil, 1, nil])
        #expect(scanned.markers.map(\.parent) == [nil, nil, 1, nil, nil])
    }

    @Test func voidElementsCommentsEntitiesAndBreaks() {
        let scanned = MarkupScanner.scan("A<br>B<img src=\"x.png\"><!-- note -->&amp;&#160;&#xA0;\\n\nC\\t")
        #expect(scanned.markers.map(\.kind) == [.emptyTag, .emptyTag, .emptyTag, .entity, .entity, .entity, .lineBreak, .lineBreak, .lineBreak])
        #expect(scanned.chunks.first == "A" && scanned.chunks.last == "")
    }

    @Test func acceleratorsStayInTheirWord() {
        let scanned = MarkupScanner.scan("Save ~As and Op~en, _File, &Print, R&D")
        #expect(scanned.markers.isEmpty)
        #expect(scanned.chunks == ["Save As and Open, File, Print, R&D"])
        #expect(scanned.accelerators.map(\.mark) == ["~", "~", "_", "&"])
        #expect(scanned.accelerators.map(\.key) == ["A", "e", "F", "P"])
        #expect(scanned.accelerators.map(\.offset) == [4, 11, 14, 19])
        #expect(scanned.text == "Save ~As and Op~en, _File, &Print, R&D")
    }

    /// `scan(s).text == s` for strings mixing every kind.
    @Test(arguments: [
        "", "plain", "  spaced  ", "%1 %2", "<b>%s</b>", "~Open <i>file</i>\n%PRODUCTNAME", "a\r\nb", "&lt;&gt;&amp;",
        "Cannot open protocol file \"%s\": %s", "_Add", "%1$(ARG1)", "{0} of {1}", "<a><b></a></b>", "x<y", "<Press 'Add' to go>",
    ])
    func roundTrip(_ text: String) {
        #expect(MarkupScanner.scan(text).text == text)
        #expect(MarkupScanner.holdsExactly(MarkupScanner.scan(text), text))
    }

    @Test func holdsExactlyCountsEachMarkerAndMark() {
        let source = MarkupScanner.scan("Open %s in <b>~File</b>")
        #expect(MarkupScanner.holdsExactly(source, "在 <b>文件</b> 中打开 %s(~F)"))
        #expect(!MarkupScanner.holdsExactly(source, "在 <b>文件</b> 中打开 %s"))  // the mark is gone
        #expect(!MarkupScanner.holdsExactly(source, "在 <b>文件</b> 中打开 %s %s(~F)"))  // twice
        #expect(!MarkupScanner.holdsExactly(source, "在 <b>文件 中打开 %s(~F)"))  // a tag is gone
        // The same character as text may be translated away, but no mark may be added.
        let mixed = MarkupScanner.scan("R&D: &Open")
        #expect(MarkupScanner.holdsExactly(mixed, "研发：打开(&O)") && MarkupScanner.holdsExactly(mixed, "R&D：打开(&O)"))
        #expect(!MarkupScanner.holdsExactly(mixed, "研发：打开") && !MarkupScanner.holdsExactly(mixed, "R&D&：打开(&O)"))
    }

    /// Hostile input: ten thousand tags, deep nesting, a tag that never closes, are scanned in one
    /// pass with every marker found once.
    @Test func tenThousandTags() {
        let nested = String(repeating: "<b>", count: 5_000) + "x" + String(repeating: "</b>", count: 5_000)
        let scanned = MarkupScanner.scan(nested)
        #expect(scanned.markers.count == 10_000)
        #expect(scanned.markers.allSatisfy { $0.partner != nil })
        #expect(scanned.text == nested)
        let unclosed = "<a href=\"" + String(repeating: "x", count: 100_000)
        #expect(MarkupScanner.scan(unclosed).isPlain)
        // Starts that each could run far: every scan stops at the next start.
        let starts = String(repeating: "<a \"{x,<!--", count: 20_000)
        #expect(MarkupScanner.scan(starts).text == starts)
    }
}
