import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import Serving

/// API keys (403) and requests per minute (429), as LibreTranslate answers them.
@Suite struct AccessControlTests {
    @Test func keysFileIsReadWithItsLimits() throws {
        let keys = try AccessControl.keys(parsing: "# keys\nabc 10 500\n\nxyz - 100  # no own rate\nplain\n", name: "keys.txt")
        #expect(keys["abc"] == .init(line: 2, requestsPerMinute: 10, charactersPerRequest: 500))
        #expect(keys["xyz"] == .init(line: 4, requestsPerMinute: nil, charactersPerRequest: 100))
        #expect(keys["plain"] == .init(line: 5, requestsPerMinute: nil, charactersPerRequest: nil))
        #expect(throws: AccessControlError.self) { try AccessControl.keys(parsing: "a ten\n", name: "k") }
        #expect(throws: AccessControlError.self) { try AccessControl.keys(parsing: "a\na\n", name: "k") }
        #expect(throws: AccessControlError.self) { try AccessControl.keys(parsing: "a 1 2 3\n", name: "k") }
        // 10,000 keys are read, and looked up, at once.
        let many = try AccessControl.keys(parsing: (0..<10_000).map { "key\($0) 5" }.joined(separator: "\n"), name: "k")
        #expect(many.count == 10_000 && many["key9999"]?.requestsPerMinute == 5)
    }

    @Test func limitsCountTextsOverTheLastMinute() throws {
        let access = AccessControl(keys: ["k": .init(line: 1, requestsPerMinute: 3, charactersPerRequest: 10)], requestsPerMinute: 2)
        let start = Date()
        try access.admit(key: nil, client: "10.0.0.1", cost: 2, characters: 5, now: start)
        #expect(throws: ServiceError.slowDown(requestsPerMinute: 2)) { try access.admit(key: nil, client: "10.0.0.1", cost: 1, characters: 5, now: start) }
        // Another address has its own minute; a minute later the first may again.
        try access.admit(key: nil, client: "10.0.0.2", cost: 1, characters: 5, now: start)
        try access.admit(key: nil, client: "10.0.0.1", cost: 2, characters: 5, now: start + 61)
        // A key has its own limit, whatever the address.
        #expect(try access.admit(key: "k", client: "10.0.0.1", cost: 3, characters: 5, now: start) == 1)
        #expect(throws: ServiceError.slowDown(requestsPerMinute: 3)) { try access.admit(key: "k", client: "10.0.0.9", cost: 1, characters: 5, now: start) }
        #expect(throws: ServiceError.self) { try access.admit(key: "k", client: "x", cost: 1, characters: 11, now: start + 120) }
        #expect(throws: ServiceError.forbidden("Invalid API key")) { try access.admit(key: "nope", client: "x", cost: 1, characters: 1) }
        // Without keys, a key given is ignored.
        #expect(try AccessControl().admit(key: "anything", client: "x", cost: 1, characters: 1) == nil)
    }

    @Test func routesAnswer403And429AndCountThem() async throws {
        let access = AccessControl(keys: ["secret": .init(line: 1, requestsPerMinute: 2, charactersPerRequest: nil)], requireKey: true)
        let metrics = ServiceMetrics()
        let model = try TranslationService.ServedModel.load(file: englishChinese, workers: 1, window: 0.002, maxBatch: 32, metrics: metrics)
        let service = TranslationService(models: [model], access: access)
        defer { service.shutdown() }
        try await makeApplication(service, metrics).test(.router) { client in
            try await client.execute(uri: "/translate", method: .post, body: body(#"{"q": "Click OK.", "source": "en", "target": "zh"}"#)) { response in
                #expect(response.status == .forbidden && errorMessage(response.body) == "Please contact the server operator to get an API key")
            }
            try await client.execute(uri: "/detect", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "q=Click+OK.&api_key=wrong")) { response in
                #expect(response.status == .forbidden && errorMessage(response.body) == "Invalid API key")
            }
            // The npm client's camelCase apiKey counts too; a batch of two spends the minute.
            try await client.execute(uri: "/translate", method: .post,
                                     body: body(#"{"q": ["Click OK.", "Select it."], "source": "en", "target": "zh", "apiKey": "secret"}"#)) { response in
                #expect(response.status == .ok, "\(errorMessage(response.body))")
            }
            try await client.execute(uri: "/translate", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "q=Click+OK.&source=en&target=zh&api_key=secret")) { response in
                #expect(response.status == .tooManyRequests && errorMessage(response.body) == "Slowdown: 2 per 1 minute")
            }
            try await client.execute(uri: "/frontend/settings", method: .get) { response in
                let settings = object(response.body)
                #expect(settings["apiKeys"] as? Bool == true && settings["keyRequired"] as? Bool == true)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"fanyi_requests_refused_total{reason="forbidden"} 2"#), "\(text)")
                #expect(text.contains(#"fanyi_requests_refused_total{reason="slowdown"} 1"#))
                #expect(text.contains(#"fanyi_api_key_requests_total{key="line 1"} 1"#) && !text.contains("secret"))
            }
        }
    }
}
