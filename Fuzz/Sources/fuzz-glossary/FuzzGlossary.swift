import FuzzSupport
import Translation

/// A glossary file on any bytes, then its terms found in a fixed text and in the file's own
/// source terms. Checks: a rejected file names itself; scanning with the glossary gives the text
/// back, and every term found is one of the glossary's, replaced by its translation in `output`.
let sample = "Select the cell range, then click OK in LibreOffice Calc. 选择单元格区域。 %s <b>Sheet</b>"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGlossary(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput(start, count).text else { return 0 }
    let glossary: Glossary
    do { glossary = try Glossary(parsing: text, file: "fuzz.tsv") } catch {
        precondition(error.description.hasPrefix("glossary fuzz.tsv"), "an error that does not name the file: \(error)")
        rendered(error)
        return 0
    }
    let targets = Set(glossary.entries.map(\.target))
    for input in [sample, glossary.entries.prefix(20).map(\.source).joined(separator: " ")] {
        let scanned = MarkupScanner.scan(input, glossary: glossary)
        precondition(scanned.text == input, "scanning with a glossary does not give the text back")
        for marker in scanned.markers where marker.kind == .term {
            precondition(targets.contains(marker.text), "a term that is not the glossary's: \(marker.text)")
        }
    }
    return 0
}
