import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import Serving

/// `POST /translate_file` and `GET /download_file/NAME`, as LibreTranslate's page and clients use them.
@Suite(.serialized) struct FileTranslationRoutesTests {
    static let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=XyZ"]

    /// The path of a `translatedFileUrl`.
    static func path(_ url: String) -> String {
        URL(string: url)?.path ?? url
    }

    @Test func uploadTranslateAndDownload() async throws {
        let store = try FileStore()
        let (service, metrics) = try makeService(store: store)
        defer { service.shutdown() }
        let po = "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\n#, c-format\nmsgid \"Select the cell range.\"\nmsgstr \"\"\n"
        try await makeApplication(service, metrics).test(.router) { client in
            var url = ""
            try await client.execute(uri: "/translate_file", method: .post, headers: Self.headers,
                                     body: multipart([("source", "auto"), ("target", "zh"), ("api_key", "x")], file: ("ui strings.po", Array(po.utf8)))) { response in
                let answer = object(response.body)
                #expect(response.status == .ok, "\(errorMessage(response.body))")
                url = answer["translatedFileUrl"] as? String ?? ""
                #expect(url.contains("/download_file/") && url.hasSuffix(".ui_strings.zh.po"), "\(url)")
                #expect((answer["detectedLanguage"] as? [String: Any])?["language"] as? String == "en")
            }
            try await client.execute(uri: Self.path(url), method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .ok && response.headers[.contentDisposition] == "attachment; filename=\"ui_strings.zh.po\"")
                #expect(text.contains("msgid \"Select the cell range.\"\nmsgstr \"选择"), "\(text)")
            }
            let docx = [UInt8](try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Tests/DocumentsTests/Fixtures/help.docx")))
            try await client.execute(uri: "/translate_file", method: .post, headers: Self.headers,
                                     body: multipart([("source", "en"), ("target", "zh")], file: ("help.docx", docx))) { response in
                url = object(response.body)["translatedFileUrl"] as? String ?? ""
                #expect(response.status == .ok && url.hasSuffix(".help.zh.docx"))
            }
            try await client.execute(uri: Self.path(url), method: .get) { response in
                #expect(response.status == .ok && response.body.readableBytes > 1000)
                #expect(response.headers[.contentType] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            try await client.execute(uri: "/frontend/settings", method: .get) { response in
                let settings = object(response.body)
                #expect(settings["filesTranslation"] as? Bool == true)
                #expect(settings["supportedFilesFormat"] as? [String] == [".txt", ".html", ".xml", ".srt", ".po", ".odt", ".docx"])
            }
        }
    }

    @Test func badUploadsAreJSONErrors() async throws {
        var limits = TranslationService.Limits()
        limits.fileBytes = 10_000
        let (service, metrics) = try makeService(limits: limits, store: try FileStore())
        defer { service.shutdown() }
        let cases: [(ByteBuffer, HTTPFields, HTTPResponse.Status, String)] = [
            (multipart([("source", "en"), ("target", "zh")], file: ("notes.pdf", [1, 2, 3])), Self.headers, .badRequest, "files of this type are not translated"),
            (multipart([("source", "en"), ("target", "zh")], file: ("broken.docx", Array("PK garbage".utf8))), Self.headers, .badRequest, "broken.docx: not a zip package"),
            (multipart([("source", "en"), ("target", "zh")], file: ("bad.po", Array("msgid \"a\nmsgstr \"\"\n".utf8))), Self.headers, .badRequest, "bad.po:2: end-of-line within string"),
            (multipart([("source", "en"), ("target", "zh")], file: nil), Self.headers, .badRequest, "missing field \"file\""),
            (multipart([("target", "zh")], file: ("a.txt", Array("Hello.".utf8))), Self.headers, .badRequest, "missing field \"source\""),
            (multipart([("source", "en"), ("target", "de")], file: ("a.txt", Array("Hello.".utf8))), Self.headers, .badRequest, "no model translates en → de"),
            (ByteBuffer(string: "source=en&target=zh"), [.contentType: "application/x-www-form-urlencoded"], .badRequest, "multipart/form-data"),
            (multipart([("source", "en"), ("target", "zh")], file: ("big.txt", [UInt8](repeating: 0x41, count: 20_000))), Self.headers, .contentTooLarge, "at most 10000 (--file-limit)"),
            (ByteBuffer(string: "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhalf"), Self.headers, .badRequest, "truncated"),
        ]
        try await makeApplication(service, metrics).test(.router) { client in
            for (requestBody, headers, status, message) in cases {
                try await client.execute(uri: "/translate_file", method: .post, headers: headers, body: requestBody) { response in
                    #expect(response.status == status && errorMessage(response.body).contains(message), "\(message): \(response.status) \(errorMessage(response.body))")
                }
            }
            for path in ["/download_file/nothing.txt", "/download_file/..%2F..%2Fetc%2Fpasswd", "/download_file/00000000-0000-0000-0000-000000000000.a.zh.txt"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound && errorMessage(response.body).contains("no such file"), "\(path)")
                }
            }
            // Still serving.
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Click OK.", "source": "en", "target": "zh"}"#)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// A file that takes longer than the request timeout is answered with its job (202), whose
    /// URL says how far it is and, when done, where the file is.
    @Test func longFilesBecomeJobs() async throws {
        var limits = TranslationService.Limits()
        limits.timeout = 0.05
        limits.fileChunk = 8
        let (service, metrics) = try makeService(limits: limits, files: [englishChinese], store: try FileStore())
        defer { service.shutdown() }
        let text = (0..<20).map { "Select the cell range number \($0). Then click OK." }.joined(separator: "\n")
        try await makeApplication(service, metrics).test(.router) { client in
            var job = ""
            try await client.execute(uri: "/translate_file", method: .post, headers: Self.headers,
                                     body: multipart([("source", "en"), ("target", "zh")], file: ("long.txt", Array(text.utf8)))) { response in
                let answer = object(response.body)
                #expect(response.status == .accepted, "\(answer)")
                #expect(answer["status"] as? String == "running")
                job = Self.path(answer["jobUrl"] as? String ?? "")
            }
            #expect(job.hasPrefix("/translate_file/jobs/"))
            var answer: [String: Any] = [:]
            var progress: Set<Int> = []
            for _ in 0..<600 {
                try await client.execute(uri: job, method: .get) { response in
                    #expect(response.status == .ok)
                    answer = object(response.body)
                }
                if let done = answer["done"] as? Int, answer["status"] as? String == "running" { progress.insert(done) }
                if answer["status"] as? String == "done" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(answer["status"] as? String == "done", "\(answer)")
            #expect(progress.contains { $0 > 0 && $0 < 40 }, "progress seen: \(progress.sorted())")
            let url = answer["translatedFileUrl"] as? String ?? ""
            try await client.execute(uri: Self.path(url), method: .get) { response in
                let lines = String(buffer: response.body).split(separator: "\n")
                #expect(response.status == .ok && lines.count == 20 && lines.allSatisfy { $0.contains("单元格") })
            }
            try await client.execute(uri: "/translate_file/jobs/unknown", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"fanyi_files_translated_total{format="txt"} 1"#) && text.contains("fanyi_file_jobs_running 0"), "\(text)")
            }
        }
    }

    @Test func concurrentUploadsAllComeBack() async throws {
        let (service, metrics) = try makeService(files: [englishChinese], store: try FileStore())
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            let names = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await client.execute(uri: "/translate_file", method: .post, headers: Self.headers,
                                                 body: multipart([("source", "en"), ("target", "zh")],
                                                                 file: ("f\(index).txt", Array("Click OK.\nSelect the cell range.\n".utf8)))) { response in
                            object(response.body)["translatedFileUrl"] as? String ?? "status \(response.status)"
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(names).count == 8 && names.allSatisfy { $0.contains("/download_file/") }, "\(names)")
            for name in names {
                try await client.execute(uri: Self.path(name), method: .get) { response in
                    #expect(response.status == .ok && String(buffer: response.body).contains("确定"))
                }
            }
        }
    }

    @Test func withoutAStoreFilesAreOff() async throws {
        let (service, metrics) = try makeService(files: [englishChinese])
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate_file", method: .post, headers: Self.headers,
                                     body: multipart([("source", "en"), ("target", "zh")], file: ("a.txt", Array("Hello.".utf8)))) { response in
                #expect(response.status == .badRequest && errorMessage(response.body).contains("file translation is off"))
            }
        }
    }
}

/// Translated files are kept for a time and a space, then removed.
@Suite struct FileStoreTests {
    @Test func filesExpireAndTheOldestGoFirst() throws {
        let store = try FileStore(lifetime: 60, capacity: 100)
        let start = Date()
        let first = try store.save([UInt8](repeating: 1, count: 40), fileName: "a.txt", language: "zh", now: start)
        let second = try store.save([UInt8](repeating: 2, count: 40), fileName: "dir/b c.po", language: "de", now: start)
        #expect(second.hasSuffix(".b_c.de.po") && FileStore.isStoreName(second))
        #expect(store.load(first, now: start)?.count == 40)
        // A third file does not fit beside both: the oldest goes.
        let third = try store.save([UInt8](repeating: 3, count: 40), fileName: "c", language: "zh", now: start + 1)
        #expect(third.hasSuffix(".c.zh"))
        #expect(store.load(first, now: start + 1) == nil && store.load(second, now: start + 1) != nil)
        // After the lifetime, none.
        #expect(store.load(third, now: start + 120) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path).isEmpty)
        #expect(throws: ServiceError.self) { try store.save([UInt8](repeating: 0, count: 101), fileName: "big.txt", language: "zh") }
        #expect(store.load("../\(third)") == nil)
    }
}
