import Foundation

/// An attention heatmap as SVG: source pieces along the top, target pieces down the side, each
/// cell shaded by its weight (its value shown on hover), under a caption of the two sentences.
public enum AttentionHeatmap {
    /// `attention[i][j]`: the weight target piece i gave source piece j; `caption`: lines drawn
    /// above the grid (the source text and its translation).
    public static func svg(source: [String], target: [String], attention: [[Float]], caption: [String] = []) -> String {
        let cell = 22.0, left = 140.0, captionHeight = 18.0 * Double(caption.count)
        let top = 130.0 + captionHeight
        let captionWidth = caption.map { line in
            line.unicodeScalars.reduce(40.0) { $0 + ($1.properties.isIdeographic || $1.value >= 0x3000 ? 13 : 7.5) }
        }.max() ?? 0
        let width = max(left + cell * Double(source.count) + 20, captionWidth)
        let height = top + cell * Double(target.count) + 20
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (k, line) in caption.enumerated() {
            svg += "<text x=\"10\" y=\"\(18 + 18 * Double(k))\" font-size=\"13\">\(escape(line))</text>\n"
        }
        for (j, piece) in source.enumerated() {
            let x = left + cell * (Double(j) + 0.5)
            svg += "<text transform=\"translate(\(x),\(top - 6)) rotate(-60)\">\(escape(readable(piece)))</text>\n"
        }
        for (i, piece) in target.enumerated() {
            let y = top + cell * (Double(i) + 0.7)
            svg += "<text x=\"\(left - 6)\" y=\"\(y)\" text-anchor=\"end\">\(escape(readable(piece)))</text>\n"
            for j in source.indices {
                let w = i < attention.count && j < attention[i].count ? Double(attention[i][j]) : 0
                let shade = Int(255 * (1 - min(max(w, 0), 1)))
                svg += "<rect x=\"\(left + cell * Double(j))\" y=\"\(top + cell * Double(i))\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(shade),\(shade),255)\" stroke=\"#eee\"><title>\(String(format: "%.3f", w))</title></rect>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// A subword as a reader writes it: without the tokenizer's joiner mark `￭`, which common
    /// Linux fonts draw as a missing-glyph box (a piece that is only the mark keeps it).
    public static func readable(_ piece: String) -> String {
        let stripped = piece.replacingOccurrences(of: "￭", with: "")
        return stripped.isEmpty ? piece : stripped
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
