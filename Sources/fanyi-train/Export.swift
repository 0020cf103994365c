import ArgumentParser
import Seq2Seq

/// Re-writes a model or checkpoint as a model file for shipping (optionally in F16).
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model (or the model in a checkpoint) as a model file, e.g. in F16 for shipping.",
        discussion: """
            Training state (optimizer moments, progress) is left out; F16 halves the
            size at no measurable cost in BLEU.
            Example:
              fanyi-train export runs/my-en-es/model.safetensors --storage F16 \\
                  --output models/my-en-es.safetensors
            """)

    @Argument(help: "A model or checkpoint file.") var input: String
    @Option(help: "Storage of the written file: F32 or F16.") var storage: StorageType = .f16
    @Option(help: "The file to write.") var output: String

    func run() throws {
        let (model, metadata) = try ModelFile.load(input)
        let kept = metadata.filter { !$0.key.hasPrefix("training.") && !["format", "format_version", "config"].contains($0.key) }
        try ModelFile.save(model, metadata: kept, storage: storage, to: output)
        print(output)
    }
}
