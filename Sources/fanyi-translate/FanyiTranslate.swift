import ArgumentParser
import Foundation
import Seq2Seq
import Tensor
import Documents
import Tokenization
import Translation

@main
struct FanyiTranslate: ParsableCommand {
    /// Gives OpenBLAS its settings (see `BLASEnvironment`) before parsing and running.
    static func main() {
        BLASEnvironment.prepare()
        main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "fanyi-translate",
        abstract: "Translate stdin to stdout, one line out per line in.",
        discussion: """
            The model file carries its vocabularies and tokenizer settings: it is all
            this needs. Lines are translated as they arrive and the output is flushed
            whenever more input would have to be waited for, so the tool works
            interactively; from a file, --read-ahead × --batch-size lines are read
            ahead and batched by length. An empty line gives an empty line. With
            --n-best N, each input line gives N lines `INDEX ||| TEXT ||| SCORE`
            (Marian's format). Lines longer than 250 subwords are cut (a warning says
            how many); --split-sentences translates each line sentence by sentence
            (ICU's sentence breaks) and keeps the spacing between sentences. With
            --format html, xml, srt, po, odt or docx, the whole input is one file:
            its text is translated sentence by sentence and everything else written
            back as it was (a PO file gets translations for its untranslated entries,
            marked fuzzy below --review-below).
            Examples:
              echo "Select the cell range." \\
                  | fanyi-translate --model models/en-zh-lohelp.safetensors
              fanyi-translate --model runs/my-en-es/model.safetensors \\
                  --attention-svg heatmaps < my-data/test.en > test.out
              fanyi-translate --model models/en-zh-lohelp.safetensors \\
                  --format html -i page.html -o page.zh.html
            """)

    @Option(help: "Model file written by fanyi-train.") var model: String
    @Option(name: [.short, .long], help: "Input file, - for standard input.") var input = "-"
    @Option(name: [.short, .long], help: "Output file (default: standard output).") var output: String?
    @Option(help: "Beam size (1: greedy).") var beamSize = 5
    @Option(help: "Translations per input line (≤ beam size); prints Marian n-best lines.") var nBest = 1
    @Option(help: "Length penalty α (0: none).") var lengthPenalty = 0.6
    @Option(help: "Length penalty form: gnmt ((5+|Y|)/6)^α or average |Y|^α.") var lengthPenaltyType = "gnmt"
    @Option(help: "GNMT coverage penalty β (0: off).") var coveragePenalty = SearchOptions.recommended.coveragePenalty
    @Option(help: "Maximum output length as a factor of the source length (+5 tokens).") var maxLengthFactor = 2.0
    @Option(help: "Block repeated n-grams of this order (0: off).") var blockNgramRepeat = SearchOptions.recommended.blockNgramRepeat
    @Option(help: "Sentences translated together.") var batchSize = 32
    @Option(help: "Batches read ahead when input is waiting, sorted by length across them (Marian's maxi-batch).")
    var readAhead = 10
    @Option(help: "Threads.") var threads = 2
    @Flag(help: "Replace <unk> by the source piece it attends to most.") var replaceUnk = false
    @Flag(help: "Append a tab and the score to each translation.") var scores = false
    @Flag(help: "Append ' ||| ' and source-target piece alignments (0-0 1-2 …).") var alignment = false
    @Option(help: "Write an attention heatmap per input line into this folder (LINE.svg).") var attentionSvg: String?
    @Flag(help: "Translate each line sentence by sentence and join the translations with the line's own spacing.")
    var splitSentences = false
    @Flag(help: "Score the whole target vocabulary even when the model file has a shortlist.") var noShortlist = false
    @Flag(help: "Give placeholders, tags, entities and accelerators to the model as words instead of keeping them unchanged.")
    var noProtectMarkup = false
    @Option(help: "Glossary: a TSV file of source term, tab, fixed translation (docs/glossary.md).")
    var glossary: String?
    @Option(help: "Input: text (a segment per line), or one html, xml, srt, po, odt or docx file whose text is translated and the rest kept (docs/documents.md).")
    var format: InputFormat = .text
    @Option(help: "With --format: segments whose confidence (calibrated where the model has it) is below this need review; PO entries are marked fuzzy (1: all, 0: none).")
    var reviewBelow = 0.5
    @Option(help: "text: one line per line; jsonl: one JSON object per line with score, confidence, words with their confidences, alignment and the n-best.")
    var outputFormat: LineFormat = .text
    @Option(help: "With a shortlist: sentences of a batch that share one candidate set (1: each sentence its own).")
    var shortlistGroup = SearchOptions().shortlistGroupSize
    @Option(help: "Check only: the model fixes the direction; another language is an error naming the model for it. auto: none is named (the input is always checked: a warning names the first line CLD2 finds in another language).")
    var sourceLang: String?
    @Option(help: "Check only, as --source-lang.") var targetLang: String?
    @Option(help: "Invalid UTF-8 input: error (stop at that line, after writing the lines before it) or replace.")
    var invalidUTF8: InvalidUTF8Policy = .error

    func validate() throws {
        if beamSize < 1 { throw ValidationError("--beam-size must be ≥ 1, got \(beamSize)") }
        if nBest < 1 || nBest > beamSize { throw ValidationError("--n-best must be between 1 and --beam-size (\(beamSize)), got \(nBest)") }
        if lengthPenalty < 0 { throw ValidationError("--length-penalty must be ≥ 0, got \(lengthPenalty)") }
        if !["gnmt", "average"].contains(lengthPenaltyType) { throw ValidationError("--length-penalty-type must be gnmt or average, got '\(lengthPenaltyType)'") }
        if coveragePenalty < 0 { throw ValidationError("--coverage-penalty must be ≥ 0, got \(coveragePenalty)") }
        if !(maxLengthFactor > 0) { throw ValidationError("--max-length-factor must be > 0, got \(maxLengthFactor)") }
        if blockNgramRepeat < 0 { throw ValidationError("--block-ngram-repeat must be ≥ 0, got \(blockNgramRepeat)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1, got \(batchSize)") }
        if shortlistGroup < 1 { throw ValidationError("--shortlist-group must be ≥ 1, got \(shortlistGroup)") }
        if readAhead < 1 { throw ValidationError("--read-ahead must be ≥ 1, got \(readAhead)") }
        if threads < 1 { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
        if nBest > 1 && (scores || alignment) { throw ValidationError("--n-best prints its own scores; drop --scores/--alignment") }
        if outputFormat == .jsonl && (scores || alignment || splitSentences) {
            throw ValidationError("--output-format jsonl holds scores and alignments itself and one sentence per line: drop --scores, --alignment and --split-sentences")
        }
        if format != .text && (nBest > 1 || scores || alignment || attentionSvg != nil || outputFormat != .text || splitSentences) {
            throw ValidationError("--format \(format.rawValue) writes one document: drop --n-best, --scores, --alignment, --attention-svg, --output-format and --split-sentences")
        }
        if format != .text && noProtectMarkup {
            throw ValidationError("--format \(format.rawValue) keeps a document's tags by protecting them: drop --no-protect-markup")
        }
        if !(0...1).contains(reviewBelow) { throw ValidationError("--review-below must be between 0 and 1, got \(reviewBelow)") }
        if splitSentences && (nBest > 1 || scores || alignment || attentionSvg != nil) {
            throw ValidationError("--split-sentences joins several translations into one line: drop --n-best, --scores, --alignment and --attention-svg")
        }
    }

    func run() throws {
        BLAS.threads = threads
        var options = TranslationOptions()
        options.search.beamSize = beamSize
        options.search.nBest = nBest
        options.search.lengthPenalty = lengthPenalty == 0 ? .none
            : lengthPenaltyType == "gnmt" ? .gnmt(alpha: lengthPenalty) : .average(alpha: lengthPenalty)
        options.search.coveragePenalty = coveragePenalty
        options.search.maxLengthFactor = maxLengthFactor
        options.search.blockNgramRepeat = blockNgramRepeat
        options.search.recordAttention = attentionSvg != nil
        options.batchSize = batchSize
        options.replaceUnknown = replaceUnk
        options.useShortlist = !noShortlist
        options.protectMarkup = !noProtectMarkup
        options.search.shortlistGroupSize = shortlistGroup
        try checkModelPath()
        let translator = try Translator(modelFile: model, options: options)
        try checkDirection(translator.pipeline)
        if let glossary {
            let terms = try Glossary(contentsOf: glossary)
            let (source, target) = (translator.pipeline.sourceLanguage, translator.pipeline.targetLanguage)
            guard terms.fits(source: source, target: target) else {
                throw GlossaryError.wrongPair(file: glossary, glossary: "\(terms.sourceLanguage ?? "?") → \(terms.targetLanguage ?? "?")",
                                              model: "\(source) → \(target)")
            }
            translator.options.glossary = terms
        }
        var scriptCheck = SourceLanguageCheck(sourceLanguage: translator.pipeline.sourceLanguage, modelFile: model)
        if let attentionSvg {
            do { try FileManager.default.createDirectory(atPath: attentionSvg, withIntermediateDirectories: true) } catch {
                throw ToolError(description: "--attention-svg \(attentionSvg): cannot create the folder (\((error as NSError).localizedDescription)); give a writable folder")
            }
        }

        if let documentFormat = format.document {
            return try translateDocument(translator, format: documentFormat)
        }
        let reader = try LineReader(path: input, policy: invalidUTF8)
        if input == "-" && isatty(0) != 0 {
            // Someone at a terminal, not a pipe: say what the silent wait is for.
            // Short enough for an 80-column terminal: the file's name, not its whole path.
            let name = (model as NSString).lastPathComponent
            FileHandle.standardError.write(Data("fanyi-translate: \(translator.pipeline.sourceLanguage) → \(translator.pipeline.targetLanguage) (\(name))\ntype a sentence and press Enter; Ctrl-D ends\n".utf8))
        }
        var outputDescriptor: Int32 = 1
        if let output {
            var (inputStat, outputStat) = (stat(), stat())
            if input != "-" && stat(input, &inputStat) == 0 && stat(output, &outputStat) == 0
                && inputStat.st_dev == outputStat.st_dev && inputStat.st_ino == outputStat.st_ino {
                throw ToolError(description: "--output \(output) is the --input file: it would be emptied before it is read; write elsewhere")
            }
            outputDescriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard outputDescriptor >= 0 else {
                throw ToolError(description: "--output \(output): cannot open for writing (\(String(cString: strerror(errno)))); give a writable file")
            }
        }
        defer { if outputDescriptor != 1 { close(outputDescriptor) } }
        let writer = LineWriter(fileDescriptor: outputDescriptor)
        var pending: [String] = []
        var written = 0
        var flagged: [Int] = []
        func translatePending() throws {
            guard !pending.isEmpty else { return }
            if splitSentences {
                for (offset, paragraph) in try translator.translateParagraphs(pending).enumerated() {
                    if paragraph.sentences.contains(where: { [.appended, .mismatch].contains($0.first?.markup) }) {
                        flagged.append(written + offset + 1)
                    }
                    try writer.write(paragraph.text)
                }
                written += pending.count
                pending.removeAll()
                return try writer.flush()
            }
            for (offset, translations) in try translator.translate(pending).enumerated() {
                let index = written + offset
                if [.appended, .mismatch].contains(translations[0].markup) { flagged.append(index + 1) }
                if outputFormat == .jsonl {
                    try writer.write(OutputFormat.jsonLine(translations, source: pending[offset], index: index))
                } else if nBest > 1 {
                    for line in OutputFormat.nBest(translations, index: index) { try writer.write(line) }
                } else {
                    try writer.write(OutputFormat.line(translations[0], scores: scores, alignment: alignment))
                }
                if let attentionSvg, let best = translations.first {
                    try AttentionHeatmap.svg(source: best.sourcePieces, target: best.pieces, attention: best.attention,
                                             caption: [pending[offset], best.text])
                        .write(toFile: "\(attentionSvg)/\(index + 1).svg", atomically: true, encoding: .utf8)
                }
            }
            written += pending.count
            pending.removeAll()
            try writer.flush()
        }
        do {
            while true {
                // Lines of similar length share batches (less padding, fewer idle steps), so read
                // ahead while input is there; translate at once when it is not (interactive use).
                if reader.willBlock || pending.count >= batchSize * readAhead { try translatePending() }
                guard let line = try reader.nextLine() else { break }
                if let warning = scriptCheck.check(line, line: written + pending.count + 1) {
                    FileHandle.standardError.write(Data("fanyi-translate: warning: \(warning)\n".utf8))
                }
                pending.append(line)
            }
            try translatePending()
        } catch let error as TokenizationError {
            try? translatePending()  // the lines before the bad one still get their translations
            throw ToolError(description: "\(error) (stopped after \(written) translated line(s))")
        }
        if translator.truncatedInputs > 0 {
            FileHandle.standardError.write(Data("fanyi-translate: \(translator.truncatedInputs) line(s) were longer than \(options.maxSourceLength) subwords and were cut; --split-sentences translates long lines sentence by sentence\n".utf8))
        }
        if !flagged.isEmpty {
            let shown = flagged.prefix(10).map(String.init).joined(separator: ", ") + (flagged.count > 10 ? ", …" : "")
            FileHandle.standardError.write(Data("fanyi-translate: \(flagged.count) line(s) got their placeholders or tags by rule, not by alignment, or hold ones the source does not; check line(s) \(shown)\n".utf8))
        }
        if reader.replacedLines > 0 {
            FileHandle.standardError.write(Data("fanyi-translate: replaced invalid UTF-8 in \(reader.replacedLines) line(s)\n".utf8))
        }
    }
}

extension FanyiTranslate {
    /// A missing model file: say which model files the folder has.
    func checkModelPath() throws {
        var isDirectory: ObjCBool = false
        guard !FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) || isDirectory.boolValue else { return }
        let candidates = ModelDirectory.modelFiles(besides: isDirectory.boolValue ? model + "/x" : model)
        let folder = (model as NSString).deletingLastPathComponent
        let listing = candidates.isEmpty ? "no .safetensors files in \(folder.isEmpty ? "." : folder)"
            : "model files there: \(candidates.joined(separator: ", "))"
        throw ToolError(description: "--model \(model): \(isDirectory.boolValue ? "is a folder" : "no such file"); \(listing)")
    }

    /// --source-lang / --target-lang that the model does not translate: name the model that does.
    func checkDirection(_ pipeline: TextPipeline) throws {
        let (source, target) = (pipeline.sourceLanguage, pipeline.targetLanguage)
        let sourceLang = sourceLang == "auto" ? nil : sourceLang
        guard (sourceLang ?? source) != source || (targetLang ?? target) != target else { return }
        let wanted = (sourceLang ?? "?") + " → " + (targetLang ?? "?")
        var message = "\(model) translates \(source) → \(target), not \(wanted): a model file fixes the direction"
        let other = ModelDirectory.model(besides: model) { source, target in
            (sourceLang.map { $0 == source } ?? true) && (targetLang.map { $0 == target } ?? true)
        }
        if let other {
            message += "; \(other.file) translates \(other.source) → \(other.target) (--model \(other.file))"
        } else {
            message += "; train one for \(wanted) (README: \"Your own model, step by step\")"
        }
        throw ToolError(description: message)
    }
}

extension FanyiTranslate {
    /// --format html|xml|srt|po|odt|docx: the whole input is one file.
    func translateDocument(_ translator: Translator, format: FileFormat) throws {
        let name = input == "-" ? "stdin" : input
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do { data = try Data(contentsOf: URL(fileURLWithPath: input)) } catch {
                throw ToolError(description: "--input \(input): cannot read it (\((error as NSError).localizedDescription))")
            }
        }
        let result: DocumentTranslation
        do { result = try translator.translate(file: [UInt8](data), format: format, name: name, reviewBelow: reviewBelow) }
        catch let error as DocumentError {
            throw ToolError(description: error.description)
        }
        if let output {
            do { try Data(result.bytes).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw ToolError(description: "--output \(output): cannot write it (\((error as NSError).localizedDescription))")
            }
        } else {
            FileHandle.standardOutput.write(Data(result.bytes))
        }
        func numbers(_ indices: [Int]) -> String {
            indices.prefix(10).map { String($0 + 1) }.joined(separator: ", ") + (indices.count > 10 ? ", …" : "")
        }
        if !result.flagged.isEmpty {
            FileHandle.standardError.write(Data("fanyi-translate: \(result.flagged.count) of \(result.segments) segment(s) got their tags by rule, not by alignment; check segment(s) \(numbers(result.flagged))\n".utf8))
        }
        if format == .po && !result.needingReview.isEmpty {
            FileHandle.standardError.write(Data("fanyi-translate: \(result.needingReview.count) of \(result.segments) segment(s) are below --review-below \(reviewBelow) or got their tags by rule: their entries are marked fuzzy\n".utf8))
        }
        if !result.untranslated.isEmpty {
            FileHandle.standardError.write(Data("fanyi-translate: \(result.untranslated.count) of \(result.segments) segment(s) were left in the source language: their translation did not fit back into the document (segment(s) \(numbers(result.untranslated)))\n".utf8))
        }
    }
}

extension InvalidUTF8Policy: ExpressibleByArgument {}

/// What fanyi-translate reads.
enum InputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, html, xml, srt, po, odt, docx

    /// The file format of a whole-file input (text is read line by line instead).
    var document: FileFormat? { self == .text ? nil : FileFormat(rawValue: rawValue) }
}

/// What fanyi-translate writes per input line.
enum LineFormat: String, ExpressibleByArgument, CaseIterable {
    case text, jsonl
}

/// A run-time failure: ArgumentParser prints it as one line, `Error: …`, and exits 1.
struct ToolError: Error, CustomStringConvertible {
    let description: String
}
