import Foundation
import Seq2Seq

/// A map from a translation's raw confidence (`Translation.confidence`) to the probability that
/// the translation is good: that its sentence chrF against a human translation is at least
/// `threshold`. Fitted on held-out sentences (`fanyi-train calibrate`) and stored in the model file.
///
/// The map is monotone (a surer model is never given a lower probability): isotonic regression
/// by pooling adjacent violators, linear between the pooled points and flat beyond them.
public struct ConfidenceCalibration: Codable, Sendable, Equatable {
    /// The model file's metadata key.
    public static let metadataKey = "confidence.calibration"
    /// Most points a stored calibration may hold (a fit on n sentences has at most n).
    public static let maximumPoints = 4096

    /// The sentence metric and the score from which a translation counts as good.
    public var metric: String
    public var threshold: Double
    /// Sentences it was fitted on.
    public var sentences: Int
    /// (raw confidence, probability of good), raw ascending.
    public var points: [[Double]]

    /// The probability that a translation of this raw confidence is good.
    public func callAsFunction(_ raw: Double) -> Double {
        guard let first = points.first, let last = points.last else { return raw }
        if raw <= first[0] { return first[1] }
        if raw >= last[0] { return last[1] }
        // The first point past raw, and the one before it.
        var high = 1
        while points[high][0] < raw { high += 1 }
        let (x0, y0, x1, y1) = (points[high - 1][0], points[high - 1][1], points[high][0], points[high][1])
        return x1 > x0 ? y0 + (y1 - y0) * (raw - x0) / (x1 - x0) : y1
    }

    /// Fits the map to sentences' raw confidences and whether each was good.
    public static func fit(raw: [Double], good: [Bool], metric: String = "chrF", threshold: Double) -> ConfidenceCalibration {
        precondition(raw.count == good.count, "one verdict per sentence")
        let order = raw.indices.sorted { raw[$0] < raw[$1] }
        // Pool adjacent violators: blocks of (sum of raw, sum of good, count) whose means rise.
        var blocks: [(x: Double, y: Double, n: Double)] = []
        for i in order {
            blocks.append((raw[i], good[i] ? 1 : 0, 1))
            while blocks.count > 1, blocks[blocks.count - 2].y / blocks[blocks.count - 2].n >= blocks[blocks.count - 1].y / blocks[blocks.count - 1].n {
                let last = blocks.removeLast()
                blocks[blocks.count - 1].x += last.x
                blocks[blocks.count - 1].y += last.y
                blocks[blocks.count - 1].n += last.n
            }
        }
        // Never quite 0 or 1: a few sentences do not prove certainty.
        let margin = 1 / Double(raw.count + 2)
        let points = blocks.map { [$0.x / $0.n, min(max($0.y / $0.n, margin), 1 - margin)] }
        return ConfidenceCalibration(metric: metric, threshold: threshold, sentences: raw.count, points: points)
    }

    /// The calibration as stored in a model file.
    public func serialized() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Reads a stored calibration; `file` names the model file in errors.
    public init(parsing text: String, file: String) throws(ModelFileError) {
        func malformed(_ reason: String) -> ModelFileError {
            .malformed(file: file, reason: "metadata \(Self.metadataKey): \(reason)")
        }
        guard let parsed = try? JSONDecoder().decode(Self.self, from: Data(text.utf8)) else {
            throw malformed("not a JSON object with metric, threshold, sentences and points")
        }
        guard !parsed.metric.isEmpty, parsed.threshold.isFinite, parsed.sentences >= 0 else {
            throw malformed("an empty metric or a threshold that is not a number")
        }
        guard (1...Self.maximumPoints).contains(parsed.points.count) else {
            throw malformed("\(parsed.points.count) points; between 1 and \(Self.maximumPoints) expected")
        }
        for (i, point) in parsed.points.enumerated() {
            guard point.count == 2, point[0].isFinite, (0...1).contains(point[1]) else {
                throw malformed("point \(i + 1) is not [raw confidence, probability in 0…1]")
            }
            if i > 0, point[0] < parsed.points[i - 1][0] || point[1] < parsed.points[i - 1][1] {
                throw malformed("point \(i + 1) falls below point \(i): the map must rise")
            }
        }
        self = parsed
    }

    init(metric: String, threshold: Double, sentences: Int, points: [[Double]]) {
        self.metric = metric
        self.threshold = threshold
        self.sentences = sentences
        self.points = points
    }
}
