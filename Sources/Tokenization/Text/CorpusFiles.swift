import Foundation

/// The files of a parallel corpus: `PREFIX.<lang>` for each language, line-aligned
/// (`my-data/train.en`, `my-data/train.es` for the prefix `my-data/train`).
public enum CorpusFiles {
    /// The file holding `language`'s side of the corpus at `prefix`.
    public static func path(_ prefix: String, _ language: String) -> String {
        "\(prefix).\(language)"
    }

    /// Throws an error naming the first missing file and what to do instead, judging from what
    /// is there: other languages under the same prefix point at a language flag, no file at
    /// all points at the prefix. `flag` is the option that gave the prefix (`--train`).
    public static func checkExist(prefix: String, languages: [String], flag: String) throws(TokenizationError) {
        for language in languages {
            let file = path(prefix, language)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), !isFolder.boolValue { continue }
            throw .io(file: file, reason: "no such file. " + hint(prefix: prefix, languages: languages, flag: flag))
        }
    }

    /// What exists next to a missing corpus file, as advice.
    static func hint(prefix: String, languages: [String], flag: String) -> String {
        let folder = (prefix as NSString).deletingLastPathComponent
        let stem = (prefix as NSString).lastPathComponent + "."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        let siblings = names.filter { $0.hasPrefix(stem) && $0.count > stem.count }.sorted()
        let expected = languages.map { path(prefix, $0) }.joined(separator: " and ")
        if siblings.isEmpty {
            return "\(flag) takes a prefix: \(flag) \(prefix) reads \(expected); no file in "
                + "\(folder.isEmpty ? "the current folder" : folder) starts with '\(stem)', so check the prefix"
        }
        let found = siblings.prefix(6).map { String($0.dropFirst(stem.count)) }.joined(separator: ", ")
        return "\(flag) \(prefix) reads \(expected); this prefix has the languages \(found): "
            + "check --source-lang and --target-lang"
    }
}
