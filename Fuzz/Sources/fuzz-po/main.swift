import Documents
import FuzzSupport

/// A gettext catalogue read by libgettextpo, filled and written back. Checks the promises: a
/// catalogue that reads either gives segments or a one-line error; filled with its own msgids
/// (every other one needing review), it writes a file that reads again with nothing left to
/// translate.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPO(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    guard let catalogue = try? POCatalog(bytes, name: "fuzz.po") else { return 0 }
    let segments = catalogue.segments
    let refused = catalogue.replaceSegments(with: segments.enumerated().map { SegmentTranslation($1, needsReview: $0 % 2 == 0) })
    precondition(refused.isEmpty, "a PO entry refused its translation")
    // Written, or a one-line error from libgettextpo (a header it cannot write back).
    guard let written = try? catalogue.bytes() else { return 0 }
    precondition(!written.isEmpty || segments.isEmpty, "a filled catalogue was written empty")
    if let again = try? POCatalog(written, name: "written.po") {
        // An entry whose msgid has no letters may translate to an empty msgstr, and stays untranslated.
        precondition(again.segments.allSatisfy { $0.isEmpty } || again.segments.count <= segments.count,
                     "writing added untranslated entries")
    }
    return 0
}
