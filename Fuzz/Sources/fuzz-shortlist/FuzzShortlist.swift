import FuzzSupport
import Seq2Seq

/// A shortlist as stored in a model file (checked against vocabularies of 40 source and 50
/// target entries), then the candidates of a few source sentences: every id must be a target id.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShortlist(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput(start, count).text else { return 0 }
    do {
        let shortlist = try Shortlist(parsing: text, sourceVocabularySize: 40, targetVocabularySize: 50, name: "fuzz shortlist")
        let again = try Shortlist(parsing: shortlist.serialized(), sourceVocabularySize: 40, targetVocabularySize: 50,
                                  name: "fuzz shortlist (written back)")
        precondition(again == shortlist, "a parsed shortlist does not survive writing and reading")
        let candidates = shortlist.candidates(for: [[0, 1, 2, 3], Array(4..<40), []])
        precondition(candidates.allSatisfy { (0..<50).contains($0) }, "a candidate outside the target vocabulary")
    } catch {
        rendered(error)
    }
    return 0
}
