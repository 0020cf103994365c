import Foundation
import Tokenization
import Yams

/// The YAML form of the options: keys are the flag names without dashes (`source-lang: en`,
/// `train: [corpora/a/train, corpora/b/train]`).
public enum ConfigFile {
    static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "-")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }.joined()
    }

    static func kebabCase(_ key: String) -> String {
        key.unicodeScalars.map { CharacterSet.uppercaseLetters.contains($0) ? "-" + String($0).lowercased() : String($0) }.joined()
    }

    /// Reads `path` over `defaults`; unknown keys are errors naming the key and the file.
    public static func read(_ path: String, over defaults: TrainingOptions) throws -> TrainingOptions {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw TrainingError.io("\(path): cannot read the config file") }
        return try parse(text, file: path, over: defaults)
    }

    /// Parses a config file's text over `defaults`; `path` names it in errors.
    public static func parse(_ text: String, file path: String, over defaults: TrainingOptions) throws -> TrainingOptions {
        let document: Node?
        do { document = try Yams.compose(yaml: text) } catch { throw TrainingError.io("\(path): not valid YAML: \(error)") }
        guard let mapping = document?.mapping else { throw TrainingError.io("\(path): expected a map of options (key: value)") }
        var map: [String: Any] = [:]
        var budget = maxValueNodes
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw TrainingError.invalidOption("\(path):\(keyNode.mark.map { "\($0.line)" } ?? "?"): an option's name must be a plain word (key: value)")
            }
            map[key] = try value(valueNode, key: key, path: path, budget: &budget)
        }
        let known = try TrainingOptions.encodedKeys(of: defaults).union(["valid", "vocab"])
        var entries: [String: Any] = [:]
        for (key, value) in map {
            let name = camelCase(key)
            guard known.contains(name) else { throw unknownKey(key, in: text, path: path, known: known) }
            if name == "train", let single = value as? String {
                entries[name] = [single]
            } else {
                entries[name] = value
            }
        }
        do {
            return try TrainingOptions.merging(entries, over: defaults)
        } catch DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context) {
            let key = context.codingPath.first.map { kebabCase($0.stringValue) } ?? "?"
            throw TrainingError.invalidOption("\(path): '\(key)' needs \(describe(type)); see fanyi-train help train")
        } catch DecodingError.dataCorrupted(let context) {
            let key = context.codingPath.first.map { kebabCase($0.stringValue) } ?? "?"
            throw TrainingError.invalidOption("\(path): '\(key)' has a value it cannot take; see fanyi-train help train for the choices")
        } catch {
            throw TrainingError.invalidOption("\(path): a value has the wrong type (\(error))")
        }
    }

    /// More values than any config needs: aliases can make a small file a huge tree.
    static let maxValueNodes = 10_000

    /// A YAML value as JSON-compatible `Any` (what `TrainingOptions.merging` takes): scalars
    /// resolved as YAML 1.1 does (numbers, booleans, null, else text), sequences as arrays. Not
    /// Yams' `Node.any`, which traps on a map with a non-text key and gives dates and infinities
    /// that JSON cannot hold.
    static func value(_ node: Node, key: String, path: String, budget: inout Int) throws -> Any {
        budget -= 1
        guard budget >= 0 else { throw TrainingError.invalidOption("\(path): '\(key)' has more values than a config file needs") }
        let line = node.mark.map { ":\($0.line)" } ?? ""
        switch node {
        case .scalar(let scalar):
            // Quoted scalars are text; plain ones resolve to null, booleans and numbers first.
            // Numbers are read by Swift, in decimal: Yams' Int.construct traps on base-60
            // values too large for an Int ("1:30:…", found by the fuzzer).
            guard scalar.style == .plain else { return scalar.string }
            let text = scalar.string
            if NSNull.construct(from: scalar) != nil { return NSNull() }
            if let flag = Bool.construct(from: scalar) { return flag }
            if let whole = Int(text) { return whole }
            let infinities: Set<String> = [".inf", "+.inf", "-.inf", ".nan"]
            if let number = Double(text) ?? (infinities.contains(text.lowercased()) ? Double.nan : nil) {
                guard number.isFinite else {
                    throw TrainingError.invalidOption("\(path)\(line): '\(key)' needs a finite number, not '\(text)'")
                }
                return number
            }
            return text
        case .sequence(let sequence):
            return try sequence.map { try value($0, key: key, path: path, budget: &budget) }
        case .mapping:
            throw TrainingError.invalidOption("\(path)\(line): '\(key)' takes a value or a list, not a map")
        }
    }

    /// An unknown key's error: its file and line, and the known key it most likely meant.
    static func unknownKey(_ key: String, in text: String, path: String, known: Set<String>) -> TrainingError {
        // TextFile.lines, not split(separator: "\n"): in a CRLF file "\r\n" is one Character.
        let line = TextFile.lines(text).firstIndex { line in
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            return trimmed.hasPrefix(key) && trimmed.dropFirst(key.count).drop { $0 == " " }.hasPrefix(":")
        }.map { ":\($0 + 1)" } ?? ""
        var message = "\(path)\(line): unknown option '\(key)'"
        if let nearest = nearestKey(to: key, among: known.map(kebabCase)) {
            message += "; did you mean '\(nearest)'?"
        } else {
            message += "; the options are the flags of fanyi-train train without their dashes (fanyi-train help train)"
        }
        return TrainingError.invalidOption(message)
    }

    /// The known key closest to `key` in edit distance (underscores and case ignored), when it is
    /// close enough to be a slip: at most a third of the key's length.
    static func nearestKey(to key: String, among known: [String]) -> String? {
        let normalized = key.lowercased().replacingOccurrences(of: "_", with: "-")
        let scored = known.map { ($0, editDistance(Array(normalized), Array($0))) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        guard let best = scored.first, best.1 <= max(1, normalized.count / 3) else { return nil }
        return best.0
    }

    /// Levenshtein distance: insertions, deletions and substitutions of one character each.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// A value type in words: "a number", "a whole number", ….
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Float.Type, is Double.Type: return "a number"
        case is Int.Type, is UInt64.Type: return "a whole number"
        case is Bool.Type: return "true or false"
        case is [String].Type: return "a list of corpus prefixes"
        default: return "a \(type)"
        }
    }

    /// The options as YAML with the flags' names, for the start of a run (and as a config file).
    public static func describe(_ options: TrainingOptions) -> String {
        guard let yaml = try? YAMLEncoder().encode(options) else { return "" }
        return yaml.split(separator: "\n").map { line -> String in
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix(" "), !line.hasPrefix("-") else { return "  " + line }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return "  " + kebabCase(String(line[..<colon])) + ": " + shortestNumber(value)
        }.joined(separator: "\n")
    }

    /// Yams writes a Float through Double (`2.00000002980232e-1`); the Float's own shortest
    /// form (`0.2`) is what the user typed.
    static func shortestNumber(_ value: String) -> String {
        guard value.contains(where: { $0 == "e" || $0 == "." }), let number = Double(value), let float = Float(exactly: Float(number)),
              float.isFinite else { return value }
        return float == float.rounded() && abs(float) < 1e9 ? String(Int(float)) : "\(float)"
    }
}
