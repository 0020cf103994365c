import CZip
import Foundation

/// The entries of a zip file (an OpenDocument or Office Open XML package), read whole into memory
/// and written back in the same order. Read and written by libzip.
///
/// Nothing is ever extracted to disk, so entry names (`../../etc/passwd`) are only names. A
/// package that unpacks to more than `maximumUnpackedSize` bytes, or holds more than
/// `maximumEntries` entries, is refused (a zip bomb unpacks to gigabytes from kilobytes).
struct ZipPackage {
    struct Entry {
        var name: String
        var bytes: [UInt8]
        /// Stored without compression in the source (ODF requires it of `mimetype`).
        var stored: Bool
    }

    var entries: [Entry]

    static let maximumUnpackedSize = 256 << 20
    static let maximumEntries = 10_000

    /// Reads the package in `bytes`; `maximumUnpackedSize` is lowered by tests only.
    init(bytes: [UInt8], name: String, maximumUnpackedSize: Int = Self.maximumUnpackedSize) throws(DocumentError) {
        func failure(_ message: String) -> DocumentError { .invalid(name: name, line: 0, message: message) }
        guard !bytes.isEmpty else { throw failure("empty file, not a zip package") }
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        // libzip reads the buffer in place; `copy` outlives the archive (discarded below).
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { copy.deallocate() }
        copy.copyBytes(from: bytes)
        guard let source = zip_source_buffer_create(copy.baseAddress, zip_uint64_t(bytes.count), 0, &error) else {
            throw failure("not a zip package (\(Self.message(&error)))")
        }
        guard let archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error) else {
            zip_source_free(source)
            throw failure("not a zip package (\(Self.message(&error)))")
        }
        defer { zip_discard(archive) }
        let count = zip_get_num_entries(archive, 0)
        guard count <= Self.maximumEntries else { throw failure("holds \(count) entries, more than \(Self.maximumEntries)") }
        var entries: [Entry] = []
        var unpacked = 0
        for index in 0..<zip_uint64_t(max(count, 0)) {
            var stat = zip_stat_t()
            zip_stat_init(&stat)
            guard zip_stat_index(archive, index, 0, &stat) == 0, let rawName = stat.name else {
                throw failure("entry \(index) cannot be read (\(String(cString: zip_strerror(archive))))")
            }
            let entryName = String(cString: rawName)
            guard let file = zip_fopen_index(archive, index, 0) else {
                throw failure("\(entryName): cannot be unpacked (\(String(cString: zip_strerror(archive))))")
            }
            defer { zip_fclose(file) }
            // Read to the end whatever the header declares, never past the limit.
            var data: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let read = chunk.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress, zip_uint64_t($0.count)) }
                if read < 0 { throw failure("\(entryName): cannot be unpacked (\(String(cString: zip_file_strerror(file))))") }
                if read == 0 { break }
                unpacked += Int(read)
                guard unpacked <= maximumUnpackedSize else {
                    throw failure("unpacks to more than \(maximumUnpackedSize >> 20) MiB")
                }
                data += chunk[0..<Int(read)]
            }
            let stored = stat.valid & zip_uint64_t(ZIP_STAT_COMP_METHOD) != 0 && stat.comp_method == ZIP_CM_STORE
            entries.append(Entry(name: entryName, bytes: data, stored: stored))
        }
        self.entries = entries
    }

    init(entries: [Entry]) {
        self.entries = entries
    }

    /// The entry called `name`, if there is one.
    func bytes(of name: String) -> [UInt8]? {
        entries.first { $0.name == name }?.bytes
    }

    /// The package as a zip file: entries in order, each compressed as it was.
    func serialized() -> [UInt8] {
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        guard let target = zip_source_buffer_create(nil, 0, 0, &error) else { return [] }
        zip_source_keep(target)
        defer { zip_source_free(target) }
        guard let archive = zip_open_from_source(target, ZIP_TRUNCATE, &error) else { return [] }
        for entry in entries {
            // libzip frees the copy with free() once it is written.
            let data = malloc(max(entry.bytes.count, 1))!
            entry.bytes.withUnsafeBytes { data.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            guard let source = zip_source_buffer_create(data, zip_uint64_t(entry.bytes.count), 1, &error) else {
                free(data)
                continue
            }
            let index = zip_file_add(archive, entry.name, source, zip_flags_t(ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE))
            guard index >= 0 else {
                zip_source_free(source)
                continue
            }
            zip_set_file_compression(archive, zip_uint64_t(index), entry.stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0)
        }
        guard zip_close(archive) == 0 else {
            zip_discard(archive)
            return []
        }
        guard zip_source_open(target) == 0 else { return [] }
        defer { zip_source_close(target) }
        var stat = zip_stat_t()
        zip_stat_init(&stat)
        guard zip_source_stat(target, &stat) == 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(stat.size))
        let read = out.withUnsafeMutableBytes { zip_source_read(target, $0.baseAddress, zip_uint64_t($0.count)) }
        return read == Int64(out.count) ? out : []
    }

    private static func message(_ error: inout zip_error_t) -> String {
        String(cString: zip_error_strerror(&error))
    }
}
