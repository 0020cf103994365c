import FuzzSupport
import Tokenization

/// A merges file, then BPE with those merges on tokens made of the merges' own symbols (so that
/// merges really apply) and written back: what parses must round-trip.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMerges(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput(start, count).text else { return 0 }
    do {
        let merges = try BPEMerges(parsing: text, file: "fuzz.bpe")
        let again = try BPEMerges(parsing: merges.serialized(), file: "fuzz.bpe (written back)")
        precondition(again == merges, "parsed merges do not survive writing and reading")
        let bpe = BPE(merges: merges)
        let words = merges.merges.prefix(16).map { $0.left + $0.right } + ["a", "hello", "你好", "x\u{0301}"]
        let pieces = bpe.apply(words)
        precondition(pieces.count >= words.count, "BPE lost a word")
    } catch {
        rendered(error)
    }
    return 0
}
