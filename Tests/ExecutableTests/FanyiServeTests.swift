import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// fanyi-serve as a user starts it: both shipped models, a real socket on 127.0.0.1, SIGTERM.
@Suite(.serialized) struct FanyiServeTests {
    static let models = ["--model", packageRoot + "/models/en-zh-lohelp.safetensors", "--model", packageRoot + "/models/zh-en-lohelp.safetensors"]

    /// A started server: its process, its port and everything it printed so far.
    final class Server: @unchecked Sendable {
        let process = Process()
        let stdout = Pipe(), stderr = Pipe()
        private let lock = NSLock()
        private var printed = ""
        private(set) var port = 0

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: productsFolder + "/fanyi-serve")
            process.arguments = arguments
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
            stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let chunk = handle.availableData
                guard let self, !chunk.isEmpty else { return }
                lock.withLock { printed += String(decoding: chunk, as: UTF8.self) }
            }
            let deadline = Date(timeIntervalSinceNow: 60)
            while Date() < deadline && process.isRunning {
                if let match = output.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)\//) {
                    port = Int(match.1)!
                    return
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw TimedOut(command: "fanyi-serve did not say where it listens: \(output)")
        }

        var output: String { lock.withLock { printed } }

        /// POSTs `json` to /translate; the status and the body.
        func translate(_ json: String) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/translate")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        /// Sentences the server has waiting or in search (its /health).
        func pending() async throws -> Int {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["pending"] as? Int ?? -1
        }

        /// Sends `signal` and waits for the exit status.
        func stop(_ signal: Int32 = SIGTERM) -> Int32 {
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            return process.terminationStatus
        }

        deinit { if process.isRunning { process.terminate() } }
    }

    @Test func servesBothModelsAndStopsCleanlyOnSIGTERM() async throws {
        let server = try Server(Self.models + ["--port", "0", "--workers", "1"])
        #expect(server.output.contains("en → zh") && server.output.contains("zh → en"))
        // 64 sentences keep the (debug-built) server searching for a while after SIGTERM arrives.
        let texts = Array(repeating: "Select the cell range that you want to sort.", count: 64)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: ["q": texts, "source": "en", "target": "zh"]), as: UTF8.self)
        async let inFlight = server.translate(json)
        // SIGTERM once the server holds the request (a busy machine may take a while to send it).
        let deadline = Date(timeIntervalSinceNow: 30)
        while try await server.pending() == 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let stopping = Task.detached { server.stop() }
        let (status, body) = try await inFlight
        #expect(status == 200 && body.components(separatedBy: "单元格").count == 65, "\(status) \(body)")
        #expect(await stopping.value == 0)
        #expect(server.output.contains("fanyi-serve: stopped"))
    }

    /// A glossary per pair, found by the pair its first line names; one that names none is refused
    /// when more than one model is served.
    @Test func glossariesGoToThePairsTheyName() async throws {
        let folder = NSTemporaryDirectory() + "fanyi-serve-glossary-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "en\tzh\ncell range\t储存格范围\n".write(toFile: folder + "/en-zh.tsv", atomically: true, encoding: .utf8)
        try "cell range\t储存格范围\n".write(toFile: folder + "/bare.tsv", atomically: true, encoding: .utf8)
        let server = try Server(Self.models + ["--port", "0", "--glossary", folder + "/en-zh.tsv"])
        defer { _ = server.stop() }
        let (status, body) = try await server.translate(#"{"q": "Select the cell range.", "source": "en", "target": "zh"}"#)
        #expect(status == 200 && body.contains("储存格范围"), "\(body)")
        let bare = try run("fanyi-serve", Self.models + ["--glossary", folder + "/bare.tsv"], input: "")
        #expect(bare.status != 0 && bare.stderr.contains("names no pair and 2 models are served"), "\(bare.stderr)")
    }

    @Test func chineseToEnglishAndErrorsOverTheSocket() async throws {
        let server = try Server(Self.models + ["--port", "0"])
        let (status, body) = try await server.translate(#"{"q": "选择单元格区域。", "source": "zh", "target": "en"}"#)
        #expect(status == 200 && body.lowercased().contains("cell"), "\(body)")
        let (badStatus, badBody) = try await server.translate(#"{"q": "x", "source": "en", "target": "de"}"#)
        #expect(badStatus == 400 && badBody.contains("served: en-zh, zh-en"))
        #expect(server.stop(SIGINT) == 0)
    }

    @Test(arguments: [
        ([], "give at least one --model"),
        (["--model", "/nonexistent/model.safetensors"], "/nonexistent/model.safetensors"),
        (["--model", packageRoot + "/models/en-zh-lohelp.safetensors", "--model", packageRoot + "/models/en-zh-lohelp.safetensors"],
         "both translate en → zh"),
        (["--model", "m", "--workers", "0"], "--workers must be ≥ 1"),
        (["--model", "m", "--port", "70000"], "--port must be between 0 and 65535"),
        (["--model", "m", "--beam-size", "20"], "--beam-size must be between 1 and --max-beam-size (12)"),
        (models + ["--glossary", "/nonexistent/terms.tsv"], "--glossary: glossary /nonexistent/terms.tsv: cannot be read"),
        (models + ["--glossary", packageRoot + "/Fuzz/Corpus/glossary/bad-line.tsv"], "bad-line.tsv line 3 has no tab"),
    ])
    func badFlagsAreRefusedByName(arguments: [String], message: String) throws {
        let result = try run("fanyi-serve", arguments, input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
