import Foundation

/// Translated files waiting to be downloaded (`POST /translate_file` → `GET /download_file/NAME`).
///
/// Each file lives in one folder under a name no one can guess (a random UUID before the original
/// name) for `lifetime` seconds; when the folder would hold more than `capacity` bytes, the oldest
/// files go first. Names asked for are checked against the folder's own listing, never joined
/// into a path as they come (`../` gets nowhere).
public final class FileStore: @unchecked Sendable {
    public let directory: URL
    public let lifetime: Double
    public let capacity: Int
    /// Files saved and not yet removed, oldest first.
    private var files: [(name: String, size: Int, saved: Date)] = []
    private let lock = NSLock()

    /// Uses `directory` (created if missing, emptied of earlier files of a store) or a fresh
    /// temporary folder.
    public init(directory: String? = nil, lifetime: Double = 3600, capacity: Int = 256 << 20) throws {
        let url = directory.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fanyi-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in try FileManager.default.contentsOfDirectory(atPath: url.path) where Self.isStoreName(name) {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }
        self.directory = url
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Saves `bytes` as a translation of the file called `fileName` into `language`; returns the
    /// name to download it by.
    public func save(_ bytes: [UInt8], fileName: String, language: String, now: Date = Date()) throws(ServiceError) -> String {
        guard bytes.count <= capacity else {
            throw .tooLarge("the translated file has \(bytes.count) bytes; the server keeps at most \(capacity) (--files-capacity)")
        }
        let name = UUID().uuidString.lowercased() + "." + Self.downloadName(fileName, language: language)
        lock.lock()
        defer { lock.unlock() }
        sweep(now: now, room: bytes.count)
        do { try Data(bytes).write(to: directory.appendingPathComponent(name)) } catch {
            throw .internalError("cannot keep the translated file: \(error.localizedDescription)")
        }
        files.append((name, bytes.count, now))
        return name
    }

    /// The file saved as `name`, while it is kept.
    public func load(_ name: String, now: Date = Date()) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        sweep(now: now, room: 0)
        guard files.contains(where: { $0.name == name }),
              let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
        return [UInt8](data)
    }

    /// Removes expired files, then the oldest until `room` more bytes fit.
    private func sweep(now: Date, room: Int) {
        var total = files.reduce(0) { $0 + $1.size }
        while let oldest = files.first, now.timeIntervalSince(oldest.saved) > lifetime || total + room > capacity {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(oldest.name))
            total -= oldest.size
            files.removeFirst()
        }
    }

    /// `help.odt` into `zh` → `help.zh.odt`, with only letters, digits, `.`, `-` and `_` kept.
    static func downloadName(_ fileName: String, language: String) -> String {
        let base = fileName.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "file"
        let safe = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" }.suffix(100))
        guard let dot = safe.lastIndex(of: "."), dot != safe.startIndex else { return safe + "." + language }
        return safe[..<dot] + "." + language + safe[dot...]
    }

    static func isStoreName(_ name: String) -> Bool {
        name.count > 37 && UUID(uuidString: String(name.prefix(36))) != nil && name.dropFirst(36).first == "."
    }
}
