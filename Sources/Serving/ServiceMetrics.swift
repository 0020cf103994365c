import Prometheus

/// The service's Prometheus metrics, in a registry of its own (no global bootstrap, so tests each
/// get theirs): requests by route and status, latency, batch sizes, sentences translated.
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    public init() {}

    // Descriptors are not Sendable, so they are made where they are used; the same name, help
    // and buckets each time (the registry insists).
    private static var requests: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route and status.")
    }
    private static var latency: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "http_request_duration", unitName: "seconds", helpText: "Time from request to answer, by route.")
    }
    private static var latencyBuckets: [Duration] {
        [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000].map { .milliseconds($0) }
    }
    private static var batchSentences: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "batch", unitName: "sentences", helpText: "Sentences per search batch, by language pair.")
    }
    private static var batchBuckets: [Double] { [1, 2, 4, 8, 16, 32, 64, 128] }
    private static var batchDuration: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "batch_duration", unitName: "seconds", helpText: "Search time per batch, by language pair.")
    }
    private static var sentences: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "sentences_translated", unitName: "total", helpText: "Sentences translated, by language pair.")
    }

    /// One answered request.
    public func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("method", method), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("route", route)], buckets: Self.latencyBuckets)
            .record(.nanoseconds(Int64(seconds * 1e9)))
    }

    /// One search batch of a model's worker.
    public func recordBatch(pair: String, sentences: Int, seconds: Double) {
        registry.makeValueHistogram(descriptor: Self.batchSentences, labels: [("pair", pair)], buckets: Self.batchBuckets)
            .record(Double(sentences))
        registry.makeDurationHistogram(descriptor: Self.batchDuration, labels: [("pair", pair)], buckets: Self.latencyBuckets)
            .record(.nanoseconds(Int64(seconds * 1e9)))
        registry.makeCounter(descriptor: Self.sentences, labels: [("pair", pair)]).increment(by: Int64(sentences))
    }

    private static var refused: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "requests_refused", unitName: "total",
              helpText: "Requests refused by the API key check (forbidden) or the requests per minute (slowdown).")
    }
    private static var keyRequests: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "api_key_requests", unitName: "total",
              helpText: "Requests let through, by API key (named by its line in the keys file; none: without a key).")
    }

    private static var filesTranslated: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "files_translated", unitName: "total", helpText: "Files translated, by format.")
    }
    private static var fileJobs: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "file_jobs_running", helpText: "File translations in progress.")
    }
    private static var fileSentences: MetricNameDescriptor {
        .init(namespace: "fanyi", metricName: "file_sentences_pending", helpText: "Sentences of files in progress not yet translated.")
    }

    /// A file translated and kept for download.
    public func recordFileTranslated(format: String) {
        registry.makeCounter(descriptor: Self.filesTranslated, labels: [("format", format)]).increment()
    }

    /// The file jobs running now (set when the metrics are read).
    public func recordFileJobs(running: Int, sentences: Int) {
        registry.makeGauge(descriptor: Self.fileJobs).set(Double(running))
        registry.makeGauge(descriptor: Self.fileSentences).set(Double(sentences))
    }

    /// A request the access control let through, with its key's line in the keys file.
    public func recordAdmitted(keyLine: Int?) {
        registry.makeCounter(descriptor: Self.keyRequests, labels: [("key", keyLine.map { "line \($0)" } ?? "none")]).increment()
    }

    /// A request refused with 403 or 429.
    public func recordRefused(reason: String) {
        registry.makeCounter(descriptor: Self.refused, labels: [("reason", reason)]).increment()
    }

    /// The Prometheus text format.
    public func text() -> String {
        registry.emitToString()
    }
}
