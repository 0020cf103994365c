import Translation

/// A file translated: its bytes, and what a translator should check.
public struct DocumentTranslation: Sendable {
    /// The translated file.
    public var bytes: [UInt8]
    /// Pieces of text translated (see each format's type).
    public var segments: Int
    /// Segments whose tags or placeholders were placed by rule rather than by alignment.
    public var flagged: [Int]
    /// Segments left in the source language: their translation did not fit back into the file.
    public var untranslated: [Int]
    /// Segments whose confidence is below the threshold asked for (a PO file marks them `fuzzy`).
    public var needingReview: [Int]

    /// The translated file as text (for the text formats).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

extension Translator {
    /// Translates a whole file, its segments in batches; tags inside a segment move with the words
    /// they hold (markup protection is on whatever `options.protectMarkup` says: without it, tags
    /// would reach the model as words). Which segments need review: `SegmentTranslation`.
    public func translate(file bytes: [UInt8], format: FileFormat, name: String = "input",
                          reviewBelow: Double = 0.5) throws -> DocumentTranslation {
        var file = try format.open(bytes, name: name)
        let segments = file.segments
        let saved = options.protectMarkup
        options.protectMarkup = true
        defer { options.protectMarkup = saved }
        let translations = try translateParagraphs(segments)
        let reviewed = translations.map { SegmentTranslation($0, reviewBelow: reviewBelow) }
        let untranslated = file.replaceSegments(with: reviewed)
        return DocumentTranslation(bytes: try file.bytes(), segments: segments.count,
                                   flagged: translations.indices.filter { SegmentTranslation.placedByRule(translations[$0]) },
                                   untranslated: untranslated, needingReview: reviewed.indices.filter { reviewed[$0].needsReview })
    }
}
