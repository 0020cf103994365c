import Foundation

/// A POST body as LibreTranslate takes it: JSON, `application/x-www-form-urlencoded` (what
/// `libretranslatepy`, curl's `-d` and HTML forms send) or `multipart/form-data` (uploads).
/// Form fields become the JSON object the routes decode, so that a form and a JSON body with the
/// same fields get the same answer.
public enum FormBody {
    /// One field of a form: its name, value and, for an uploaded file, its file name and type.
    public struct Field: Equatable, Sendable {
        public var name: String
        public var value: [UInt8]
        public var filename: String? = nil
        public var contentType: String? = nil

        public var text: String? { String(validating: value, as: UTF8.self) }
    }

    /// Most parts one multipart body may have.
    static let maximumParts = 1000

    /// The body as JSON: passed through when it is JSON, converted when it is a form.
    /// `numbers`, `flags` and `objects` name the fields whose values are not strings.
    public static func json(_ body: [UInt8], contentType: String?, numbers: Set<String> = [], flags: Set<String> = [],
                     objects: Set<String> = [], repeatable: Set<String> = []) throws(ServiceError) -> Data {
        let fields: [Field]
        switch mediaType(contentType) {
        case "application/json":
            return Data(body)
        case "application/x-www-form-urlencoded":
            fields = try urlEncoded(body)
        case "multipart/form-data":
            fields = try multipart(body, contentType: contentType ?? "")
        case nil:
            // No type given: JSON if it looks like it (curl -d '{…}'), else a form (curl -d 'q=…').
            if let first = body.first(where: { !" \t\r\n".utf8.contains($0) }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                return Data(body)
            }
            fields = try urlEncoded(body)
        case let other?:
            throw .badRequest("Content-Type \(other) is not read; send application/json, application/x-www-form-urlencoded or multipart/form-data")
        }
        return try object(fields, numbers: numbers, flags: flags, objects: objects, repeatable: repeatable)
    }

    /// The JSON object of form fields: strings, with the named fields as numbers, booleans or
    /// JSON objects; a field given twice becomes an array when it may be one (`q`).
    static func object(_ fields: [Field], numbers: Set<String>, flags: Set<String>, objects: Set<String>,
                       repeatable: Set<String>) throws(ServiceError) -> Data {
        var values: [String: Any] = [:]
        for field in fields where field.filename == nil {
            guard let text = field.text else { throw .badRequest("field \"\(field.name)\" is not valid UTF-8") }
            let value: Any
            if numbers.contains(field.name) {
                guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    throw .badRequest("field \"\(field.name)\": \"\(text.prefix(40))\" is not a whole number")
                }
                value = number
            } else if flags.contains(field.name) {
                switch text.lowercased() {
                case "true", "1", "on", "yes": value = true
                case "false", "0", "off", "no", "": value = false
                default: throw .badRequest("field \"\(field.name)\": \"\(text.prefix(40))\" is not true or false")
                }
            } else if objects.contains(field.name) {
                guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)), parsed is [String: Any] else {
                    throw .badRequest("field \"\(field.name)\" is not a JSON object")
                }
                value = parsed
            } else {
                value = text
            }
            if let earlier = values[field.name] {
                guard repeatable.contains(field.name) else { continue }  // the first one counts, as in LibreTranslate
                values[field.name] = (earlier as? [Any] ?? [earlier]) + [value]
            } else {
                values[field.name] = value
            }
        }
        do { return try JSONSerialization.data(withJSONObject: values) } catch {
            throw .badRequest("the form's fields do not make a request")
        }
    }

    /// `type/subtype` of a Content-Type header, lowercased, without its parameters.
    static func mediaType(_ contentType: String?) -> String? {
        guard let contentType, let type = contentType.split(separator: ";").first else { return nil }
        let trimmed = type.trimmingCharacters(in: .whitespaces).lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// `name=value&…`, `+` for space, `%XX` escapes.
    public static func urlEncoded(_ body: [UInt8]) throws(ServiceError) -> [Field] {
        guard let text = String(validating: body, as: UTF8.self) else { throw .badRequest("the request body is not valid UTF-8") }
        var fields: [Field] = []
        for (index, pair) in text.split(separator: "&", omittingEmptySubsequences: true).enumerated() {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ s: Substring) throws(ServiceError) -> String {
                guard let value = s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw .badRequest("form field \(index + 1) has a broken %-escape")
                }
                return value
            }
            let name = try decoded(parts[0])
            let value = parts.count > 1 ? try decoded(parts[1]) : ""
            fields.append(Field(name: name, value: Array(value.utf8)))
        }
        return fields
    }

    /// RFC 7578: parts between `--boundary` lines, each with a Content-Disposition naming it.
    public static func multipart(_ body: [UInt8], contentType: String) throws(ServiceError) -> [Field] {
        guard let boundary = parameter("boundary", in: contentType), !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw .badRequest("multipart/form-data without a boundary in its Content-Type")
        }
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard var position = find(delimiter, in: body, from: 0) else {
            throw .badRequest("the multipart body has no \"--\(boundary)\" line")
        }
        position += delimiter.count
        var fields: [Field] = []
        while true {
            // After a delimiter: "--" ends the body, a line break starts a part.
            if body[position...].starts(with: Array("--".utf8)) { return fields }
            guard body[position...].starts(with: Array("\r\n".utf8)) else {
                throw .badRequest("the multipart body is malformed after a boundary line")
            }
            position += 2
            guard fields.count < maximumParts else { throw .badRequest("the multipart body has over \(maximumParts) parts") }
            // A part without headers starts with the blank line itself.
            let blank = body[position...].starts(with: Array("\r\n".utf8))
            guard let headerEnd = blank ? position - 2 : find(Array("\r\n\r\n".utf8), in: body, from: position) else {
                throw .badRequest("part \(fields.count + 1) of the multipart body has no end to its headers")
            }
            guard let next = find(separator, in: body, from: headerEnd + 4) else {
                throw .badRequest("the multipart body ends before its closing boundary (truncated?)")
            }
            guard let headers = String(validating: body[position..<max(position, headerEnd)], as: UTF8.self) else {
                throw .badRequest("part \(fields.count + 1) has headers that are not UTF-8")
            }
            var field = Field(name: "", value: Array(body[(headerEnd + 4)..<next]))
            for line in headers.split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { continue }
                switch pair[0].trimmingCharacters(in: .whitespaces).lowercased() {
                case "content-disposition":
                    let disposition = String(pair[1])
                    field.name = parameter("name", in: disposition) ?? ""
                    field.filename = parameter("filename", in: disposition)
                case "content-type":
                    field.contentType = pair[1].trimmingCharacters(in: .whitespaces)
                default:
                    break
                }
            }
            guard !field.name.isEmpty else {
                throw .badRequest("part \(fields.count + 1) of the multipart body has no name in its Content-Disposition")
            }
            fields.append(field)
            position = next + separator.count
            guard position < body.count else { throw .badRequest("the multipart body ends before its closing boundary (truncated?)") }
        }
    }

    /// `key=value` or `key="value"` among a header's `;`-separated parameters.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            return value
        }
        return nil
    }

    /// Where `needle` first starts in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
