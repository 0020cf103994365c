import Foundation
import Testing
import Translation
@testable import Serving

@Suite(.serialized) struct BatchingQueueTests {
    static let sentences = ["Click OK.", "Select the cell range.", "Opens the Print dialog.", "Save the document.",
                            "Close the window.", "Insert a table.", "Delete the row.", "Open a file."]

    /// Concurrent requests are answered each with its own translations, in fewer searches than requests.
    @Test func concurrentRequestsShareSearches() async throws {
        let alone = try Translator(modelFile: englishChinese)
        let expected = try Self.sentences.map { try alone.translate($0) }
        let translators = try Translator.translators(modelFile: englishChinese, count: 1)
        let queue = BatchingQueue(translators: translators, window: 0.2, maxBatch: 32)
        defer { queue.shutdown() }
        let settings = BatchingQueue.Settings(beamSize: 5)
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (i, sentence) in Self.sentences.enumerated() {
                group.addTask { (i, try await queue.translate([sentence], settings: settings, timeout: 30)[0][0].text) }
            }
            var answers = Array(repeating: "", count: Self.sentences.count)
            for try await (i, text) in group { answers[i] = text }
            return answers
        }
        #expect(answers == expected)
        let counts = queue.counts
        #expect(counts.sentences == Self.sentences.count)
        #expect(counts.searches < Self.sentences.count, "\(counts.searches) searches for \(Self.sentences.count) requests")
    }

    @Test func requestsWithOtherSettingsGetTheirOwnBatch() async throws {
        let queue = BatchingQueue(translators: try Translator.translators(modelFile: englishChinese, count: 1), window: 0.2, maxBatch: 32)
        defer { queue.shutdown() }
        async let greedy = queue.translate(["Click OK."], settings: .init(beamSize: 1), timeout: 30)
        async let beam = queue.translate(["Click OK."], settings: .init(beamSize: 4, nBest: 3), timeout: 30)
        let (g, b) = try await (greedy, beam)
        #expect(g[0].count == 1 && b[0].count == 3)
        #expect(queue.counts.searches == 2)
    }

    @Test func aBatchNeverExceedsTheMaximumUnlessOneRequestDoes() async throws {
        let batches = Mutex<[Int]>([])
        let queue = BatchingQueue(translators: try Translator.translators(modelFile: englishChinese, count: 1), window: 0.2, maxBatch: 3,
                                  onBatch: { sentences, _ in batches.withLock { $0.append(sentences) } })
        defer { queue.shutdown() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sentence in Self.sentences.prefix(5) {
                group.addTask { _ = try await queue.translate([sentence], settings: .init(beamSize: 2), timeout: 30) }
            }
            group.addTask { _ = try await queue.translate(Array(Self.sentences.prefix(4)), settings: .init(beamSize: 2), timeout: 30) }
            try await group.waitForAll()
        }
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 9)
        #expect(sizes.allSatisfy { $0 <= 3 || $0 == 4 }, "\(sizes)")
    }

    @Test func shutdownAnswersWhatIsQueuedThenRefuses() async throws {
        let queue = BatchingQueue(translators: try Translator.translators(modelFile: englishChinese, count: 1), window: 0.3, maxBatch: 32)
        async let waiting = queue.translate(["Click OK."], settings: .init(beamSize: 2), timeout: 30)
        try await Task.sleep(for: .milliseconds(50))
        queue.shutdown()  // the request is queued: it is still answered
        #expect(try await waiting[0][0].text.isEmpty == false)
        await #expect(throws: ServiceError.shuttingDown) {
            try await queue.translate(["Click OK."], settings: .init(beamSize: 2), timeout: 30)
        }
    }
}

import Synchronization
