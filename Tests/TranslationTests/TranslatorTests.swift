import Foundation
import Testing
import Translation

let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

@Suite struct TranslatorTests {
    /// The README's example, with the shipped model.
    @Test func readmeExample() throws {
        let translator = try Translator(modelFile: packageRoot + "/models/en-zh-lohelp.safetensors")
        let text = try translator.translate("Select the cell range.")
        #expect(text.contains("单元格"), "\(text)")
    }

    @Test func batchKeepsOrderAndEmptyLines() throws {
        var options = TranslationOptions()
        options.search.beamSize = 2
        options.search.nBest = 2
        options.batchSize = 2
        let translator = try Translator(modelFile: packageRoot + "/models/en-zh-lohelp.safetensors", options: options)
        let inputs = ["Click OK.", "", "Select the cell range.", "Opens the Print dialog."]
        let results = try translator.translate(inputs)
        #expect(results.count == 4)
        #expect(results[1].count == 1 && results[1][0].text == "")
        #expect(results[0].count == 2 && results[0][0].score >= results[0][1].score)
        // The same sentence alone gives the same best translation.
        #expect(try translator.translate([inputs[2]])[0][0].text == results[2][0].text)
    }
}
