import FuzzSupport
import Tokenization

/// A vocabulary manifest, then a tokenizer built from each side's options (language code,
/// normalization, lowercasing) and run on a line, as `TextPipeline(manifest:)` does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput(start, count).text else { return 0 }
    do {
        let set = try VocabularySet.parse(text, file: "fuzz.json")
        for language in set.languages {
            guard let side = set.sides[language] else { preconditionFailure("a checked manifest lacks side '\(language)'") }
            _ = VocabularySet.resolve(side.vocabulary, in: "folder")
            let tokenizer = try Tokenizer(options: side.tokenizer)
            _ = try tokenizer.tokenize("İstanbul's ﬁrst Straße, 第一个。")
        }
    } catch {
        rendered(error)
    }
    return 0
}
