import Foundation
import Testing
import Documents
import Translation

let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Documents through the shipped English→Chinese model: text translated, markup as it was.
@Suite struct DocumentTranslationTests {
    static let model = packageRoot + "/models/en-zh-lohelp.safetensors"

    @Test func htmlPageIsTranslatedAroundItsMarkup() throws {
        let page = """
            <!DOCTYPE html>
            <html><head><title>Cell Styles</title><script>var label = "Select the cell range.";</script></head>
            <body>
            <h1>Cell Styles</h1>
            <p>Select the <b>cell range</b>. Then press <kbd>Ctrl+1</kbd>.</p>
            <p translate="no">LibreOffice Calc</p>
            <pre>Select the cell range.</pre>
            </body></html>
            """
        let translator = try Translator(modelFile: Self.model)
        let result = try translator.translate(file: Array(page.utf8), format: .html)
        #expect(result.segments == 3 && result.untranslated.isEmpty, "\(result)")
        let out = result.text
        #expect(out.hasPrefix("<!DOCTYPE html>"))
        #expect(out.contains("var label = \"Select the cell range.\";") && out.contains("<pre>Select the cell range.</pre>"))
        #expect(out.contains("<p translate=\"no\">LibreOffice Calc</p>") && out.contains("<kbd>Ctrl+1</kbd>"))
        #expect(out.contains("单元格") && out.contains("<b>") && out.contains("</b>"), "\(out)")
        #expect(!out.contains("fanyi-kept") && !out.contains("Select the <b>"), "\(out)")
    }

    @Test func xmlHelpParagraphKeepsItsTags() throws {
        let help = """
            <?xml version="1.0" encoding="UTF-8"?>
            <helpdocument><body><paragraph role="paragraph" id="p1">Choose <emph>Format - Cells</emph>.</paragraph></body></helpdocument>
            """
        let translator = try Translator(modelFile: Self.model)
        let result = try translator.translate(file: Array(help.utf8), format: .xml)
        #expect(result.segments == 1 && result.untranslated.isEmpty)
        #expect(result.text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
        #expect(result.text.contains("<paragraph role=\"paragraph\" id=\"p1\">") && result.text.contains("<emph>") && result.text.contains("</emph>"),
                "\(result.text)")
        #expect(!result.text.contains("Choose"), "\(result.text)")
    }

    /// The translator's own markup setting is not changed by translating a document.
    @Test func protectionIsOnForDocumentsOnly() throws {
        var options = TranslationOptions()
        options.protectMarkup = false
        let translator = try Translator(modelFile: Self.model, options: options)
        _ = try translator.translate(file: Array("<p>Click <b>OK</b>.</p>".utf8), format: .html)
        #expect(translator.options.protectMarkup == false)
    }
}
