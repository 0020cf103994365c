import FuzzSupport
import Training

/// A checkpoint's bytes as `fanyi-train` resumes from them: model, text pipeline, options,
/// training state and Adam moments, each of which must have its parameter's shape.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = FuzzInput(start, count)
    do {
        let restored = try Checkpoint.decode(input.bytes, file: "fuzz.safetensors")
        for p in restored.model.parameters {
            guard let (m, v) = restored.moments[p.name] else { continue }
            precondition(m.count == p.value.count && v.count == p.value.count, "moments of '\(p.name)' with another shape")
        }
    } catch {
        rendered(error)
    }
    return 0
}
