import Foundation
import Testing
@testable import Training

/// `fanyi-train --config` files: values as YAML resolves them, and every malformed file an error
/// naming the file (inputs found by scripts/fuzz.sh config are among them).
@Suite struct ConfigFileTests {
    func parse(_ text: String) throws -> TrainingOptions {
        try ConfigFile.parse(text, file: "run.yaml", over: TrainingOptions())
    }

    func message(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func valuesResolveAsYAMLDoes() throws {
        let options = try parse("train: corpora/x/train\nsource-lang: en\nlearning-rate: 0.01\ntrain-steps: 30\ntied-embeddings: true\noutput: '2001-12-14'\n")
        #expect(options.train == ["corpora/x/train"])
        #expect(options.learningRate == 0.01 && options.trainSteps == 30 && options.tiedEmbeddings)
        #expect(options.output == "2001-12-14")
        #expect(try parse("train: [a, b]\n").train == ["a", "b"])
    }

    /// Yams' untyped `load` traps on a map whose key is not text (a fuzzed input found it).
    @Test func aKeyThatIsNotAWordIsAnError() {
        #expect(message("? [a, b]\n: 1\n").contains("run.yaml:1: an option's name must be a plain word"))
        #expect(message("{a: 1}: 2\n").contains("an option's name must be a plain word"))
        let found = "? !)~\t\t\ttrain: corpora/en-es-bible/train\nsource-lang'a: en\ntarge\t\ttrain: x\nso::::\t4\n:%t:::::"
        #expect(message(found) != "no error")
    }

    /// An unknown key's line is found in a file saved with Windows line ends too.
    @Test func unknownKeysNameTheirLineInCRLFFiles() {
        #expect(message("train: x\r\n# rate\r\nlearning_rate: 0.01\r\n").contains("run.yaml:3: unknown option 'learning_rate'; did you mean 'learning-rate'?"))
    }

    @Test func valuesJSONCannotHoldAreErrors() {
        #expect(message("learning-rate: .inf\n").contains("'learning-rate' needs a finite number, not '.inf'"))
        #expect(message("learning-rate: .nan\n").contains("needs a finite number"))
        #expect(message("learning-rate: inf\n").contains("needs a finite number"))
        // Base 60 (YAML 1.1) with parts too large for an Int trapped Yams (found by the fuzzer).
        #expect(message("seed: -1:00000011451907952434566648:6:-1\n").contains("run.yaml: 'seed' needs a whole number"))
        #expect(message("e,: -CS:::00000011451907952434566648::6:-1\t\t") != "no error")
        // An unquoted date is a YAML timestamp; a text option takes it as the text it is.
        #expect((try? parse("output: 2001-12-14\n"))?.output == "2001-12-14")
        #expect(message("seed: 2001-12-14\n").contains("run.yaml: 'seed' needs a whole number"))
        #expect(message("train:\n  a: 1\n").contains("run.yaml:2: 'train' takes a value or a list, not a map"))
    }

    /// Aliases nested nine deep would expand to 10⁹ values.
    @Test func anAliasBombStops() {
        var text = "train:\n  - &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            text += "  - &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(message(text).contains("run.yaml: 'train' has more values than a config file needs"))
    }
}
