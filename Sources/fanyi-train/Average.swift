import ArgumentParser
import Foundation
import Seq2Seq

/// Averages the parameters of checkpoints (or models) of one run into one model file.
struct Average: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Average the parameters of several checkpoints of one run into a model file.",
        discussion: """
            Keep close checkpoints while training (e.g. --checkpoint-steps 200
            --keep-checkpoints 5), then average the last ones; the files must have
            the same architecture and vocabularies. The metadata (vocabularies,
            tokenizer settings, a shortlist) comes from the last file.
            Example:
              fanyi-train average runs/my-en-es/checkpoint-*.safetensors \\
                  --output runs/my-en-es/averaged.safetensors
            """)

    @Argument(help: "Two or more checkpoint or model files of one run.") var inputs: [String]
    @Option(help: "The model file to write.") var output: String
    @Option(help: "Storage of the written file: F32, F16 or I8 (8-bit weights, which translate faster).") var storage: StorageType = .f32

    func validate() throws {
        if inputs.count < 2 { throw ValidationError("give two or more files to average, got \(inputs.count)") }
    }

    func run() throws {
        var models: [Seq2SeqModel] = []
        var metadata: [String: String] = [:]
        for path in inputs {
            let (model, entries) = try ModelFile.load(path)
            if let first = models.first {
                if model.config != first.config {
                    throw ValidationError("\(path) has another architecture than \(inputs[0]) (\(ModelFile.configJSON(model.config)) vs \(ModelFile.configJSON(first.config))); average checkpoints of one run")
                }
                for key in ["source.vocabulary", "target.vocabulary", "source.language", "target.language"] where entries[key] != metadata[key] {
                    throw ValidationError("\(path) has another \(key) than \(inputs[0]); average checkpoints of one run")
                }
            }
            models.append(model)
            metadata = entries
        }
        let kept = shippedMetadata(metadata)
        try ModelFile.save(Seq2SeqModel.average(models), metadata: kept, storage: storage, to: output)
        print(output)
    }
}
