import Documents
import FuzzSupport

/// .odt and .docx files: the first byte picks the kind (bit 0) and whether the rest is a whole zip
/// package or one XML part of it (bit 1: reaches the dialects' rules far more often than random
/// zips do). Checks the promises: what reads gives back its own segments without refusing any,
/// and segments stripped of their words never crash it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOffice(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    guard let first = bytes.first else { return 0 }
    let kind: OfficeDocument.Kind = first & 1 == 0 ? .openDocument : .word
    let rest = Array(bytes.dropFirst())
    if first & 2 == 0 {
        guard let document = try? OfficeDocument(rest, kind: kind, name: "fuzz") else { return 0 }
        let segments = document.segments
        let refused = document.replaceSegments(with: segments.map { SegmentTranslation($0) })
        precondition(refused.isEmpty, "its own segments \(refused) did not go back")
        // libzip writes what it read, or says why not.
        _ = try? document.bytes()
        return 0
    }
    let text = String(decoding: rest, as: UTF8.self)
    let dialect: XMLDialect = kind == .openDocument ? .openDocument : .wordprocessing
    guard let part = try? MarkupDocument(text, format: .xml, dialect: dialect, name: "fuzz.xml") else { return 0 }
    let segments = part.segments
    let refused = part.replaceSegments(with: segments)
    precondition(refused.isEmpty, "its own segments \(refused) did not go back: \(segments)")
    _ = part.serialized()
    guard let again = try? MarkupDocument(text, format: .xml, dialect: dialect, name: "fuzz.xml") else {
        preconditionFailure("a part read once is not read twice")
    }
    _ = again.replaceSegments(with: again.segments.map { String($0.filter { !$0.isLetter }) })
    _ = again.serialized()
    return 0
}
