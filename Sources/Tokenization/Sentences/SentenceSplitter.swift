/// Splits text into sentences with ICU's sentence-break rules and keeps everything between them
/// (spaces, line breaks), so that translated sentences can be joined back into the same layout.
///
/// ```swift
/// let parts = try SentenceSplitter().split("Open it. Then close it.\n\nDone.")
/// // [.sentence("Open it."), .layout(" "), .sentence("Then close it."), .layout("\n\n"), .sentence("Done.")]
/// ```
///
/// Not thread-safe (an ICU break iterator is stateful): one per thread.
public final class SentenceSplitter {
    /// A piece of the text: a sentence to translate, or the spacing around sentences, copied as it is.
    public enum Part: Equatable, Sendable {
        case sentence(String)
        case layout(String)
    }

    private let breaker: BreakIterator

    public init() throws(TokenizationError) {
        breaker = try BreakIterator(.sentence, locale: "")
    }

    /// The text's sentences and layout, in order; joining their strings gives the text back.
    public func split(_ text: String) throws(TokenizationError) -> [Part] {
        let utf16 = Array(text.utf16)
        var parts: [Part] = []
        func layout(_ scalars: Substring.UnicodeScalarView) {
            guard !scalars.isEmpty else { return }
            if case .layout(let previous)? = parts.last {
                parts[parts.count - 1] = .layout(previous + String(scalars))
            } else {
                parts.append(.layout(String(scalars)))
            }
        }
        try breaker.segments(of: utf16) { start, end, _ in
            let lower = String.Index(utf16Offset: start, in: text), upper = String.Index(utf16Offset: end, in: text)
            let segment = text.unicodeScalars[lower..<upper]
            // ICU's segment carries the spaces and line breaks that follow a sentence.
            guard let first = segment.firstIndex(where: { !$0.properties.isWhitespace }),
                  let last = segment.lastIndex(where: { !$0.properties.isWhitespace }) else {
                return layout(segment)
            }
            layout(segment[segment.startIndex..<first])
            parts.append(.sentence(String(segment[first...last])))
            layout(segment[segment.index(after: last)...])
        }
        return parts
    }

    /// Joins parts back into text, each sentence replaced by `translate(sentence)`.
    public static func join(_ parts: [Part], _ translate: (String) throws -> String) rethrows -> String {
        var text = ""
        for part in parts {
            switch part {
            case .sentence(let sentence): text += try translate(sentence)
            case .layout(let layout): text += layout
            }
        }
        return text
    }
}

extension [SentenceSplitter.Part] {
    /// The sentences among the parts, in order.
    public var sentences: [String] {
        compactMap { if case .sentence(let sentence) = $0 { sentence } else { nil } }
    }
}
