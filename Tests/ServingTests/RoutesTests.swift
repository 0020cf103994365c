import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import Serving

/// Every route and every error, through Hummingbird's router (no socket), with both shipped models.
@Suite(.serialized) struct RoutesTests {
    @Test func translatesOneTextAndSeveral() async throws {
        let (service, metrics) = try makeService()
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate", method: .post, headers: [.contentType: "application/json"],
                                     body: body(#"{"q": "Select the cell range.", "source": "en", "target": "zh", "format": "text"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let answer = object(response.body)
                #expect((answer["translatedText"] as? String)?.contains("单元格") == true, "\(answer)")
            }
            try await client.execute(uri: "/translate", method: .post,
                                     body: body(#"{"q": ["Click OK.", "", "Select the cell range. Click OK."], "source": "en", "target": "zh", "alternatives": 2, "scores": true}"#)) { response in
                #expect(response.status == .ok)
                let answer = object(response.body)
                let texts = answer["translatedText"] as? [String] ?? []
                #expect(texts.count == 3 && texts[1] == "")
                #expect(texts[2].hasSuffix(texts[0]), "\(texts)")  // the second sentence alone gives the first text's translation
                #expect((answer["alternatives"] as? [[String]])?.map(\.count) == [2, 0, 2])
                #expect((answer["scores"] as? [Double])?.count == 3)
            }
        }
    }

    @Test func autoSourcePicksTheModelByIdentifiedLanguage() async throws {
        let (service, metrics) = try makeService()
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "选择单元格区域。", "source": "auto", "target": "en"}"#)) { response in
                #expect(response.status == .ok)
                let answer = object(response.body)
                #expect((answer["detectedLanguage"] as? [String: Any])?["language"] as? String == "zh")
                #expect((answer["translatedText"] as? String)?.lowercased().contains("cell") == true, "\(answer)")
            }
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "12 345", "source": "auto", "target": "zh"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response.body).contains("no letters"))
            }
            // Chinese towards Chinese: the only model into Chinese reads English.
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "选择单元格区域。", "source": "auto", "target": "zh"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response.body).contains("looks like Chinese (zh"), "\(errorMessage(response.body))")
            }
            // German is not translated as if it were English: a 400 names it.
            try await client.execute(uri: "/translate", method: .post,
                                     body: body(#"{"q": "Wählen Sie den Zellbereich aus und klicken Sie auf die Schaltfläche.", "source": "auto", "target": "zh"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response.body).contains("looks like German (de"), "\(errorMessage(response.body))")
            }
            // A short English string, too short for CLD2 to be sure: the script decides.
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Open", "source": "auto", "target": "zh"}"#)) { response in
                #expect(response.status == .ok, "\(errorMessage(response.body))")
                #expect((object(response.body)["detectedLanguage"] as? [String: Any])?["language"] as? String == "en")
            }
        }
    }

    @Test func attentionForOneSentence() async throws {
        let (service, metrics) = try makeService()
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Click OK.", "source": "en", "target": "zh", "attention": true}"#)) { response in
                let attention = object(response.body)["attention"] as? [String: Any]
                let source = attention?["source"] as? [String] ?? [], target = attention?["target"] as? [String] ?? []
                let weights = attention?["weights"] as? [[Double]] ?? []
                #expect(source == ["Click", "OK", "."], "joiner marks are gone: \(source)")
                #expect(weights.count == target.count && weights.allSatisfy { $0.count == source.count })
                #expect(weights.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-3 })
            }
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Click OK. Click OK.", "source": "en", "target": "zh", "attention": true}"#)) { response in
                #expect(response.status == .ok)
                #expect(object(response.body)["attention"] == nil)  // one sentence only
            }
        }
    }

    @Test func languagesHealthMetricsAndPage() async throws {
        let (service, metrics) = try makeService()
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/languages", method: .get) { response in
                let entries = try JSONDecoder().decode([LanguageEntry].self, from: Data(response.body.readableBytesView))
                #expect(entries == [LanguageEntry(code: "en", name: "English", targets: ["zh"]),
                                    LanguageEntry(code: "zh", name: "Chinese", targets: ["en"])])
            }
            try await client.execute(uri: "/health", method: .get) { response in
                let health = try JSONDecoder().decode(HealthResponse.self, from: Data(response.body.readableBytesView))
                #expect(health == HealthResponse(status: "ok", models: ["en-zh", "zh-en"], pending: 0))
            }
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Click OK.", "source": "en", "target": "zh"}"#)) { _ in }
            try await client.execute(uri: "/nowhere", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                for line in [#"fanyi_http_requests_total{route="/translate",method="POST",status="200"} 1"#,
                             #"fanyi_http_requests_total{route="unknown",method="GET",status="404"} 1"#,
                             #"fanyi_sentences_translated_total{pair="en-zh"} 1"#,
                             #"fanyi_batch_sentences_count{pair="en-zh"} 1"#,
                             #"fanyi_http_request_duration_seconds_count{route="/translate"} 1"#] {
                    #expect(text.contains(line), "no \(line) in:\n\(text)")
                }
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                #expect(page.contains("<textarea") && page.contains("fetch(\"translate\""))
                // Self-contained: nothing fetched from elsewhere.
                #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("//cdn"))
            }
        }
    }

    static let errors: [(String, HTTPResponse.Status, String)] = [
        // Without a Content-Type, a body that does not start like JSON is read as a form.
        ("not json", .badRequest, "missing field \"q\""),
        (#"{"q": "#, .badRequest, "not a JSON object"),
        (#"{"q": 3, "source": "en", "target": "zh"}"#, .badRequest, "field \"q\""),
        (#"{"q": "x", "source": 1, "target": "zh"}"#, .badRequest, "field \"source\""),
        (#"{"q": "x", "target": "zh"}"#, .badRequest, "missing field \"source\""),
        (#"{"q": "x", "source": "en", "target": "fr"}"#, .badRequest, "no model translates en → fr; served: en-zh, zh-en"),
        (#"{"q": "x", "source": "en", "target": "zh", "format": "xml"}"#, .badRequest, "format \"xml\" is not served"),
        (#"{"q": "<p>x</p>", "source": "en", "target": "zh", "format": "html", "alternatives": 1}"#, .badRequest, "alternatives are given for format \"text\" only"),
        (#"{"q": "x", "source": "en", "target": "zh", "beam_size": 0}"#, .badRequest, "beam_size must be between 1 and 12"),
        (#"{"q": "x", "source": "en", "target": "zh", "beam_size": 99}"#, .badRequest, "beam_size must be between 1 and 12"),
        (#"{"q": "x", "source": "en", "target": "zh", "alternatives": -1}"#, .badRequest, "alternatives must be between 0 and 11"),
        (#"{"q": "\#(String(repeating: "a", count: 101))", "source": "en", "target": "zh"}"#, .contentTooLarge, "101 characters in one request; at most 100"),
        (#"{"q": ["a", "b", "c", "d"], "source": "en", "target": "zh"}"#, .contentTooLarge, "4 texts in one request; at most 3"),
        (#"{"q": "\#(String(repeating: " ", count: 5000))x", "source": "en", "target": "zh"}"#, .contentTooLarge, "request body is over"),
    ]

    @Test func badRequestsGetJSONErrorsAndTheServerStaysUp() async throws {
        var limits = TranslationService.Limits()
        limits.characters = 100
        limits.texts = 3
        let (service, metrics) = try makeService(limits: limits)
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            for (json, status, message) in Self.errors {
                try await client.execute(uri: "/translate", method: .post, body: body(json)) { response in
                    #expect(response.status == status, "\(json)")
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    let error = errorMessage(response.body)
                    #expect(error.contains(message), "\(json) → \(error)")
                }
            }
            try await client.execute(uri: "/translate", method: .post, body: ByteBuffer(bytes: Array(#"{"q": "a"#.utf8) + [0xFF] + Array(#"", "source": "en", "target": "zh"}"#.utf8))) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response.body) == "the request body is not valid UTF-8")
            }
            try await client.execute(uri: "/missing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(errorMessage(response.body).contains("no such path: /missing"))
            }
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Click OK.", "source": "en", "target": "zh"}"#)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func aRequestThatWaitsTooLongGets503() async throws {
        var limits = TranslationService.Limits()
        limits.timeout = 0.001  // far less than any search takes
        let (service, metrics) = try makeService(limits: limits, files: [englishChinese])
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Select the cell range.", "source": "en", "target": "zh"}"#)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(errorMessage(response.body).contains("waited more than 0.001 s"))
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)  // still up
            }
        }
    }

    @Test func overARealSocket() async throws {
        let (service, metrics) = try makeService(files: [englishChinese])
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.live) { client in
            #expect(client.port != nil)
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Select the cell range.", "source": "en", "target": "zh"}"#)) { response in
                #expect(response.status == .ok)
                #expect((object(response.body)["translatedText"] as? String)?.contains("单元格") == true)
            }
        }
    }
}
