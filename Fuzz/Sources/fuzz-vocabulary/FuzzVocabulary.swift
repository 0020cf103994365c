import FuzzSupport
import Tokenization

/// A vocabulary file (`token<TAB>count` lines after the four specials), then every token looked
/// up and the file written back: what parses must round-trip.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVocabulary(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput(start, count).text else { return 0 }
    do {
        let vocabulary = try Vocabulary(parsing: text, file: "fuzz.vocab")
        for (id, token) in vocabulary.tokens.enumerated() {
            precondition(vocabulary.id(token) == id, "token '\(token)' does not map back to its id \(id)")
        }
        let again = try Vocabulary(parsing: vocabulary.serialized(), file: "fuzz.vocab (written back)")
        precondition(again == vocabulary, "a parsed vocabulary does not survive writing and reading")
    } catch {
        rendered(error)
    }
    return 0
}
