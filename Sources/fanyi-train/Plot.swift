import ArgumentParser
import Foundation

/// Turns a training log into an SVG of training loss and validation BLEU against time.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the training curve (loss and validation BLEU against training time) as SVG.",
        discussion: "Example: fanyi-train plot runs/en-zh/train.log.jsonl --svg runs/en-zh/curve.svg")

    @Argument(help: "The JSON-lines log written by training.") var log: String
    @Option(help: "Output SVG file (default: the log's folder/curve.svg).") var svg: String?

    func run() throws {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else {
            throw ValidationError("cannot read \(log)")
        }
        var loss: [(Double, Double)] = [], bleu: [(Double, Double)] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ValidationError("\(log):\(number + 1): not a JSON object")
            }
            let seconds = object["seconds"] as? Double ?? 0
            if object["event"] as? String == "train", let l = object["loss"] as? Double { loss.append((seconds / 60, l)) }
            if object["event"] as? String == "validation", let b = object["bleu"] as? Double { bleu.append((seconds / 60, b)) }
        }
        guard !loss.isEmpty || !bleu.isEmpty else { throw ValidationError("\(log) has no training or validation records") }
        let path = svg ?? (URL(fileURLWithPath: log).deletingLastPathComponent().path + "/curve.svg")
        try SVGChart.render(loss: loss, bleu: bleu, title: URL(fileURLWithPath: log).lastPathComponent)
            .write(toFile: path, atomically: true, encoding: .utf8)
        print(path)
    }
}

enum SVGChart {
    /// Two panels sharing the time axis: loss per token (top), validation BLEU (bottom).
    static func render(loss: [(Double, Double)], bleu: [(Double, Double)], title: String) -> String {
        let width = 720.0, panel = 220.0, left = 60.0, right = 20.0, top = 40.0, gap = 50.0
        let maxX = max((loss + bleu).map(\.0).max() ?? 1, 1e-9)
        func x(_ v: Double) -> Double { left + v / maxX * (width - left - right) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(top + 2 * panel + gap + 40))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"\(left)\" y=\"20\" font-size=\"14\">\(escape(title))</text>\n"
        for (index, (name, points, color)) in [("training loss per token", loss, "#1f77b4"), ("validation BLEU", bleu, "#d62728")].enumerated() {
            let y0 = top + Double(index) * (panel + gap)
            let values = points.map(\.1)
            let (lo, hi) = (min(values.min() ?? 0, 0), max(values.max() ?? 1, 1e-9))
            func y(_ v: Double) -> Double { y0 + panel - (v - lo) / (hi - lo) * panel }
            svg += "<rect x=\"\(left)\" y=\"\(y0)\" width=\"\(width - left - right)\" height=\"\(panel)\" fill=\"none\" stroke=\"#999\"/>\n"
            svg += "<text x=\"\(left + 6)\" y=\"\(y0 + 16)\">\(name)</text>\n"
            for tick in 0...4 {
                let v = lo + (hi - lo) * Double(tick) / 4
                svg += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(String(format: "%.2f", v))</text>\n"
            }
            let path = points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
            if !points.isEmpty {
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
                for p in points where index == 1 {
                    svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>\n", x(p.0), y(p.1), color)
                }
            }
        }
        let axisY = top + 2 * panel + gap + 20
        for tick in 0...4 {
            let v = maxX * Double(tick) / 4
            svg += "<text x=\"\(x(v))\" y=\"\(axisY)\" text-anchor=\"middle\">\(String(format: "%.1f", v))</text>\n"
        }
        svg += "<text x=\"\(width / 2)\" y=\"\(axisY + 16)\" text-anchor=\"middle\">minutes of training</text>\n</svg>\n"
        return svg
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
