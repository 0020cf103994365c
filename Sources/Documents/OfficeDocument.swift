/// An OpenDocument text (`.odt`) or Office Open XML document (`.docx`): a zip package whose XML
/// parts hold the text. The parts with text are translated (`MarkupDocument` with the format's
/// `XMLDialect`); every other entry (styles without text, images, the manifest) is copied as it
/// is, in the same order and compression.
public final class OfficeDocument: SegmentedFile {
    public enum Kind: Sendable {
        case openDocument, word

        var dialect: XMLDialect { self == .openDocument ? .openDocument : .wordprocessing }

        /// Whether a package entry holds text to translate.
        func translates(_ entry: String) -> Bool {
            switch self {
            case .openDocument:
                return entry == "content.xml" || entry == "styles.xml"
            case .word:
                guard entry.hasPrefix("word/"), entry.hasSuffix(".xml"), !entry.dropFirst(5).contains("/") else { return false }
                let stem = entry.dropFirst(5).dropLast(4)
                return ["document", "footnotes", "endnotes", "comments"].contains(String(stem))
                    || ((stem.hasPrefix("header") || stem.hasPrefix("footer")) && stem.dropFirst(6).allSatisfy(\.isNumber))
            }
        }
    }

    private var package: ZipPackage
    private let name: String
    /// The translated parts: their entry index and their document.
    private var parts: [(entry: Int, document: MarkupDocument)] = []

    public init(_ bytes: [UInt8], kind: Kind, name: String) throws(DocumentError) {
        self.name = name
        package = try ZipPackage(bytes: bytes, name: name)
        switch kind {
        case .openDocument:
            guard let mimetype = package.bytes(of: "mimetype").map({ String(decoding: $0, as: UTF8.self) }),
                  mimetype.hasPrefix("application/vnd.oasis.opendocument.") else {
                throw .invalid(name: name, line: 0, message: "not an OpenDocument file (no mimetype entry)")
            }
            guard package.bytes(of: "content.xml") != nil else { throw .invalid(name: name, line: 0, message: "no content.xml") }
        case .word:
            guard package.bytes(of: "word/document.xml") != nil else {
                throw .invalid(name: name, line: 0, message: "not a Word document (no word/document.xml)")
            }
        }
        for (index, entry) in package.entries.enumerated() where kind.translates(entry.name) {
            let partName = "\(name): \(entry.name)"
            let text = try FileFormat.utf8(entry.bytes, name: partName, format: .xml)
            parts.append((index, try MarkupDocument(text, format: .xml, dialect: kind.dialect, name: partName)))
        }
    }

    public var segments: [String] { parts.flatMap(\.document.segments) }

    public func replaceSegments(with translations: [SegmentTranslation]) -> [Int] {
        var refused: [Int] = []
        var offset = 0
        for part in parts {
            let count = part.document.segments.count
            let slice = Array(translations[offset..<offset + count])
            refused += part.document.replaceSegments(with: slice.map(\.text)).map { $0 + offset }
            offset += count
        }
        precondition(offset == translations.count, "one translation per segment")
        return refused
    }

    public func bytes() throws(DocumentError) -> [UInt8] {
        var package = package
        for part in parts { package.entries[part.entry].bytes = Array(part.document.serialized().utf8) }
        let bytes = package.serialized()
        guard !bytes.isEmpty else { throw .invalid(name: name, line: 0, message: "libzip could not write the package") }
        return bytes
    }
}
