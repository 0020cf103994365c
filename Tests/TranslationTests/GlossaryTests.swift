import Foundation
import Testing
@testable import Translation

@Suite struct GlossaryTests {
    /// The terms `scan` finds in `text` with `glossary`, as (source words, translation).
    static func terms(_ text: String, _ glossary: Glossary) -> [[String]] {
        MarkupScanner.scan(text, markup: false, glossary: glossary).markers.map { [$0.source ?? "", $0.text] }
    }

    @Test func parsesTermsCommentsAndThePairHeader() throws {
        let glossary = try Glossary(parsing: "en\tzh\n# UI terms\n\nCell\t单元格\r\nLibreOffice\tLibreOffice\n", file: "g.tsv")
        #expect(glossary.entries.map(\.source) == ["Cell", "LibreOffice"])
        #expect(glossary.sourceLanguage == "en" && glossary.targetLanguage == "zh")
        #expect(glossary.fits(source: "en", target: "zh") && glossary.fits(source: "en-US", target: "zh_CN"))
        #expect(!glossary.fits(source: "zh", target: "en"))
        #expect(try Glossary(parsing: "Cell\t单元格\n", file: "g").fits(source: "de", target: "fr"))
        #expect(try Glossary(parsing: "", file: "g").isEmpty)
    }

    @Test(arguments: [
        ("Cell 单元格\n", "g.tsv line 1 has no tab"),
        ("Cell\t单元格\nRow\tto\t行\n", "g.tsv line 2 has 2 tabs"),
        ("\t单元格\n", "g.tsv line 1 has an empty source term"),
        ("Cell\t \n", "g.tsv line 1 gives 'Cell' an empty translation"),
        ("Cell\t单元格\ncell\t格子\n", "g.tsv line 2 gives 'cell' the translation '格子', but an earlier line gives it '单元格'"),
    ])
    func badLinesAreNamed(_ text: String, _ message: String) {
        #expect(throws: GlossaryError.self) { try Glossary(parsing: text, file: "g.tsv") }
        do { _ = try Glossary(parsing: text, file: "g.tsv") } catch {
            #expect(error.description.hasPrefix("glossary " + message), "\(error)")
        }
    }

    @Test func unreadableAndNonUTF8FilesAreErrors() throws {
        #expect(throws: GlossaryError.self) { try Glossary(contentsOf: "/nonexistent/glossary.tsv") }
        let path = NSTemporaryDirectory() + "fanyi-glossary-\(UUID().uuidString).tsv"
        try Data([0x43, 0x09, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: GlossaryError.malformed(file: path, line: nil, reason: "is not UTF-8 text")) { try Glossary(contentsOf: path) }
    }

    @Test func wholeWordsIgnoringCaseLongestFirst() throws {
        let glossary = try Glossary(entries: [.init(source: "cell", target: "单元格"), .init(source: "cell range", target: "单元格区域"),
                                              .init(source: "range name", target: "范围名称"), .init(source: "LibreOffice", target: "LibreOffice")])
        // The longer term wins where both start; a term inside a longer word, or inflected, does not match.
        #expect(Self.terms("Select the Cell Range.", glossary) == [["Cell Range", "单元格区域"]])
        #expect(Self.terms("Cells and cellar, but cell.", glossary) == [["cell", "单元格"]])
        // Overlapping terms: leftmost first, then on after it.
        #expect(Self.terms("the cell range name", glossary) == [["cell range", "单元格区域"]])
        #expect(Self.terms("a range name in LIBREOFFICE", glossary) == [["range name", "范围名称"], ["LIBREOFFICE", "LibreOffice"]])
        #expect(MarkupScanner.scan("Select the cell range.", markup: false, glossary: glossary).text == "Select the cell range.")
        #expect(MarkupScanner.scan("Select the cell range.", markup: false, glossary: glossary).output == "Select the 单元格区域.")
    }

    @Test func termsInScriptsWithoutSpacesMatchAnywhere() throws {
        let glossary = try Glossary(entries: [.init(source: "单元格", target: "cell")])
        #expect(Self.terms("选择单元格区域。", glossary) == [["单元格", "cell"]])
    }

    @Test func anEmptyGlossaryChangesNothing() throws {
        let scanned = MarkupScanner.scan("Select the cell range.", glossary: try Glossary(entries: []))
        #expect(scanned.isPlain)
    }

    /// A 1 MB glossary (50,000 terms) is read and applied in well under a second each.
    @Test func aLargeGlossary() throws {
        let text = (0..<50_000).map { "term\($0) word\t术语\($0)" }.joined(separator: "\n")
        #expect(text.utf8.count > 1_000_000)
        let start = Date()
        let glossary = try Glossary(parsing: text, file: "big.tsv")
        let found = Self.terms("Use term49999 word and term7 word, not term7words.", glossary)
        #expect(found == [["term49999 word", "术语49999"], ["term7 word", "术语7"]])
        #expect(Date().timeIntervalSince(start) < 20)
    }
}

/// Glossary terms through the shipped English→Chinese model.
@Suite struct GlossaryTranslationTests {
    static let model = packageRoot + "/models/en-zh-lohelp.safetensors"

    @Test func aTermReplacesTheWordsTheModelMadeOfIt() throws {
        var options = TranslationOptions()
        let plain = try Translator(modelFile: Self.model, options: options).translate("Select the cell range.")
        #expect(plain.contains("单元格区域"), "\(plain)")
        options.glossary = try Glossary(entries: [.init(source: "cell range", target: "储存格范围")])
        let fixed = try Translator(modelFile: Self.model, options: options).translate(["Select the cell range."])[0][0]
        #expect(fixed.text.contains("储存格范围") && !fixed.text.contains("单元格区域"), "\(fixed.text)")
        #expect(fixed.markup == .aligned)
    }

    @Test func aTermTheModelAlreadyTranslatesLeavesTheTranslationAsItIs() throws {
        var options = TranslationOptions()
        let inputs = ["Select the cell range.", "Click OK."]
        let plain = try Translator(modelFile: Self.model, options: options).translate(inputs)
        options.glossary = try Glossary(entries: [.init(source: "cell range", target: "单元格区域")])
        let same = try Translator(modelFile: Self.model, options: options).translate(inputs)
        #expect(same.map { $0[0].text } == plain.map { $0[0].text })
    }

    @Test func doNotTranslateTermsAndMarkupTogether() throws {
        var options = TranslationOptions()
        options.glossary = try Glossary(entries: [.init(source: "Calc", target: "Calc")])
        let translator = try Translator(modelFile: Self.model, options: options)
        let result = try translator.translate(["Open %s in Calc.", "Calc"])
        #expect(result[0][0].text.contains("Calc") && result[0][0].text.contains("%s"), "\(result[0][0].text)")
        #expect(result[1][0].text.contains("Calc"), "\(result[1][0].text)")
    }
}
