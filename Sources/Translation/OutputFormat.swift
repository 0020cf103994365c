/// The text forms of translations that `fanyi-translate` prints.
public enum OutputFormat {
    /// One line per translation: the text, then with `scores` a tab and the score, then with
    /// `alignment` ` ||| ` and source-target piece pairs (`0-0 1-2 …`, Marian's hard alignment).
    public static func line(_ t: Translation, scores: Bool, alignment: Bool) -> String {
        var line = t.text
        if scores { line += "\t" + formatScore(t.score) }
        if alignment { line += " ||| " + t.alignment.enumerated().map { "\($0.element)-\($0.offset)" }.joined(separator: " ") }
        return line
    }

    /// n-best lines in Marian's form: `INDEX ||| TEXT ||| SCORE`, INDEX the 0-based input line.
    public static func nBest(_ translations: [Translation], index: Int) -> [String] {
        translations.map { "\(index) ||| \($0.text) ||| \(formatScore($0.score))" }
    }

    static func formatScore(_ score: Double) -> String {
        score.isFinite ? String(format: "%.6f", score) : "\(score)"
    }
}

/// An attention heatmap as SVG: source pieces along the top, target pieces down the side, each
/// cell shaded by its weight.
public enum AttentionHeatmap {
    public static func svg(source: [String], target: [String], attention: [[Float]]) -> String {
        let cell = 22.0, left = 140.0, top = 140.0
        let width = left + cell * Double(source.count) + 20, height = top + cell * Double(target.count) + 20
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (j, piece) in source.enumerated() {
            let x = left + cell * (Double(j) + 0.5)
            svg += "<text transform=\"translate(\(x),\(top - 6)) rotate(-60)\">\(escape(piece))</text>\n"
        }
        for (i, piece) in target.enumerated() {
            let y = top + cell * (Double(i) + 0.7)
            svg += "<text x=\"\(left - 6)\" y=\"\(y)\" text-anchor=\"end\">\(escape(piece))</text>\n"
            for j in source.indices {
                let w = i < attention.count && j < attention[i].count ? Double(attention[i][j]) : 0
                let shade = Int(255 * (1 - min(max(w, 0), 1)))
                svg += "<rect x=\"\(left + cell * Double(j))\" y=\"\(top + cell * Double(i))\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(shade),\(shade),255)\" stroke=\"#eee\"><title>\(String(format: "%.3f", w))</title></rect>\n"
            }
        }
        return svg + "</svg>\n"
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
