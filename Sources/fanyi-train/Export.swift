import ArgumentParser
import Foundation
import Seq2Seq
import Tokenization
import Training

/// Writes a model or checkpoint as a translation model file: F16 for shipping, a shortlist.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model (or the model in a checkpoint) as a model file, e.g. in F16 for shipping.",
        discussion: """
            Training state (optimizer moments, progress) is left out; F16 halves the
            size at no measurable cost in BLEU. --shortlist PREFIX learns a lexical
            shortlist from a parallel corpus (the training data) and stores it in
            the file: fanyi-translate then scores only the target subwords that the
            batch's source subwords are associated with, plus the most frequent ones.
            Example:
              fanyi-train export runs/my-en-es/model.safetensors --storage F16 \\
                  --shortlist corpora/en-es-bible/train \\
                  --output models/my-en-es.safetensors
            """)

    @Argument(help: "A model or checkpoint file.") var input: String
    @Option(help: "Storage of the written file: F32, F16 or I8 (8-bit weights, which translate faster).") var storage: StorageType = .f16
    @Option(help: "The file to write.") var output: String
    @Option(help: "Corpus prefix to learn a shortlist from (PREFIX.<source>, PREFIX.<target>: the model's languages).")
    var shortlist: String?
    @Option(help: "Shortlist: target subwords kept per source subword.") var shortlistSize = 50
    @Option(help: "Shortlist: the most frequent target subwords, always candidates.") var shortlistFrequent = 500

    func validate() throws {
        if shortlistSize < 1 { throw ValidationError("--shortlist-size must be ≥ 1, got \(shortlistSize)") }
        if shortlistFrequent < 0 { throw ValidationError("--shortlist-frequent must be ≥ 0, got \(shortlistFrequent)") }
    }

    func run() throws {
        let (model, metadata) = try ModelFile.load(input)
        var kept = shippedMetadata(metadata)
        if let prefix = shortlist {
            let pipeline = try TextPipeline(metadata: metadata, file: input)
            let languages = [pipeline.sourceLanguage, pipeline.targetLanguage]
            do { try CorpusFiles.checkExist(prefix: prefix, languages: languages, flag: "--shortlist") } catch {
                throw ValidationError(error.description)
            }
            let corpus = try ParallelCorpus.read(prefixes: [prefix], sourceLanguage: languages[0], targetLanguage: languages[1])
            let encoded = try pipeline.encode(corpus, maxLength: .max)
            let list = Shortlist.learn(sources: encoded.sources, targets: encoded.targets,
                                       sourceVocabularySize: model.config.sourceVocabularySize,
                                       targetVocabularySize: model.config.targetVocabularySize,
                                       size: shortlistSize, frequent: shortlistFrequent)
            kept[Shortlist.metadataKey] = list.serialized()
            FileHandle.standardError.write(Data(
                "shortlist from \(encoded.count) pairs: \(shortlistSize) target subwords per source subword + the \(list.frequent) most frequent\n".utf8))
        }
        try ModelFile.save(model, metadata: kept, storage: storage, to: output)
        print(output)
    }
}

/// The metadata a written model file carries over from a model or checkpoint: the vocabularies,
/// tokenizer settings and shortlist, not the training state (`training.*`) nor the entries
/// `ModelFile` writes itself.
func shippedMetadata(_ metadata: [String: String]) -> [String: String] {
    metadata.filter { !$0.key.hasPrefix("training.") && !["format", "format_version", "config"].contains($0.key) }
}
