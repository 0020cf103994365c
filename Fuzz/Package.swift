// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets for every loader that reads a file a user may be handed, built on Fanyi's
/// libraries (the package one folder up). Run them with `scripts/fuzz.sh`; each target is an
/// executable whose `main` is libFuzzer's (`swift build --sanitize=fuzzer`).
let fanyi = "Fanyi"

func fuzzer(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: "fuzz-\(name)",
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: fanyi) },
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "FanyiFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: fanyi, path: ".."),
    ],
    targets: [
        // MARK: - Shared

        /// Fuzzer bytes as `[UInt8]` or as text, the way the loaders read files.
        .target(name: "FuzzSupport", dependencies: [.product(name: "Tokenization", package: fanyi)]),

        // MARK: - Fuzz targets

        /// A whole model file as fanyi-translate loads it (safetensors header and tensors,
        /// configuration, tokenizer options, merges, vocabularies, shortlist), then one translation.
        fuzzer("model-file", ["Translation", "Seq2Seq"]),
        /// A checkpoint as `fanyi-train` resumes from it (training state, options, Adam moments).
        fuzzer("checkpoint", ["Training"]),
        /// A vocabulary file, then lookups of its tokens.
        fuzzer("vocabulary", ["Tokenization"]),
        /// A merges file, then BPE applied with it.
        fuzzer("merges", ["Tokenization"]),
        /// A vocabulary manifest (`fanyi-vocab build`'s OUTPUT.json), then tokenizers from its options.
        fuzzer("manifest", ["Tokenization"]),
        /// A shortlist as stored in a model file's metadata, then candidates from it.
        fuzzer("shortlist", ["Seq2Seq"]),
        /// A `fanyi-train --config` YAML file.
        fuzzer("config", ["Training"]),
        /// The tokenizer, detokenizer and sentence splitter on arbitrary bytes.
        fuzzer("tokenizer", ["Tokenization"]),
        /// Placeholders, tags and accelerators found in any string and placed into a translation.
        fuzzer("markup", ["Translation"]),
        /// A glossary file, then its terms found in a text.
        fuzzer("glossary", ["Translation"]),
        /// An HTML or XML document cut into segments and put back together.
        fuzzer("document", ["Documents"]),
        /// A POST body (URL-encoded form, multipart/form-data or untyped) as fanyi-serve reads it.
        fuzzer("form", ["Serving"]),
        /// A gettext catalogue read by libgettextpo, filled and written back.
        fuzzer("po", ["Documents"]),
        /// An .odt or .docx package, or one XML part of one, cut into segments and put back.
        fuzzer("office", ["Documents"]),
    ]
)
