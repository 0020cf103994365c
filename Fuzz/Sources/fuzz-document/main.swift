import Documents
import FuzzSupport

/// An HTML or XML document (the first byte's low bit picks which) cut into segments and put back
/// together. Checks the promises: given its own segments back, a document refuses none of them
/// and reads the same again; given segments that lost their words (markup only), it never
/// crashes and says which it refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDocument(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    guard let first = bytes.first else { return 0 }
    let format: MarkupDocument.Format = first & 1 == 0 ? .html : .xml
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    guard let document = try? MarkupDocument(text, format: format) else { return 0 }
    let segments = document.segments
    let refused = document.replaceSegments(with: segments)
    precondition(refused.isEmpty, "its own segments \(refused) did not go back: \(segments)")
    let once = document.serialized()

    guard let again = try? MarkupDocument(text, format: format) else { preconditionFailure("a document read once is not read twice") }
    precondition(again.segments == segments, "segments differ between two reads")
    let stripped = again.replaceSegments(with: segments.map { segment in
        String(segment.filter { !$0.isLetter })
    })
    precondition(stripped.allSatisfy(segments.indices.contains), "refused a segment that does not exist")
    _ = again.serialized()
    _ = once
    return 0
}
