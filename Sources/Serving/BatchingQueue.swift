import Foundation
import Synchronization
import Translation

/// Sentences from many requests, gathered into batches for a fixed set of worker threads, each
/// with its own `Translator`; every request is answered on its own.
///
/// A worker takes the oldest waiting request and, when the server is busy (another search running
/// or more requests queued), waits up to `window` seconds after it arrived for others with the same
/// search settings (until `maxBatch` sentences); then it searches them all in one batch. Callers `await`: no event-loop thread ever blocks on a search.
public final class BatchingQueue: Sendable {
    /// Search settings a batch shares (requests with other settings wait for their own batch).
    public struct Settings: Hashable, Sendable {
        public var beamSize: Int
        public var nBest: Int
        public var recordAttention: Bool
        /// The glossary the sentences are translated with (the server's, or the request's over it).
        public var glossary: Glossary?

        public init(beamSize: Int, nBest: Int = 1, recordAttention: Bool = false, glossary: Glossary? = nil) {
            self.beamSize = beamSize
            self.nBest = nBest
            self.recordAttention = recordAttention
            self.glossary = glossary
        }
    }

    /// One request's sentences and where its answer goes (exactly once: by a worker or the timeout).
    final class Job: Sendable {
        let sentences: [String]
        let settings: Settings
        let arrival: Double
        private let continuation: Mutex<CheckedContinuation<[[Translation]], Error>?>

        init(sentences: [String], settings: Settings, arrival: Double, continuation: CheckedContinuation<[[Translation]], Error>) {
            self.sentences = sentences
            self.settings = settings
            self.arrival = arrival
            self.continuation = Mutex(continuation)
        }

        var isAnswered: Bool { continuation.withLock { $0 == nil } }

        /// Answers the request unless it was answered already; false then.
        @discardableResult
        func answer(_ result: Result<[[Translation]], Error>) -> Bool {
            guard let waiting = continuation.withLock({ c -> CheckedContinuation<[[Translation]], Error>? in
                defer { c = nil }
                return c
            }) else { return false }
            waiting.resume(with: result)
            return true
        }
    }

    /// What the workers share, behind one lock.
    struct State {
        var jobs: [Job] = []
        var stopping = false
        var searches = 0
        var sentences = 0
        /// Sentences taken by workers and not answered yet.
        var searching = 0
    }

    public let window: Double
    public let maxBatch: Int
    private let condition = NSCondition()
    private nonisolated(unsafe) var state = State()
    private let finished = DispatchGroup()
    private let onBatch: @Sendable (_ sentences: Int, _ seconds: Double) -> Void

    /// Starts one worker thread per translator. `window`: seconds the oldest request may wait for
    /// company; `onBatch`: told each batch's size and search time (for metrics).
    public init(translators: [Translator], window: Double, maxBatch: Int,
                onBatch: @escaping @Sendable (_ sentences: Int, _ seconds: Double) -> Void = { _, _ in }) {
        precondition(!translators.isEmpty && maxBatch > 0 && window >= 0)
        self.window = window
        self.maxBatch = maxBatch
        self.onBatch = onBatch
        for (i, translator) in translators.enumerated() {
            nonisolated(unsafe) let translator = translator
            finished.enter()
            let thread = Thread { [self] in
                work(translator)
                finished.leave()
            }
            thread.name = "fanyi-worker-\(i)"
            thread.start()
        }
    }

    /// The n-best translations of each sentence; throws `ServiceError.timedOut` when no worker has
    /// answered within `timeout` seconds, `ServiceError.shuttingDown` after `shutdown()`.
    public func translate(_ sentences: [String], settings: Settings, timeout: Double) async throws -> [[Translation]] {
        if sentences.isEmpty { return [] }
        nonisolated(unsafe) var job: Job?
        let timer = Task {
            try await Task.sleep(for: .seconds(timeout))
            job?.answer(.failure(ServiceError.timedOut(seconds: timeout)))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let made = Job(sentences: sentences, settings: settings, arrival: Self.now(), continuation: continuation)
            condition.lock()
            if state.stopping {
                condition.unlock()
                made.answer(.failure(ServiceError.shuttingDown))
                return
            }
            job = made
            state.jobs.append(made)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Beam searches run so far (one per batch) and sentences translated.
    public var counts: (searches: Int, sentences: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (state.searches, state.sentences)
    }

    /// Sentences waiting for a worker or being searched.
    public var pendingSentences: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.jobs.reduce(state.searching) { $0 + $1.sentences.count }
    }

    /// Finishes the requests already queued, then stops the workers (waits for them).
    public func shutdown() {
        condition.lock()
        state.stopping = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    private func work(_ translator: Translator) {
        while let batch = nextBatch() {
            let settings = batch[0].settings
            translator.options.search.beamSize = settings.beamSize
            translator.options.search.nBest = settings.nBest
            translator.options.search.recordAttention = settings.recordAttention
            translator.options.glossary = settings.glossary
            translator.options.batchSize = max(maxBatch, batch.reduce(0) { $0 + $1.sentences.count })
            let sentences = batch.flatMap(\.sentences)
            defer {
                condition.lock()
                state.searching -= sentences.count
                condition.unlock()
            }
            let start = Self.now()
            do {
                var results = try translator.translate(sentences)[...]
                onBatch(sentences.count, Self.now() - start)
                for job in batch {
                    job.answer(.success(Array(results.prefix(job.sentences.count))))
                    results = results.dropFirst(job.sentences.count)
                }
            } catch {
                for job in batch { job.answer(.failure(ServiceError.internalError("translation failed: \(error)"))) }
            }
        }
    }

    /// Waits for work; returns the next batch (requests with one search setting, oldest first),
    /// or nil when stopping with nothing left.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            state.jobs.removeAll { $0.isAnswered }  // timed out while waiting
            guard let first = state.jobs.first else {
                if state.stopping { return nil }
                condition.wait()
                continue
            }
            let deadline = Date(timeIntervalSinceNow: first.arrival + window - Self.now())
            let company = state.jobs.reduce(0) { $0 + ($1.settings == first.settings ? $1.sentences.count : 0) }
            // Waiting pays only under load (another search running, or requests already
            // queued); a lone request on an idle server starts at once.
            let loaded = state.searching > 0 || state.jobs.count > 1
            if !state.stopping && loaded && company < maxBatch && Date() < deadline {
                _ = condition.wait(until: deadline)
                continue  // another worker may have taken it meanwhile
            }
            var batch: [Job] = []
            var count = 0
            state.jobs.removeAll { job in
                guard job.settings == first.settings, batch.isEmpty || count + job.sentences.count <= maxBatch else { return false }
                batch.append(job)
                count += job.sentences.count
                return true
            }
            state.searches += 1
            state.sentences += count
            state.searching += count
            return batch
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
