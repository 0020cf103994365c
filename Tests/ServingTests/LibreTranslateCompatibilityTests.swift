import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import Serving

/// Form bodies (URL-encoded and multipart) as LibreTranslate's clients send them, turned into the
/// JSON the routes read.
@Suite struct FormBodyTests {
    static func json(_ data: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    @Test func urlEncodedFieldsBecomeJSON() throws {
        let body = Array("q=Select+the+cell%20range.&source=en&target=zh&alternatives=2&confidence=true&api_key=x&q=Click+OK.&empty=".utf8)
        let object = Self.json(try FormBody.json(body, contentType: "application/x-www-form-urlencoded; charset=utf-8",
                                                 numbers: ["alternatives"], flags: ["confidence"], repeatable: ["q"]))
        #expect(object["q"] as? [String] == ["Select the cell range.", "Click OK."])
        #expect(object["source"] as? String == "en" && object["alternatives"] as? Int == 2 && object["confidence"] as? Bool == true)
        #expect(object["api_key"] as? String == "x" && object["empty"] as? String == "")
        // Without a Content-Type: a form unless it looks like JSON.
        #expect(Self.json(try FormBody.json(Array("q=a&source=en".utf8), contentType: nil))["q"] as? String == "a")
        #expect(try FormBody.json(Array(#" {"q": "a"}"#.utf8), contentType: nil) == Data(#" {"q": "a"}"#.utf8))
    }

    @Test func multipartFieldsAndFiles() throws {
        let body = Array("""
            --XyZ\r
            Content-Disposition: form-data; name="q"\r
            \r
            Click OK.\r
            --XyZ\r
            Content-Disposition: form-data; name="file"; filename="a;b.txt"\r
            Content-Type: text/plain\r
            \r
            line one\r
            line two\r
            --XyZ\r
            Content-Disposition: form-data; name="target"\r
            \r
            zh\r
            --XyZ--\r

            """.utf8)
        let fields = try FormBody.multipart(body, contentType: "multipart/form-data; boundary=XyZ")
        #expect(fields.map(\.name) == ["q", "file", "target"])
        #expect(fields[0].text == "Click OK." && fields[1].text == "line one\r\nline two" && fields[1].contentType == "text/plain")
        let object = Self.json(try FormBody.json(body, contentType: "multipart/form-data; boundary=\"XyZ\""))
        #expect(object["q"] as? String == "Click OK." && object["target"] as? String == "zh" && object["file"] == nil)
    }

    @Test func brokenBodiesAreClearErrors() {
        let cases: [([UInt8], String, String)] = [
            (Array("q=%ZZ".utf8), "application/x-www-form-urlencoded", "broken %-escape"),
            (Array("alternatives=two".utf8), "application/x-www-form-urlencoded", "is not a whole number"),
            (Array("--b\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nhalf".utf8), "multipart/form-data; boundary=b", "truncated"),
            (Array("--b\r\n\r\nvalue\r\n--b--".utf8), "multipart/form-data; boundary=b", "no name"),
            (Array("anything".utf8), "multipart/form-data", "without a boundary"),
            (Array("x".utf8), "text/plain", "Content-Type text/plain is not read"),
            ([0x71, 0x3D, 0xFF], "application/x-www-form-urlencoded", "not valid UTF-8"),
        ]
        for (body, type, message) in cases {
            do {
                _ = try FormBody.json(body, contentType: type, numbers: ["alternatives"])
                Issue.record("\(type) \(body) was accepted")
            } catch {
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }
}

/// The routes as LibreTranslate clients use them: form bodies, extra fields, CORS, settings.
@Suite(.serialized) struct LibreTranslateRoutesTests {
    @Test func formAndJSONBodiesGetTheSameAnswer() async throws {
        let (service, metrics) = try makeService(files: [englishChinese])
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            var answers: [String] = []
            let bodies: [(String?, String)] = [
                ("application/json", #"{"q": "Select the cell range.", "source": "en", "target": "zh"}"#),
                ("application/x-www-form-urlencoded", "q=Select+the+cell+range.&source=en&target=zh&api_key=none"),
                (nil, "q=Select%20the%20cell%20range.&source=en&target=zh&apiKey=none"),
                ("multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nSelect the cell range.\r\n--B\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nen\r\n--B\r\nContent-Disposition: form-data; name=\"target\"\r\n\r\nzh\r\n--B\r\nContent-Disposition: form-data; name=\"secret\"\r\n\r\nS\r\n--B--\r\n"),
            ]
            for (type, text) in bodies {
                var headers = HTTPFields()
                if let type { headers[.contentType] = type }
                try await client.execute(uri: "/translate", method: .post, headers: headers, body: body(text)) { response in
                    #expect(response.status == .ok, "\(text): \(errorMessage(response.body))")
                    answers.append(String(buffer: response.body))
                }
            }
            #expect(answers.count == 4 && Set(answers).count == 1, "\(answers)")
            #expect(answers.first?.contains("单元格") == true)
        }
    }

    @Test func corsAndPreflight() async throws {
        let (service, metrics) = try makeService(files: [englishChinese])
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate", method: .options,
                                     headers: [.origin: "https://example.org", .accessControlRequestMethod: "POST"]) { response in
                #expect(response.status == .noContent || response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
            }
            try await client.execute(uri: "/translate", method: .post, headers: [.origin: "https://example.org"],
                                     body: body("q=Click+OK.&source=en&target=zh")) { response in
                #expect(response.status == .ok && response.headers[.accessControlAllowOrigin] == "*")
            }
            try await client.execute(uri: "/translate", method: .post, headers: [.origin: "https://example.org"],
                                     body: body("q=Click+OK.&source=en")) { response in
                #expect(response.status == .badRequest && response.headers[.accessControlAllowOrigin] == "*")
                #expect(errorMessage(response.body).contains("missing field \"target\""))
            }
        }
    }

    @Test func htmlFormatKeepsTheMarkup() async throws {
        let (service, metrics) = try makeService(files: [englishChinese])
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            let request = #"{"q": ["<p>Select the <b>cell range</b>.</p><pre>ls</pre>", "Click <a href=\"x\">OK</a>."], "source": "en", "target": "zh", "format": "html", "confidence": true}"#
            try await client.execute(uri: "/translate", method: .post, body: body(request)) { response in
                #expect(response.status == .ok, "\(errorMessage(response.body))")
                let answer = object(response.body)
                let texts = answer["translatedText"] as? [String] ?? []
                #expect(texts.count == 2)
                #expect(texts.first?.hasPrefix("<p>") == true && texts.first?.contains("<b>") == true && texts.first?.contains("单元格") == true
                        && texts.first?.hasSuffix("<pre>ls</pre>") == true, "\(texts)")
                #expect(texts.last?.contains("<a href=\"x\">") == true && texts.last?.contains("Click") == false, "\(texts)")
                #expect((answer["confidence"] as? [Double])?.count == 2)
            }
        }
    }

    @Test func detectAnswersLanguagesBestFirst() async throws {
        let (service, metrics) = try makeService(files: [englishChinese])
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            let cases = [("Select the cell range and click the button.", "en"), ("选择单元格区域，然后点击按钮。", "zh"),
                         ("Wählen Sie den Zellbereich aus und klicken Sie auf die Schaltfläche.", "de")]
            for (text, language) in cases {
                // As libretranslatepy sends it: a form, with an api_key it does not need.
                let form = "q=" + text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "&api_key="
                try await client.execute(uri: "/detect", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                         body: body(form)) { response in
                    #expect(response.status == .ok)
                    let answer = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [[String: Any]]
                    #expect(answer?.first?["language"] as? String == language, "\(text): \(String(buffer: response.body))")
                    #expect(((answer?.first?["confidence"] as? Double) ?? 0) > 50)
                }
            }
            try await client.execute(uri: "/detect", method: .post, body: body(#"{"q": "12 345"}"#)) { response in
                #expect(response.status == .badRequest && errorMessage(response.body).contains("no letters"))
            }
            try await client.execute(uri: "/detect", method: .post, body: body(#"{"text": "x"}"#)) { response in
                #expect(response.status == .badRequest && errorMessage(response.body).contains("missing field \"q\" (needed: q)"))
            }
        }
    }

    @Test func frontendSettings() async throws {
        var limits = TranslationService.Limits()
        limits.characters = 1234
        let (service, metrics) = try makeService(limits: limits)
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/frontend/settings", method: .get) { response in
                let settings = object(response.body)
                #expect(response.status == .ok && settings["charLimit"] as? Int == 1234)
                #expect(settings["keyRequired"] as? Bool == false && settings["filesTranslation"] as? Bool == false)
                let language = settings["language"] as? [String: [String: String]]
                #expect(language?["source"]?["code"] == "en" && language?["target"]?["code"] == "zh" && language?["source"]?["name"] == "English")
            }
        }
    }
}
