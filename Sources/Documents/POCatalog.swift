import CGettextPO
import Foundation

/// A gettext catalogue (`.po`, `.pot`), read and written by GNU gettext's own library.
///
/// Segments are the `msgid` (and `msgid_plural`) of every entry that has no translation yet;
/// entries already translated, obsolete entries and the header are left as they are. A
/// translation fills `msgstr`, or every `msgstr[i]` of a plural entry (`msgstr[0]` from the
/// singular, the others from the plural; a language with one form, as the header's
/// `Plural-Forms` says, gets the plural). A translation that needs review is marked `fuzzy`, as
/// msgmerge marks a guess. Comments, references, flags and contexts are kept; the file is
/// written back by libgettextpo, which wraps long strings as msgcat does.
public final class POCatalog: SegmentedFile {
    private let file: po_file_t
    private let name: String
    /// Untranslated entries and where their segments start.
    private var entries: [(message: po_message_t, plural: Bool)] = []
    private var pluralForms = 2

    /// libgettextpo keeps its error handler in globals.
    private static let lock = NSLock()

    public init(_ bytes: [UInt8], name: String) throws(DocumentError) {
        self.name = name
        // A NUL byte would cut a string short where libgettextpo reads it: two entries could then
        // share a msgid, which its writer does not survive (found by fuzzing).
        if let offset = bytes.firstIndex(of: 0) {
            let line = bytes[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw .invalid(name: name, line: line, message: "a NUL byte; PO files are text")
        }
        // libgettextpo reads files: the bytes go through a private temporary one.
        let path = Self.temporaryPath()
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw .invalid(name: name, line: 0, message: "cannot write a temporary copy to \(path)")
        }
        var message = [CChar](repeating: 0, count: 512)
        var line = 0
        let file: po_file_t? = Self.lock.withLock { fanyi_po_read(path, &message, message.count, &line) }
        guard let file else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .invalid(name: name, line: line, message: text.replacingOccurrences(of: path, with: name))
        }
        self.file = file
        let header = po_file_domain_header(file, nil).map { String(cString: $0) } ?? ""
        let charset = Self.field("Content-Type", in: header).flatMap(Self.charset)
        if let charset, !["utf-8", "utf8", "ascii", "us-ascii", "charset"].contains(charset.lowercased()) {
            throw .invalid(name: name, line: 0, message: "charset \(charset); PO files are read as UTF-8 (msgconv --to-code=UTF-8 converts)")
        }
        // A template says charset=CHARSET, or nothing: the translations written into it are UTF-8,
        // and libgettextpo writes them only if the header says so.
        if charset.map({ $0.lowercased() != "utf-8" && $0.lowercased() != "utf8" }) ?? true { declareUTF8(header: header) }
        if let forms = Self.field("Plural-Forms", in: header), let range = forms.range(of: "nplurals=") {
            let digits = forms[range.upperBound...].prefix(while: \.isNumber)
            if let count = Int(digits), (1...6).contains(count) { pluralForms = count }
        }
        try collect()
    }

    deinit { po_file_free(file) }

    /// Sets the header's Content-Type to UTF-8, adding a header entry if there is none.
    private func declareUTF8(header: String) {
        guard let iterator = po_message_iterator(file, nil) else { return }
        defer { po_message_iterator_free(iterator) }
        let contentType = "text/plain; charset=UTF-8"
        if let first = po_next_message(iterator), let id = po_message_msgid(first), id.pointee == 0, po_message_msgctxt(first) == nil {
            guard let updated = po_header_set_field(header, "Content-Type", contentType) else { return }
            po_message_set_msgstr(first, updated)
            free(updated)
            return
        }
        // No header: one goes first (po_message_insert puts it before the iterator's position),
        // unless an entry already has the header's empty msgid (libgettextpo aborts on a second).
        while let message = po_next_message(iterator) {
            if let id = po_message_msgid(message), id.pointee == 0, po_message_msgctxt(message) == nil { return }
        }
        guard let fresh = po_message_iterator(file, nil), let message = po_message_create() else { return }
        defer { po_message_iterator_free(fresh) }
        po_message_set_msgid(message, "")
        po_message_set_msgstr(message, "Content-Type: \(contentType)\n")
        po_message_insert(fresh, message)
    }

    private func collect() throws(DocumentError) {
        guard let domains = po_file_domains(file) else { return }
        var index = 0
        while let domain = domains[index] {
            index += 1
            guard let iterator = po_message_iterator(file, domain) else { continue }
            defer { po_message_iterator_free(iterator) }
            while let message = po_next_message(iterator) {
                try checkUTF8(message)
                guard po_message_is_obsolete(message) == 0, let id = po_message_msgid(message), id.pointee != 0 else { continue }
                let plural = po_message_msgid_plural(message) != nil
                if plural {
                    let translated = (0..<pluralForms).contains { po_message_msgstr_plural(message, Int32($0)).map { $0.pointee != 0 } ?? false }
                    if !translated { entries.append((message, true)) }
                } else if po_message_msgstr(message).map({ $0.pointee == 0 }) ?? true {
                    entries.append((message, false))
                }
            }
        }
    }

    /// Every string of an entry must be UTF-8: libgettextpo's writer aborts the process on a
    /// broken sequence in a catalogue that declares UTF-8 (found by fuzzing).
    private func checkUTF8(_ message: po_message_t) throws(DocumentError) {
        var strings: [UnsafePointer<CChar>?] = [
            po_message_msgctxt(message), po_message_msgid(message), po_message_msgid_plural(message), po_message_msgstr(message),
            po_message_comments(message), po_message_extracted_comments(message), po_message_prev_msgctxt(message),
            po_message_prev_msgid(message), po_message_prev_msgid_plural(message),
        ]
        var form: Int32 = 0
        while let plural = po_message_msgstr_plural(message, form) {
            strings.append(plural)
            form += 1
        }
        var position: Int32 = 0
        while let filepos = po_message_filepos(message, position) {
            strings.append(po_filepos_file(filepos))
            position += 1
        }
        for case let string? in strings where String(validatingCString: string) == nil {
            let id = po_message_msgid(message).map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? ""
            throw .invalid(name: name, line: 0, message: "the entry \"\(id.prefix(40))\" is not valid UTF-8")
        }
    }

    public var segments: [String] {
        entries.flatMap { entry in
            [String(cString: po_message_msgid(entry.message))]
                + (entry.plural ? [String(cString: po_message_msgid_plural(entry.message))] : [])
        }
    }

    public func replaceSegments(with translations: [SegmentTranslation]) -> [Int] {
        var rest = translations[...]
        for entry in entries {
            let singular = rest.removeFirst()
            var review = singular.needsReview
            if entry.plural {
                let plural = rest.removeFirst()
                review = review || plural.needsReview
                for form in 0..<pluralForms {
                    let text = form == 0 && pluralForms > 1 ? singular.text : plural.text
                    po_message_set_msgstr_plural(entry.message, Int32(form), text)
                }
            } else {
                po_message_set_msgstr(entry.message, singular.text)
            }
            if review { po_message_set_fuzzy(entry.message, 1) }
        }
        precondition(rest.isEmpty, "one translation per segment")
        entries = []
        return []
    }

    public func bytes() throws(DocumentError) -> [UInt8] {
        let path = Self.temporaryPath()
        defer { unlink(path) }
        var message = [CChar](repeating: 0, count: 512)
        let status = Self.lock.withLock { fanyi_po_write(file, path, &message, message.count) }
        guard status == 0, let data = FileManager.default.contents(atPath: path) else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .invalid(name: name, line: 0, message: "libgettextpo cannot write it back: \(text.isEmpty ? "unknown error" : text)")
        }
        return [UInt8](data)
    }

    private static func temporaryPath() -> String {
        NSTemporaryDirectory() + "/fanyi-\(UUID().uuidString).po"
    }

    /// A header field's value (`Content-Type: text/plain; charset=UTF-8`).
    private static func field(_ field: String, in header: String) -> String? {
        header.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            .map { $0.dropFirst(field.count + 1).trimmingWhitespace }
    }

    private static func charset(_ contentType: String) -> String? {
        contentType.range(of: "charset=").map { String(contentType[$0.upperBound...].prefix { !$0.isWhitespace && $0 != ";" }) }
    }
}
