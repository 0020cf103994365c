import Foundation
import Testing
import Translation

let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

@Suite struct TranslatorTests {
    /// The README's example, with the shipped model.
    @Test func readmeExample() throws {
        let translator = try Translator(modelFile: packageRoot + "/models/en-zh-lohelp.safetensors")
        let text = try translator.translate("Select the cell range.")
        #expect(text.contains("单元格"), "\(text)")
    }

    @Test func batchKeepsOrderAndEmptyLines() throws {
        var options = TranslationOptions()
        options.search.beamSize = 2
        options.search.nBest = 2
        options.batchSize = 2
        let translator = try Translator(modelFile: packageRoot + "/models/en-zh-lohelp.safetensors", options: options)
        let inputs = ["Click OK.", "", "Select the cell range.", "Opens the Print dialog.", " \t ", "  Click OK.\t"]
        let results = try translator.translate(inputs)
        #expect(results.count == 6)
        #expect(results[1].count == 1 && results[1][0].text == "")
        // Spaces around a line do not reach the model: blank is empty, padded is unpadded.
        #expect(results[4].count == 1 && results[4][0].text == "")
        #expect(results[5].map(\.text) == results[0].map(\.text))
        #expect(results[0].count == 2 && results[0][0].score >= results[0][1].score)
        #expect(results.allSatisfy { Set($0.map(\.text)).count == $0.count })  // n-best texts are distinct
        // The same sentence alone gives the same best translation.
        #expect(try translator.translate([inputs[2]])[0][0].text == results[2][0].text)
    }

    /// Paragraphs: each sentence translated as it would be alone, joined with the text's own line
    /// breaks; no spaces between Chinese sentences, one between English ones.
    @Test func paragraphsAreTranslatedSentenceBySentence() throws {
        let english = try Translator(modelFile: packageRoot + "/models/en-zh-lohelp.safetensors")
        let one = try english.translate("Select the cell range."), two = try english.translate("Click OK.")
        let paragraphs = try english.translateParagraphs(["Select the cell range. Click OK.\n\nClick OK.", "", "Click OK."])
        #expect(paragraphs.map(\.text) == [one + two + "\n\n" + two, "", two])
        #expect(paragraphs[0].sentences.count == 3 && paragraphs[1].sentences.isEmpty)

        let chinese = try Translator(modelFile: packageRoot + "/models/zh-en-lohelp.safetensors")
        let a = try chinese.translate("选择单元格区域。"), b = try chinese.translate("单击确定。")
        #expect(try chinese.translateParagraphs(["选择单元格区域。单击确定。"])[0].text == a + " " + b)
    }

    @Test func paragraphAlternativesTakeEachSentencesNthTranslation() throws {
        var options = TranslationOptions()
        options.search.beamSize = 3
        options.search.nBest = 3
        let translator = try Translator(modelFile: packageRoot + "/models/en-zh-lohelp.safetensors", options: options)
        let paragraph = try translator.translateParagraphs(["Select the cell range. Click OK."])[0]
        #expect(paragraph.alternativeCount == 3)
        #expect(paragraph.alternative(1) == paragraph.sentences[0][1].text + paragraph.sentences[1][1].text)
        #expect(paragraph.alternative(9) == paragraph.alternative(2))
    }

    @Test func cutInputsAreCounted() throws {
        var options = TranslationOptions()
        options.maxSourceLength = 3
        options.search.beamSize = 1
        let translator = try Translator(modelFile: packageRoot + "/models/en-zh-lohelp.safetensors", options: options)
        _ = try translator.translate(["Click OK.", "Select the whole cell range now."])
        #expect(translator.truncatedInputs == 1)
    }
}

import Seq2Seq
import Tokenization

@Suite struct ReplaceUnknownTests {
    /// A scripted model that always says `<unk>` once, then `</s>`: with --replace-unk the output
    /// is the source piece the `<unk>` attended to most.
    @Test func unknownTokensAreReplacedFromTheSource() throws {
        let source = Vocabulary(counts: ["Hello": 3, "world": 2])
        let target = Vocabulary(counts: ["你好": 3])
        let side = { (v: Vocabulary, language: String) in
            try TextSide(options: TokenizerOptions(language: language), merges: BPEMerges(), vocabulary: v)
        }
        let pipeline = TextPipeline(sourceLanguage: "en", targetLanguage: "zh", source: try side(source, "en"), target: try side(target, "zh"))
        var config = ModelConfig(sourceVocabularySize: source.count, targetVocabularySize: target.count)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize) = (2, 2, 4)
        let model = Seq2SeqModel(config: config, seed: 1)
        for p in model.parameters { p.value.zero() }
        let bias = model.generator.bias.value
        for v in 0..<target.count { bias[0, v] = -50 }
        bias[0, Vocabulary.unkID] = 0
        var options = TranslationOptions()
        options.search.beamSize = 1
        options.search.maxLengthFactor = 0  // 0 × length + 5 tokens at most
        options.search.blockNgramRepeat = 0  // the script repeats <unk> on purpose
        let plain = Translator(model: model, pipeline: pipeline, options: options)
        #expect(try plain.translate("Hello world") == "")  // <unk> pieces are specials: dropped
        options.replaceUnknown = true
        let replacing = Translator(model: model, pipeline: pipeline, options: options)
        let result = try replacing.translate(["Hello world"])[0][0]
        #expect(result.pieces.count == 5 && result.pieces.allSatisfy { $0 == "Hello" })  // uniform attention: position 0
        #expect(result.text == "Hello Hello Hello Hello Hello")
    }
}
