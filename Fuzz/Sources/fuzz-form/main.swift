import Foundation
import FuzzSupport
import Serving

/// A POST body as fanyi-serve reads it: the first byte picks the Content-Type (URL-encoded form,
/// multipart with boundary "b", none), the rest is the body. Checks the promises: a body gives a
/// JSON object or a 400, never a crash; a multipart part's value is bytes of the body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzForm(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    guard let first = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    let type: String? = switch first % 3 {
    case 0: "application/x-www-form-urlencoded"
    case 1: "multipart/form-data; boundary=b"
    default: nil
    }
    do {
        let json = try FormBody.json(body, contentType: type, numbers: ["alternatives"], flags: ["confidence"],
                                     objects: ["glossary"], repeatable: ["q"])
        if type != nil { precondition((try? JSONSerialization.jsonObject(with: json)) is [String: Any], "a form did not become a JSON object") }
    } catch {
        precondition(error.statusCode == 400, "a form error that is not a 400: \(error)")
    }
    if first % 3 == 1, let fields = try? FormBody.multipart(body, contentType: type!) {
        precondition(fields.allSatisfy { $0.value.count <= body.count && !$0.name.isEmpty }, "a part larger than its body")
    }
    return 0
}
