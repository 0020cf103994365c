import FuzzSupport
import Training

/// A `fanyi-train --config` file over the default options, then the options described back as
/// YAML (what a run prints first) and parsed again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput(start, count).text else { return 0 }
    do {
        let options = try ConfigFile.parse(text, file: "fuzz.yaml", over: TrainingOptions())
        _ = ConfigFile.describe(options)
    } catch {
        rendered(error)
    }
    return 0
}
