import ArgumentParser
import Evaluation
import Foundation
import Seq2Seq
import Tensor
import Tokenization
import Training
import Translation

/// Fits how a model's confidence maps to the probability of a good translation, and stores it in the model file.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store in a model file how its confidence maps to the probability of a good translation.",
        discussion: """
            Translates a held-out parallel corpus (not the training data: the dev
            set), scores each sentence with chrF against its reference, and fits a
            monotone map from the model's raw confidence (the geometric mean of its
            token probabilities) to the share of sentences whose chrF reaches
            --threshold. fanyi-translate --output-format jsonl and fanyi-serve then
            give each translation a calibratedConfidence: the probability that it
            is good in that sense (docs/confidence.md).
            Example:
              fanyi-train calibrate models/en-zh-lohelp.safetensors \\
                  --dev corpora/en-zh-lohelp/dev
            """)

    @Argument(help: "A model file (written by fanyi-train or fanyi-train export).") var model: String
    @Option(help: "Held-out corpus prefix (PREFIX.<source>, PREFIX.<target>: the model's languages).") var dev: String
    @Option(help: "Sentence chrF from which a translation counts as good (0–100).") var threshold = 50.0
    @Option(help: "Beam size of the translations measured (use the one you translate with).") var beamSize = 5
    @Option(help: "The file to write (default: the model file itself, replaced atomically).") var output: String?
    @Option(help: "Threads.") var threads = 2

    func validate() throws {
        if !(0...100).contains(threshold) { throw ValidationError("--threshold must be between 0 and 100, got \(threshold)") }
        if beamSize < 1 { throw ValidationError("--beam-size must be ≥ 1, got \(beamSize)") }
        if threads < 1 { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
    }

    func run() throws {
        BLAS.threads = threads
        var options = TranslationOptions()
        options.search.beamSize = beamSize
        // One read of the file: the translator is made from the bytes that are written back.
        let bytes = try SafeTensors.read(model)
        let translator = try Translator.translators(modelBytes: bytes, file: model, count: 1, options: options)[0]
        let languages = [translator.pipeline.sourceLanguage, translator.pipeline.targetLanguage]
        do { try CorpusFiles.checkExist(prefix: dev, languages: languages, flag: "--dev") } catch {
            throw ValidationError(error.description)
        }
        let corpus = try ParallelCorpus.read(prefixes: [dev], sourceLanguage: languages[0], targetLanguage: languages[1])
        guard corpus.sources.count >= 20 else {
            throw ValidationError("--dev \(dev): \(corpus.sources.count) sentence pairs; a calibration needs at least 20 (a few hundred give a useful one)")
        }
        let translations = try translator.translate(corpus.sources).map { $0[0] }
        let chrf = CHRF()
        let good = zip(translations, corpus.targets).map { chrf.score(hypotheses: [$0.text], references: [$1]) >= threshold }
        let calibration = ConfidenceCalibration.fit(raw: translations.map(\.confidence), good: good, metric: "chrF2|" + chrf.signature, threshold: threshold)

        let (tensors, read) = try SafeTensors.decode(bytes, file: model)
        var metadata = read
        metadata[ConfidenceCalibration.metadataKey] = calibration.serialized()
        try SafeTensors.write(tensors, metadata: metadata, storage: Self.storage(of: tensors), to: output ?? model)
        let share = Double(good.filter { $0 }.count) / Double(good.count)
        FileHandle.standardError.write(Data("""
            calibrated on \(good.count) sentences of \(dev): \(String(format: "%.1f", 100 * share)) % reach chrF \(threshold); \
            \(calibration.points.count) points, raw \(String(format: "%.3f", calibration.points.first![0]))…\(String(format: "%.3f", calibration.points.last![0])) \
            → \(String(format: "%.3f", calibration.points.first![1]))…\(String(format: "%.3f", calibration.points.last![1]))

            """.utf8))
        print(output ?? model)
    }

    /// The storage that writes the tensors back exactly as they were read: 8-bit tensors stay
    /// 8-bit (their scales F32), and F16 when every float is a Float16 (nothing is lost), else F32.
    static func storage(of tensors: [SafeTensors.Tensor]) -> StorageType {
        if tensors.contains(where: { $0.int8 != nil }) { return .i8 }
        let halves = tensors.allSatisfy { tensor in
            tensor.withFloats { values in values.allSatisfy { Float(Float16($0)) == $0 } }
        }
        return halves ? .f16 : .f32
    }
}
