import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Translation
@testable import Serving

/// `/translate` for software strings: placeholders and tags kept, the server's glossary for a pair
/// and a request's own `glossary` field over it, confidences when asked.
@Suite(.serialized) struct SoftwareStringsRouteTests {
    @Test func theRequestsTermsOverTheServersGlossary() async throws {
        var (service, metrics) = try makeService(files: [englishChinese])
        var model = service.models[0]
        model.glossary = try Glossary(entries: [.init(source: "cell range", target: "储存格范围"), .init(source: "OK", target: "好")])
        service = TranslationService(models: [model], limits: service.limits)
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate", method: .post, headers: [.contentType: "application/json"],
                                     body: body(#"{"q": ["Select the cell range.", "Click OK."], "source": "en", "target": "zh"}"#)) { response in
                let texts = object(response.body)["translatedText"] as? [String] ?? []
                #expect(response.status == .ok && texts.count == 2, "\(texts)")
                #expect(texts.first?.contains("储存格范围") == true && texts.last?.contains("好") == true, "\(texts)")
            }
            // The request's own translation of a term wins over the server's.
            try await client.execute(uri: "/translate", method: .post, headers: [.contentType: "application/json"],
                                     body: body(#"{"q": "Select the cell range.", "source": "en", "target": "zh", "glossary": {"Cell Range": "单元格范围"}}"#)) { response in
                let text = object(response.body)["translatedText"] as? String ?? ""
                #expect(response.status == .ok && text.contains("单元格范围") && !text.contains("储存格"), "\(text)")
            }
            try await client.execute(uri: "/translate", method: .post, headers: [.contentType: "application/json"],
                                     body: body(#"{"q": "Click OK.", "source": "en", "target": "zh", "glossary": {"OK": ""}}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response.body).hasPrefix("glossary: gives 'OK' an empty translation"), "\(errorMessage(response.body))")
            }
        }
    }

    @Test func placeholdersAndConfidences() async throws {
        let (service, metrics) = try makeService(files: [englishChinese])
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate", method: .post, headers: [.contentType: "application/json"],
                                     body: body(#"{"q": ["Cannot open <b>%s</b>. Click OK.", "Select the cell range."], "source": "en", "target": "zh", "confidence": true}"#)) { response in
                let answer = object(response.body)
                let texts = answer["translatedText"] as? [String] ?? []
                #expect(response.status == .ok && texts.count == 2, "\(answer)")
                #expect(texts.first.map { $0.contains("<b>%s</b>") || ($0.contains("<b>") && $0.contains("%s") && $0.contains("</b>")) } == true, "\(texts)")
                let confidence = answer["confidence"] as? [Double] ?? []
                #expect(confidence.count == 2 && confidence.allSatisfy { $0 > 0 && $0 <= 1 }, "\(answer)")
                let words = answer["words"] as? [[[String: Any]]] ?? []
                #expect(words.count == 2 && words[1].map { $0["text"] as? String ?? "" }.joined() == texts[1], "\(answer)")
            }
            // Not asked: not answered.
            try await client.execute(uri: "/translate", method: .post, headers: [.contentType: "application/json"],
                                     body: body(#"{"q": "Click OK.", "source": "en", "target": "zh"}"#)) { response in
                #expect(object(response.body)["confidence"] == nil && object(response.body)["words"] == nil)
            }
        }
    }
}
