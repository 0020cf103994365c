import Foundation
import Testing
import Tokenization

@Suite struct FanyiVocabTests {
    @Test func tokenizeAndDetokenizeRoundTrip() throws {
        let text = "我是中国人我的母语是汉语。Hello, world!\n\n  tabs\there \n"
        let tokens = try run("fanyi-vocab", ["tokenize", "--lang", "zh"], input: text)
        #expect(tokens.status == 0)
        #expect(tokens.stdout == "我是 ￭中国人 ￭我的 ￭母语 ￭是 ￭汉语 ￭。￭ Hello ￭, world ￭!\n\n⟪0020⟫⟪0020⟫￭ tabs ￭⟪0009⟫￭ here ￭⟪0020⟫\n")
        let back = try run("fanyi-vocab", ["detokenize"], input: tokens.stdout)
        #expect(back.status == 0)
        #expect(back.stdout == text)
    }

    @Test func oneLineOutPerLineInIncludingALastLineWithoutNewline() throws {
        let result = try run("fanyi-vocab", ["tokenize"], input: "a\n\n\nb,c")
        #expect(result.stdout == "a\n\n\nb ￭,￭ c\n")
    }

    @Test func invalidUTF8IsAnErrorNamingTheLine() throws {
        let input = Data("fine\n".utf8) + Data([0x61, 0xFF, 0x0A]) + Data("after\n".utf8)
        let strict = try run("fanyi-vocab", ["tokenize"], input: input)
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("<stdin>:2: invalid UTF-8"))
        let replaced = try run("fanyi-vocab", ["tokenize", "--invalid-utf8", "replace"], input: input)
        #expect(replaced.status == 0)
        #expect(replaced.stdout == "fine\na ￭\u{FFFD}\nafter\n")
        #expect(replaced.stderr.contains("replaced invalid UTF-8 in 1 line(s)"))
    }

    @Test func missingInputFileIsNamed() throws {
        let result = try run("fanyi-vocab", ["tokenize", "/no/such/file.txt"], input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("/no/such/file.txt: cannot open"))
    }

    /// A line is answered before stdin closes, so the tool can sit behind an interactive pipe.
    @Test func answersEachLineAsItArrives() throws {
        let tool = try InteractiveProcess("fanyi-vocab", ["tokenize"])
        for (line, expected) in [("Hello, world!", "Hello ￭, world ￭!"), ("(a)", "(￭ a ￭)")] {
            let answer = try tool.ask(line, timeout: 20)
            #expect(answer == expected + "\n", "no answer to '\(line)' while stdin stays open")
        }
        #expect(try tool.finish() == 0)
    }

    @Test func buildWritesVocabulariesMergesAndManifest() throws {
        let folder = try temporaryFolder()
        try "the cell range\nselect the cells\nthe range\n".write(toFile: folder + "/c.en", atomically: true, encoding: .utf8)
        try "单元格区域\n选择单元格\n区域\n".write(toFile: folder + "/c.zh", atomically: true, encoding: .utf8)
        let result = try run("fanyi-vocab", ["build", "--train", "c", "--source-lang", "en", "--target-lang", "zh",
                                             "--merges", "10", "--joint", "--output", "out/v"], input: "", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("en: 3 lines"))
        let (set, manifestFolder) = try VocabularySet.load(folder + "/out/v.json")
        #expect(set.languages == ["en", "zh"])
        #expect(set.sides["en"]?.bpe == "v.bpe")
        let vocabulary = try Vocabulary(contentsOf: VocabularySet.resolve(set.sides["en"]!.vocabulary, in: manifestFolder))
        #expect(vocabulary.token(4) == "the")
        let merges = try BPEMerges(contentsOf: folder + "/out/v.bpe")
        #expect(merges.merges.count == 10)

        // encode with the manifest gives pieces that detokenize to the input
        let encoded = try run("fanyi-vocab", ["encode", "--vocab", "out/v.json", "--lang", "en"],
                              input: "select the cell ranges\n", in: folder)
        #expect(encoded.status == 0, "\(encoded.stderr)")
        #expect(Tokenizer.detokenizeLine(String(encoded.stdout.dropLast())) == "select the cell ranges")

        // the same command gives byte-identical files
        let again = try run("fanyi-vocab", ["build", "--train", "c", "--source-lang", "en", "--target-lang", "zh",
                                            "--merges", "10", "--joint", "--output", "out/w"], input: "", in: folder)
        #expect(again.status == 0)
        for suffix in ["en.vocab", "zh.vocab", "bpe"] {
            #expect(FileManager.default.contents(atPath: folder + "/out/v." + suffix)
                    == FileManager.default.contents(atPath: folder + "/out/w." + suffix))
        }
    }

    @Test func buildFromStdinWithOneLanguage() throws {
        let folder = try temporaryFolder()
        let result = try run("fanyi-vocab", ["build", "--input", "-", "--lang", "es", "--merges", "5", "--output", "es"],
                             input: "hola mundo\nhola amigos\n", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Vocabulary(contentsOf: folder + "/es.es.vocab").contains("hola"))
        #expect(FileManager.default.fileExists(atPath: folder + "/es.es.bpe"))
    }

    @Test func mismatchedLineCountsNameBothFiles() throws {
        let folder = try temporaryFolder()
        try "a\nb\n".write(toFile: folder + "/c.en", atomically: true, encoding: .utf8)
        try "a\n".write(toFile: folder + "/c.zh", atomically: true, encoding: .utf8)
        let result = try run("fanyi-vocab", ["build", "--train", "c", "--source-lang", "en", "--target-lang", "zh",
                                             "--output", "v"], input: "", in: folder)
        #expect(result.status != 0)
        #expect(result.stderr.contains("c.en has 2 lines but c.zh has 1"))
    }

    @Test(arguments: [
        (["build", "--output", "v"], "either --train"),
        (["build", "--train", "c", "--source-lang", "en", "--output", "v"], "go together"),
        (["build", "--input", "f", "--lang", "en", "--joint", "--output", "v"], "--joint needs two languages"),
        (["build", "--input", "f", "--lang", "en", "--merges=-3", "--output", "v"], "--merges must be ≥ 0"),
        (["build", "--input", "f", "--lang", "en", "--max-size", "2", "--output", "v"], "--max-size must be > 4"),
        (["build", "--input", "f", "--lang", "en", "--output", "vocab/"], "not a folder"),
        (["tokenize", "--normalization", "nfx"], "nfx"),
        (["encode"], "give --vocab"),
        (["encode", "--vocab", "x.json"], "--vocab needs --lang"),
    ])
    func invalidFlagsAreRejected(arguments: [String], message: String) throws {
        let result = try run("fanyi-vocab", arguments, input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func missingCorpusFilesSayWhatExists() throws {
        let folder = try temporaryFolder()
        for language in ["en", "es"] { try "a\n".write(toFile: "\(folder)/my-train.\(language)", atomically: true, encoding: .utf8) }
        let wrongLanguage = try run("fanyi-vocab", ["build", "--train", "my-train", "--source-lang", "en", "--target-lang", "de",
                                                   "--output", "v"], input: "", in: folder)
        #expect(wrongLanguage.status != 0)
        #expect(wrongLanguage.stderr.contains("my-train.de: no such file. --train my-train reads my-train.en and my-train.de; this prefix has the languages en, es: check --source-lang and --target-lang"), "\(wrongLanguage.stderr)")
        let typo = try run("fanyi-vocab", ["build", "--train", "my-trian", "--source-lang", "en", "--target-lang", "es",
                                          "--output", "v"], input: "", in: folder)
        #expect(typo.stderr.contains("no file in the current folder starts with 'my-trian.', so check the prefix"), "\(typo.stderr)")
    }
}

@Suite struct ShippedVocabularyTests {
    /// The shipped vocabulary set is exactly what its recorded command builds today.
    @Test func shippedSetIsReproducible() throws {
        let (set, folder) = try VocabularySet.load(packageRoot + "/vocab/en-zh-lohelp.json")
        let output = try temporaryFolder() + "/rebuilt"
        var arguments = Array(set.command.split(separator: " ").dropFirst().map(String.init))
        let outputIndex = try #require(arguments.firstIndex(of: "--output"))
        arguments[outputIndex + 1] = output
        let result = try run("fanyi-vocab", arguments, input: "", in: packageRoot)
        #expect(result.status == 0, "\(result.stderr)")
        for side in set.languages.compactMap({ set.sides[$0] }) {
            for file in [side.vocabulary] + (side.bpe.map { [$0] } ?? []) {
                let rebuiltName = "rebuilt" + file.dropFirst("en-zh-lohelp".count)
                let shipped = FileManager.default.contents(atPath: VocabularySet.resolve(file, in: folder))
                let rebuilt = FileManager.default.contents(atPath: (output as NSString).deletingLastPathComponent + "/" + rebuiltName)
                #expect(shipped != nil && shipped == rebuilt, "\(file) differs from a rebuild")
            }
        }
    }

    @Test(arguments: ["en-zh-lohelp", "en-zh-bible", "en-es-bible"])
    func shippedSetsLoad(name: String) throws {
        let (set, folder) = try VocabularySet.load("\(packageRoot)/vocab/\(name).json")
        for language in set.languages {
            let side = try #require(set.sides[language])
            let vocabulary = try Vocabulary(contentsOf: VocabularySet.resolve(side.vocabulary, in: folder))
            #expect(vocabulary.count > 5_000)
            let merges = try BPEMerges(contentsOf: VocabularySet.resolve(try #require(side.bpe), in: folder))
            #expect(merges.merges.count > 5_000)
        }
    }
}
