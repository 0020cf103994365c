import FuzzSupport
import Seq2Seq
import Translation

/// A model file's bytes as `fanyi-translate` loads them, then one short beam search: whatever
/// loads must translate without a crash (a wrong shape that slips through loading shows here).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = FuzzInput(start, count)
    var options = TranslationOptions()
    options.search.beamSize = 2
    do {
        let translator = try Translator.translators(modelBytes: input.bytes, file: "fuzz.safetensors", count: 1, options: options)[0]
        _ = try translator.translate("the cell range")
    } catch {
        rendered(error)
    }
    return 0
}
