import CICU

/// Unicode services from ICU (normalization, case mapping), on UTF-16 code unit arrays.
enum ICU {
    /// Runs an ICU "write into a buffer" call, growing the buffer once if ICU asks for more.
    static func transform(
        _ source: [UInt16],
        _ call: (UnsafePointer<UInt16>?, Int32, UnsafeMutablePointer<UInt16>?, Int32, UnsafeMutablePointer<Int32>) -> Int32
    ) throws(TokenizationError) -> [UInt16] {
        if source.isEmpty { return source }
        var capacity = source.count + source.count / 2 + 16
        while true {
            var error: Int32 = 0
            var produced: Int32 = 0
            let result = [UInt16](unsafeUninitializedCapacity: capacity) { buffer, count in
                produced = source.withUnsafeBufferPointer { src in
                    call(src.baseAddress, Int32(src.count), buffer.baseAddress, Int32(capacity), &error)
                }
                count = error > 0 ? 0 : Int(produced)
            }
            if error == bufferOverflowError {
                capacity = Int(produced) + 16
                continue
            }
            if error > 0 { throw .icu(function: "transform", code: errorName(error)) }
            return result
        }
    }

    /// Normalizes UTF-16 text to NFC or NFKC (returns the input when it is already normalized).
    static func normalize(_ text: [UInt16], nfkc: Bool) throws(TokenizationError) -> [UInt16] {
        let form = nfkc ? Int32(FANYI_ICU_NFKC) : Int32(FANYI_ICU_NFC)
        let quick = text.withUnsafeBufferPointer {
            fanyi_icu_is_normalized_quick(form, $0.baseAddress, Int32($0.count))
        }
        if quick == 1 { return text }
        return try transform(text) { fanyi_icu_normalize(form, $0, $1, $2, $3, $4) }
    }

    /// Lowercases UTF-16 text with the rules of `locale` (a BCP 47 language code, "" for root).
    static func lowercase(_ text: [UInt16], locale: String) throws(TokenizationError) -> [UInt16] {
        let loc = Array(locale.utf8CString)
        return try transform(text) { src, length, dest, capacity, error in
            loc.withUnsafeBufferPointer { fanyi_icu_to_lower($0.baseAddress, src, length, dest, capacity, error) }
        }
    }

    static func errorName(_ code: Int32) -> String {
        String(cString: fanyi_icu_error_name(code))
    }

    /// ICU's U_BUFFER_OVERFLOW_ERROR.
    static let bufferOverflowError: Int32 = 15
}

/// Word or sentence segmentation: ICU's `UBRK_WORD` (with its CJK and Thai dictionaries) or
/// `UBRK_SENTENCE`.
///
/// An ICU break iterator is stateful, so a `BreakIterator` must not be shared between threads.
final class BreakIterator {
    enum Kind { case word, sentence }

    private let breaker: UnsafeMutableRawPointer
    private var boundaries: [Int32] = Array(repeating: 0, count: 256)
    private var statuses: [Int32] = Array(repeating: 0, count: 256)

    init(_ kind: Kind = .word, locale: String = "") throws(TokenizationError) {
        var error: Int32 = 0
        let opened = locale.withCString {
            kind == .word ? fanyi_icu_word_breaker_open($0, &error) : fanyi_icu_sentence_breaker_open($0, &error)
        }
        guard let opened, error <= 0 else {
            throw .icu(function: "ubrk_open", code: ICU.errorName(error))
        }
        breaker = opened
    }

    deinit { fanyi_icu_word_breaker_close(breaker) }

    /// Calls `body(start, end, ruleStatus)` for each segment of `text` (UTF-16 offsets).
    func segments(of text: [UInt16], _ body: (Int, Int, Int32) -> Void) throws(TokenizationError) {
        var count: Int32 = 0
        while true {
            var error: Int32 = 0
            let capacity = boundaries.count
            count = text.withUnsafeBufferPointer { t in
                fanyi_icu_word_boundaries(
                    breaker, t.baseAddress, Int32(t.count), &boundaries, &statuses, Int32(capacity), &error)
            }
            if error > 0 { throw .icu(function: "ubrk_setText", code: ICU.errorName(error)) }
            if Int(count) <= capacity { break }
            boundaries = Array(repeating: 0, count: Int(count))
            statuses = Array(repeating: 0, count: Int(count))
        }
        var i = 1
        while i < Int(count) {
            body(Int(boundaries[i - 1]), Int(boundaries[i]), statuses[i])
            i += 1
        }
    }
}
