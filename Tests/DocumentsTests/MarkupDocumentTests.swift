import Foundation
import Testing
@testable import Documents

/// Cutting HTML and XML into segments and putting translations back, without a model: each
/// test "translates" by a rule it can check.
@Suite struct MarkupDocumentTests {
    /// Swaps words of `table` inside the text, leaving the markup as it is (what a translator with
    /// markup protection gives back).
    static func translated(_ segment: String, _ table: [String: String]) -> String {
        table.reduce(segment) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }

    @Test func htmlFragmentInlineTagsTravelAndCodeStays() throws {
        let source = "<p>Select <b>Format</b>, then <code>Ctrl+1</code>.</p>\n<ul><li>One <a href=\"x.html\">link</a></li><li>Two</li></ul>"
        let document = try MarkupDocument(source, format: .html)
        #expect(document.segments == ["Select <b>Format</b>, then <!--fanyi-kept 0-->.", "One <a href=\"x.html\">link</a>", "Two"])
        let refused = document.replaceSegments(with: document.segments.map {
            Self.translated($0, ["Select": "Wählen Sie", "then": "dann", "One": "Eins", "link": "Verweis", "Two": "Zwei"])
        })
        #expect(refused.isEmpty)
        #expect(document.serialized()
                == "<p>Wählen Sie <b>Format</b>, dann <code>Ctrl+1</code>.</p>\n<ul><li>Eins <a href=\"x.html\">Verweis</a></li><li>Zwei</li></ul>")
    }

    @Test func wholeHtmlDocumentKeepsDoctypeHeadScriptAndStyle() throws {
        let source = """
            <!DOCTYPE html>
            <html lang="en"><head><title>Help</title><style>p { color: red; }</style><script>var s = "Help";</script></head>
            <body><h1>Cells</h1><div>Intro text<p>Para</p></div><pre>  keep   this  </pre></body></html>
            """
        let document = try MarkupDocument(source, format: .html)
        #expect(document.segments == ["Help", "Cells", "Intro text", "Para"])
        document.replaceSegments(with: ["帮助", "单元格", "介绍", "段落"])
        let out = document.serialized()
        #expect(out.hasPrefix("<!DOCTYPE html>"))
        #expect(out.contains("<title>帮助</title>") && out.contains("<h1>单元格</h1>") && out.contains("<div>介绍<p>段落</p></div>"))
        #expect(out.contains("var s = \"Help\";") && out.contains("p { color: red; }") && out.contains("<pre>  keep   this  </pre>"))
    }

    @Test func translateNoAndNotranslateAreLeftAlone() throws {
        let source = "<p>Open <span translate=\"no\">LibreOffice Calc</span> now.</p><p class=\"x notranslate\">Leave me</p><div translate=\"no\"><p>Me too</p></div>"
        let document = try MarkupDocument(source, format: .html)
        #expect(document.segments == ["Open <!--fanyi-kept 0--> now."])
        document.replaceSegments(with: ["Öffnen Sie <!--fanyi-kept 0--> jetzt."])
        #expect(document.serialized()
                == "<p>Öffnen Sie <span translate=\"no\">LibreOffice Calc</span> jetzt.</p><p class=\"x notranslate\">Leave me</p><div translate=\"no\"><p>Me too</p></div>")
    }

    /// A combining mark right after a tag would join its `>` into one Character: it travels as a
    /// character reference and comes back as the same text.
    @Test func combiningMarkAfterATagKeepsTheTag() throws {
        let document = try MarkupDocument("<d><p><b>cell</b>\u{308}x</p></d>", format: .xml)
        #expect(document.segments == ["<b>cell</b>&#x308;x"])
        #expect(document.replaceSegments(with: document.segments).isEmpty)
        #expect(document.serialized() == "<d><p><b>cell</b>\u{308}x</p></d>\n")
        #expect(MarkupDocument.escapingStrayMarkup("<b>a</b>\u{301} < b", source: "<b>a</b>") == "<b>a</b>\u{301} &lt; b")
    }

    @Test func altAndTitleAreSegmentsOfTheirOwn() throws {
        let source = "<p>See <img src=\"c.png\" alt=\"A cat\"> and <abbr title=\"Portable Document Format\">PDF</abbr></p>"
        let document = try MarkupDocument(source, format: .html)
        #expect(document.segments == ["See <img src=\"c.png\" alt=\"fanyi-attribute-0\"> and <abbr title=\"fanyi-attribute-1\">PDF</abbr>",
                                      "A cat", "Portable Document Format"])
        document.replaceSegments(with: ["Siehe <img src=\"c.png\" alt=\"fanyi-attribute-0\"> und <abbr title=\"fanyi-attribute-1\">PDF</abbr>",
                                        "Eine Katze", "Tragbares Dokumentformat"])
        #expect(document.serialized()
                == "<p>Siehe <img src=\"c.png\" alt=\"Eine Katze\"> und <abbr title=\"Tragbares Dokumentformat\">PDF</abbr></p>")
    }

    @Test func whitespaceInsideASegmentCollapsesAndAroundItStays() throws {
        let source = "<p>\n    Two\n    lines\n  </p>"
        let document = try MarkupDocument(source, format: .html)
        #expect(document.segments == ["Two lines"])
        document.replaceSegments(with: ["两行"])
        #expect(document.serialized() == "<p> 两行 </p>")
    }

    @Test func xmlMixedContentKeepsDeclarationNamespacesAndEntities() throws {
        let source = """
            <?xml version="1.0" encoding="UTF-8"?>
            <help xmlns:its="http://www.w3.org/2005/11/its"><section><title>Cells</title>
            <paragraph id="p1">Choose <emph>Edit</emph> &amp; <item its:translate="no">Ctrl+C</item>.</paragraph></section></help>
            """
        let document = try MarkupDocument(source, format: .xml)
        #expect(document.segments == ["Cells", "Choose <emph>Edit</emph> &amp; <!--fanyi-kept 0-->."])
        document.replaceSegments(with: ["单元格", "选择<emph>编辑</emph> &amp; <!--fanyi-kept 0-->。"])
        let out = document.serialized()
        #expect(out.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
        #expect(out.contains("<title>单元格</title>"))
        #expect(out.contains("<paragraph id=\"p1\">选择<emph>编辑</emph> &amp; <item its:translate=\"no\">Ctrl+C</item>。</paragraph>"))
    }

    @Test func xmlWithoutDeclarationGetsNone() throws {
        let document = try MarkupDocument("<doc><p>Hello</p></doc>", format: .xml)
        document.replaceSegments(with: ["你好"])
        #expect(document.serialized() == "<doc><p>你好</p></doc>\n")
    }

    @Test func malformedXmlNamesTheLine() {
        #expect(throws: DocumentError.self) { try MarkupDocument("<doc>\n<p>one</b>\n</doc>", format: .xml, name: "help.xml") }
        do {
            _ = try MarkupDocument("<doc>\n<p>one</b>\n</doc>", format: .xml, name: "help.xml")
        } catch {
            #expect(error.description.hasPrefix("help.xml:2: not well-formed:"), "\(error)")
        }
    }

    /// A translation that lost a kept node's placeholder, or that is not well-formed XML, is not
    /// used: the segment stays in the source language, and the caller is told which.
    @Test func aTranslationThatCannotGoBackLeavesTheSource() throws {
        let xml = try MarkupDocument("<doc><p>Press <key translate=\"no\">F1</key> now</p><p>Tom &amp; Jerry</p></doc>", format: .xml)
        #expect(xml.segments == ["Press <!--fanyi-kept 0--> now", "Tom &amp; Jerry"])
        let refused = xml.replaceSegments(with: ["Drücken Sie jetzt", "Tom &amp; Jerry &amp;"])
        #expect(refused == [0])
        #expect(xml.serialized() == "<doc><p>Press <key translate=\"no\">F1</key> now</p><p>Tom &amp; Jerry &amp;amp;</p></doc>\n")
        // HTML repairs what it is given: a stray "<" or "&" becomes text.
        let html = try MarkupDocument("<p>a or b</p>", format: .html)
        #expect(html.replaceSegments(with: ["a < b & c"]).isEmpty)
        #expect(html.serialized() == "<p>a &lt; b &amp; c</p>")
    }

    /// Markup characters the model wrote itself stay text; the source's own tags stay tags.
    @Test func strayMarkupInATranslationIsEscaped() throws {
        let html = try MarkupDocument("<p>Select <b>this</b> for Windows</p>", format: .html)
        #expect(html.replaceSegments(with: ["选择 <d microsoft windows><b>这个</b> & <b>x</b> 1 < 2"]).isEmpty)
        #expect(html.serialized() == "<p>选择 &lt;d microsoft windows&gt;<b>这个</b> &amp; &lt;b&gt;x&lt;/b&gt; 1 &lt; 2</p>")
        let xml = try MarkupDocument("<doc><p>Tom &amp; Jerry</p></doc>", format: .xml)
        #expect(xml.replaceSegments(with: ["Tom & Jerry &amp; <x>"]).isEmpty)
        #expect(xml.serialized() == "<doc><p>Tom &amp; Jerry &amp; &lt;x&gt;</p></doc>\n")
    }

    /// An inline image given as a data: URI is too long a tag to travel through the translator: it
    /// is kept out of the segment and comes back as it was.
    @Test func aVeryLongTagIsKeptWhole() throws {
        let image = "<img src=\"data:image/png;base64," + String(repeating: "A", count: 5000) + "\">"
        let document = try MarkupDocument("<p>See \(image) here</p>", format: .html)
        #expect(document.segments == ["See <!--fanyi-kept 0--> here"])
        #expect(document.replaceSegments(with: ["看 <!--fanyi-kept 0--> 这里"]).isEmpty)
        #expect(document.serialized() == "<p>看 \(image) 这里</p>")
    }

    @Test func documentsWithoutTextHaveNoSegments() throws {
        #expect(try MarkupDocument("", format: .html).segments.isEmpty)
        #expect(try MarkupDocument("<p>  </p><img src=x.png>", format: .html).segments.isEmpty)
        #expect(try MarkupDocument("<a><b/></a>", format: .xml).segments.isEmpty)
    }

    /// Hostile sizes: 10,000 sibling tags in one paragraph, 2,000 nested elements.
    @Test func manyTagsAndDeepNesting() throws {
        let wide = "<p>" + String(repeating: "<b>w</b> ", count: 10_000) + "</p>"
        let document = try MarkupDocument(wide, format: .html)
        #expect(document.segments.count == 1)
        document.replaceSegments(with: document.segments)
        #expect(document.serialized() == wide)
        func nested(_ depth: Int, _ name: String) -> String {
            String(repeating: "<\(name)>", count: depth) + "x" + String(repeating: "</\(name)>", count: depth)
        }
        #expect(try MarkupDocument(nested(200, "d"), format: .xml).segments == ["x"])
        #expect(try MarkupDocument(nested(200, "div"), format: .html).segments == ["x"])
        for format in MarkupDocument.Format.allCases {
            #expect(throws: DocumentError.self) { try MarkupDocument(nested(20_000, "div"), format: format) }
        }
    }

    /// Segments given back as they are give the document back as it was.
    @Test func identityRoundTrip() throws {
        let html = "<div><h2 id=\"a\">Title &amp; more</h2><p>Text with <em>emphasis</em>, a <br>break and ü.</p><table><tr><td>Cell</td></tr></table></div>"
        let document = try MarkupDocument(html, format: .html)
        document.replaceSegments(with: document.segments)
        #expect(document.serialized() == html)
    }

    /// The fuzz target's promise on its seeds: a document takes its own segments back, all of them.
    @Test func fuzzSeedsTakeTheirOwnSegmentsBack() throws {
        let folder = packageRoot + "/Fuzz/Corpus/document"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count >= 4)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))
            let format: MarkupDocument.Format = bytes[0] & 1 == 0 ? .html : .xml
            guard let document = try? MarkupDocument(String(decoding: bytes.dropFirst(), as: UTF8.self), format: format) else {
                #expect(file.hasPrefix("malformed"), "\(file) did not parse")
                continue
            }
            #expect(!document.segments.isEmpty, "\(file)")
            #expect(document.replaceSegments(with: document.segments).isEmpty, "\(file)")
        }
    }
}
