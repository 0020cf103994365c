/// A file cut into the pieces of text a translator sees, and put back together with their
/// translations; everything else in it comes out as it went in.
import Translation

public protocol SegmentedFile {
    /// The text to translate, in the file's order.
    var segments: [String] { get }
    /// Puts `translations[i]` in place of segment `i`; returns the indices of segments that kept
    /// their source text because their translation did not fit back into the file.
    mutating func replaceSegments(with translations: [SegmentTranslation]) -> [Int]
    /// The file's bytes, with the translations put in; an error where a library cannot write
    /// what it read (libgettextpo, libzip).
    func bytes() throws(DocumentError) -> [UInt8]
}

/// One segment's translation, and whether a person should look at it before it is used.
public struct SegmentTranslation: Sendable, Equatable {
    public var text: String
    /// Set when the translation's confidence is below the threshold asked for, or its tags were
    /// placed by rule (a PO entry is then marked `fuzzy`; other formats have nowhere to say it).
    public var needsReview: Bool

    public init(_ text: String, needsReview: Bool = false) {
        self.text = text
        self.needsReview = needsReview
    }

    /// A paragraph's best translation; it needs review when its least confident sentence
    /// (calibrated where the model has a calibration) is below `reviewBelow`, or its tags were
    /// placed by rule.
    public init(_ paragraph: ParagraphTranslation, reviewBelow: Double) {
        let best = paragraph.sentences.compactMap(\.first)
        let confidence = best.map { $0.calibratedConfidence ?? $0.confidence }.min() ?? 1
        self.init(paragraph.text, needsReview: confidence < reviewBelow || Self.placedByRule(paragraph))
    }

    /// Whether a sentence of the paragraph got its tags or placeholders by rule, not by alignment.
    public static func placedByRule(_ paragraph: ParagraphTranslation) -> Bool {
        paragraph.sentences.contains { [.appended, .mismatch].contains($0.first?.markup) }
    }
}

/// The kinds of file Fanyi translates whole.
public enum FileFormat: String, CaseIterable, Sendable {
    /// Plain text: each line is a paragraph.
    case text = "txt"
    case html, xml
    /// SubRip subtitles: each cue's text.
    case srt
    /// A gettext catalogue: untranslated entries get a translation.
    case po
    /// OpenDocument text (LibreOffice Writer).
    case odt
    /// Office Open XML word processing (Microsoft Word).
    case docx

    /// The format a file name's extension says, if Fanyi reads it.
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: ".") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "txt", "text": self = .text
        case "html", "htm", "xhtml": self = .html
        case "xml": self = .xml
        case "srt": self = .srt
        case "po", "pot": self = .po
        case "odt": self = .odt
        case "docx": self = .docx
        default: return nil
        }
    }

    /// File name extensions as LibreTranslate lists them (`.txt`, …).
    public var fileExtension: String { "." + rawValue }

    /// Reads `bytes` as a file of this format; `name` names it in errors.
    public func open(_ bytes: [UInt8], name: String) throws(DocumentError) -> any SegmentedFile {
        switch self {
        case .text: return try PlainTextDocument(bytes, name: name)
        case .html, .xml: return try MarkupDocument(Self.utf8(bytes, name: name, format: self), format: self == .html ? .html : .xml, name: name)
        case .srt: return try SubtitleDocument(Self.utf8(bytes, name: name, format: self), name: name)
        case .po: return try POCatalog(bytes, name: name)
        case .odt: return try OfficeDocument(bytes, kind: .openDocument, name: name)
        case .docx: return try OfficeDocument(bytes, kind: .word, name: name)
        }
    }

    /// `bytes` as text, without a byte-order mark; anything but UTF-8 is an error.
    static func utf8(_ bytes: [UInt8], name: String, format: FileFormat) throws(DocumentError) -> String {
        guard var text = String(validating: bytes, as: UTF8.self) else {
            throw .invalid(name: name, line: 0, message: "not UTF-8; \(format.rawValue) files are read as UTF-8 (iconv -t UTF-8 converts)")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text
    }
}

extension MarkupDocument: SegmentedFile {
    public func replaceSegments(with translations: [SegmentTranslation]) -> [Int] {
        replaceSegments(with: translations.map(\.text))
    }

    public func bytes() throws(DocumentError) -> [UInt8] { Array(serialized().utf8) }
}
