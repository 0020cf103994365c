import Testing
@testable import Translation

/// Placeholders, tags and accelerators through the shipped English→Chinese model.
@Suite struct ProtectedTranslationTests {
    static let model = packageRoot + "/models/en-zh-lohelp.safetensors"
    static let inputs = [
        "Cannot open protocol file \"%s\": %s", "Unknown local port AF %d", "Column %COLUMNNUMBER",
        "Select the <b>cell range</b> and click <emph>OK</emph>.", "~Open", "Cell St~yles", "%s", "<b></b>",
        "Delete {0} rows\\nfrom {1}", "The name '%1' already exists.", "$(ERR) loading the graphics.",
    ]

    @Test func everyMarkerComesBackOnceAndTheWordsAreTranslated() throws {
        let translator = try Translator(modelFile: Self.model)
        let results = try translator.translate(Self.inputs)
        for (input, result) in zip(Self.inputs, results) {
            let best = result[0]
            #expect(MarkupScanner.holdsExactly(MarkupScanner.scan(input), best.text), "\(input) → \(best.text)")
            #expect(best.markup == .aligned, "\(input) → \(best.text)")
            // The model never saw a marker's characters.
            #expect(!best.sourcePieces.contains { $0.contains("%") || $0.contains("<") || $0.contains("~") }, "\(best.sourcePieces)")
        }
        #expect(results[3][0].text.contains("单元格"))
        #expect(results[4][0].text.hasSuffix("(~O)"))
        #expect(results[6][0].text == "%s" && results[7][0].text == "<b></b>")
    }

    @Test func withoutProtectionTheModelSeesThemAsWords() throws {
        var options = TranslationOptions()
        options.protectMarkup = false
        let translator = try Translator(modelFile: Self.model, options: options)
        let result = try translator.translate(["Unknown local port AF %d"])[0][0]
        #expect(result.markup == .none)
        #expect(result.sourcePieces.contains { $0.contains("%") })
    }

    /// Plain sentences take the path they always took: the same translations either way.
    @Test func plainTextIsTranslatedAsBefore() throws {
        let plain = ["Select the cell range.", "Opens the Print dialog.", "50 % of the cells are empty."]
        var options = TranslationOptions()
        options.protectMarkup = false
        let unprotected = try Translator(modelFile: Self.model, options: options).translate(plain)
        let protected = try Translator(modelFile: Self.model).translate(plain)
        #expect(protected.map { $0.map(\.text) } == unprotected.map { $0.map(\.text) })
        #expect(protected.allSatisfy { $0[0].markup == .none })
    }

    @Test func paragraphsAndNBestKeepThemToo() throws {
        var options = TranslationOptions()
        options.search.nBest = 3
        let translator = try Translator(modelFile: Self.model, options: options)
        let paragraph = try translator.translateParagraphs(["Click <b>OK</b>. Then select %s in the <emph>list</emph>."])[0]
        #expect(MarkupScanner.holdsExactly(MarkupScanner.scan("Click <b>OK</b>. Then select %s in the <emph>list</emph>."), paragraph.text),
                "\(paragraph.text)")
        for translation in try translator.translate(["Delete %1 rows"])[0] {
            #expect(MarkupScanner.holdsExactly(MarkupScanner.scan("Delete %1 rows"), translation.text), "\(translation.text)")
        }
    }
}
