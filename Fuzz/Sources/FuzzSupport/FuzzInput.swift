import Tokenization
#if canImport(Glibc)
import Glibc
#endif

/// `FANYI_FUZZ_VERBOSE=1`: print each error's message (to see why a seed is rejected).
let verbose = getenv("FANYI_FUZZ_VERBOSE") != nil

/// One fuzzer input: libFuzzer's bytes, copied, and read the way Fanyi's loaders read a file.
public struct FuzzInput {
    public let bytes: [UInt8]

    public init(_ start: UnsafeRawPointer, _ count: Int) {
        bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    }

    /// The bytes as a text file's content (`TextFile.read`): nil, after rendering the error a
    /// user would see, when they are not UTF-8.
    public var text: String? {
        do { return try TextFile.text(of: bytes, file: "fuzz-input") } catch {
            rendered(error)
            return nil
        }
    }
}

/// Builds an error's message as a user would see it: message code runs on fuzzed values too
/// (slices, offsets, quoting), so it is fuzzed with the parser that threw.
@inline(never)
public func rendered(_ error: any Error) {
    let message = String(describing: error)
    precondition(!message.isEmpty, "an error with an empty message")
    if verbose { print("error: \(message)") }
}
