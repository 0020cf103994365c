import Foundation

/// File translations in progress (`POST /translate_file` answers with a job when one takes longer
/// than the request timeout), polled with `GET /translate_file/jobs/ID`. A finished job is kept
/// as long as its file.
public final class FileJobs: @unchecked Sendable {
    public enum State: Sendable, Equatable {
        /// Sentences translated so far, of all the file's.
        case running(done: Int, total: Int)
        case finished(TranslateFileResponse)
        case failed(ServiceError)
    }

    private var jobs: [String: (state: State, started: Date)] = [:]
    private let lock = NSLock()
    /// Seconds a finished job is remembered.
    let lifetime: Double

    public init(lifetime: Double = 3600) {
        self.lifetime = lifetime
    }

    /// A new job of `total` sentences; returns its id.
    public func start(total: Int, now: Date = Date()) -> String {
        let id = UUID().uuidString.lowercased()
        lock.withLock {
            jobs = jobs.filter { now.timeIntervalSince($0.value.started) < lifetime }
            jobs[id] = (.running(done: 0, total: total), now)
        }
        return id
    }

    public func update(_ id: String, _ state: State) {
        lock.withLock { if let job = jobs[id] { jobs[id] = (state, job.started) } }
    }

    /// Waits for `task` at most `seconds`: its result, or nil when it is still running then (it
    /// goes on; awaiting a task's value cannot be cancelled, so the two race for one continuation).
    public static func wait<T: Sendable>(for task: Task<T, any Error>, seconds: Double) async throws -> T? {
        let race = Race<T?>()
        return try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            Task {
                do { race.finish(.success(try await task.value)) } catch { race.finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                race.finish(.success(nil))
            }
        }
    }


    public func state(of id: String) -> State? {
        lock.withLock { jobs[id]?.state }
    }

    /// Jobs running now, and their sentences still to translate.
    public var running: (jobs: Int, sentences: Int) {
        lock.withLock {
            jobs.values.reduce((0, 0)) { sum, job in
                if case let .running(done, total) = job.state { return (sum.0 + 1, sum.1 + total - done) }
                return sum
            }
        }
    }
}

/// One continuation resumed by whichever finishes first.
private final class Race<T: Sendable>: @unchecked Sendable {
    private var continuation: CheckedContinuation<T, any Error>?
    private let lock = NSLock()

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        lock.withLock { self.continuation = continuation }
    }

    func finish(_ result: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>? = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: result)
    }
}
