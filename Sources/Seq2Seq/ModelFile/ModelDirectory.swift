import Foundation

/// What a folder of model files offers, read from their headers only (a few kilobytes each): for
/// messages that name the model file a user meant or needs.
public enum ModelDirectory {
    /// The `__metadata__` of a safetensors file, without reading its tensors.
    public static func metadata(_ path: String) -> [String: String]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let prefix = try? handle.read(upToCount: 8), prefix.count == 8 else { return nil }
        let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(SafeTensors.maximumHeaderSize), let header = try? handle.read(upToCount: Int(length)),
              header.count == Int(length),
              let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any],
              let metadata = object["__metadata__"] as? [String: String] else { return nil }
        return metadata
    }

    /// The language pair a model file translates ("en", "zh"), from its header.
    public static func languagePair(_ path: String) -> (source: String, target: String)? {
        guard let metadata = metadata(path), let source = metadata["source.language"],
              let target = metadata["target.language"] else { return nil }
        return (source, target)
    }

    /// The `.safetensors` files in the folder of `path` (sorted), for "did you mean" lists.
    public static func modelFiles(besides path: String) -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        let listed = folder.isEmpty ? "." : folder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: listed) else { return [] }
        return names.filter { $0.hasSuffix(".safetensors") }.sorted().map { folder.isEmpty ? $0 : folder + "/" + $0 }
    }

    /// The first other model file beside `path` whose language pair satisfies `matches`, with its pair.
    public static func model(besides path: String, where matches: (_ source: String, _ target: String) -> Bool)
        -> (file: String, source: String, target: String)? {
        for file in modelFiles(besides: path) where file != path {
            if let pair = languagePair(file), matches(pair.source, pair.target) { return (file, pair.source, pair.target) }
        }
        return nil
    }
}
