import FuzzSupport
import Tokenization

/// Tokenizers (English NFC, Chinese NFKC, Turkish lowercased) on any bytes, read as
/// `fanyi-translate --invalid-utf8 replace` reads a line. Checks the documented promises:
/// no token is empty or holds a space, detokenizing gives back the normalized text (also after
/// BPE), and the sentence splitter's parts join back to the text.
nonisolated(unsafe) let tokenizers = [
    try! Tokenizer(options: TokenizerOptions(language: "en")),
    try! Tokenizer(options: TokenizerOptions(language: "zh", normalization: .nfkc)),
    try! Tokenizer(options: TokenizerOptions(language: "tr", lowercase: true)),
]
nonisolated(unsafe) let splitter = try! SentenceSplitter()
let bpe = BPE(merges: BPEMerges([.init("t", "h"), .init("th", "e</w>"), .init("e", "r"), .init("你", "好</w>")]))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: FuzzInput(start, count).bytes, as: UTF8.self)
    do {
        for tokenizer in tokenizers {
            let tokens = try tokenizer.tokenize(text)
            precondition(tokens.allSatisfy { !$0.isEmpty && !$0.contains(" ") }, "an empty token or one with a space: \(tokens)")
            let normalized = try tokenizer.normalize(text)
            precondition(Tokenizer.detokenize(tokens) == normalized, "detokenize(tokenize(text)) is not the normalized text")
            precondition(Tokenizer.detokenize(bpe.apply(tokens)) == normalized, "BPE pieces do not detokenize to the text")
        }
        let parts = try splitter.split(text)
        precondition(SentenceSplitter.join(parts, { $0 }) == text, "sentence parts do not join back to the text")
    } catch {
        rendered(error)
    }
    return 0
}
