import Translation

/// An HTML or XML document translated: the text, and what a translator should check.
public struct DocumentTranslation: Sendable {
    /// The translated document.
    public var text: String
    /// Pieces of text translated (see `MarkupDocument`).
    public var segments: Int
    /// Segments whose tags or placeholders were placed by rule rather than by alignment.
    public var flagged: [Int]
    /// Segments left in the source language: their translation did not parse back.
    public var untranslated: [Int]
}

extension Translator {
    /// Translates the text of an HTML or XML document, sentence by sentence, in batches; tags
    /// inside a segment move with the words they hold (markup protection is on whatever
    /// `options.protectMarkup` says: without it, tags would reach the model as words).
    public func translate(document text: String, format: MarkupDocument.Format, name: String = "input") throws -> DocumentTranslation {
        let document = try MarkupDocument(text, format: format, name: name)
        let segments = document.segments
        let saved = options.protectMarkup
        options.protectMarkup = true
        defer { options.protectMarkup = saved }
        let translations = try translateParagraphs(segments)
        let flagged = translations.indices.filter { index in
            translations[index].sentences.contains { [.appended, .mismatch].contains($0.first?.markup) }
        }
        let untranslated = document.replaceSegments(with: translations.map(\.text))
        return DocumentTranslation(text: document.serialized(), segments: segments.count, flagged: flagged, untranslated: untranslated)
    }
}
