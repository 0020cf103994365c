import Foundation

/// The web page served at `/`: one self-contained HTML file (no external fonts, scripts or CDNs),
/// kept as a resource so that it can be edited as HTML.
enum Page {
    static let html: String = {
        guard let url = Bundle.module.url(forResource: "index", withExtension: "html"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            return "<!doctype html><meta charset=utf-8><title>Fanyi</title><p>The page (index.html) is missing from this build; the API at POST /translate works.</p>"
        }
        return text
    }()
}
