import Testing
@testable import Tokenization

@Suite struct TokenizerTests {
    func tokens(_ text: String, _ language: String = "en", _ normalization: Normalization? = nil,
                lowercase: Bool = false) throws -> String {
        let tokenizer = try Tokenizer(options: TokenizerOptions(language: language, normalization: normalization, lowercase: lowercase))
        return try tokenizer.tokenizeLine(text)
    }

    @Test func chineseIsSegmentedByICUDictionaries() throws {
        #expect(try tokens("我是中国人我的母语是汉语。Hello, world!", "zh")
                == "我是 ￭中国人 ￭我的 ￭母语 ￭是 ￭汉语 ￭。￭ Hello ￭, world ￭!")
    }

    @Test func thaiAndJapaneseAreSegmented() throws {
        #expect(try tokens("ไปไหนมา", "th") == "ไป ￭ไหน ￭มา")
        #expect(try tokens("東京に行きます", "ja").split(separator: " ").count > 1)
    }

    @Test func joinerGoesOnThePunctuationSide() throws {
        #expect(try tokens("Hello, world!") == "Hello ￭, world ￭!")
        #expect(try tokens("(a) b-c") == "(￭ a ￭) b ￭-￭ c")
        #expect(try tokens("\"Quoted.\"") == "\"￭ Quoted ￭. ￭\"")
    }

    @Test func wordsNumbersAndURLsKeepTheirParts() throws {
        #expect(try tokens("Don't pay 3.14 dollars") == "Don't pay 3.14 dollars")
        #expect(try tokens("see http://x.org/a?b=1") == "see http ￭: ￭/ ￭/￭ x.org ￭/￭ a ￭?￭ b ￭=￭ 1")
    }

    @Test func unusualWhitespaceBecomesEscapedJoinedTokens() throws {
        #expect(try tokens("  a\tb  c ") == "⟪0020⟫⟪0020⟫￭ a ￭⟪0009⟫￭ b ￭⟪0020⟫⟪0020⟫￭ c ￭⟪0020⟫")
        #expect(try tokens("   ") == "⟪0020⟫⟪0020⟫⟪0020⟫")
        #expect(try tokens("") == "")
        #expect(try tokens("全角\u{3000}空格", "zh") == "全角 ￭⟪3000⟫￭ 空格")
    }

    @Test func markCharactersInTheTextAreEscaped() throws {
        #expect(try tokens("a ￭ b ⟪0041⟫") == "a ⟪FFED⟫ b ⟪27EA⟫￭ 0041 ￭⟫")
        #expect(Tokenizer.detokenizeLine("a ⟪FFED⟫ b ⟪27EA⟫￭ 0041 ￭⟫") == "a ￭ b ⟪0041⟫")
    }

    @Test func malformedEscapesAreKeptAsWritten() {
        #expect(Tokenizer.detokenizeLine("⟪12⟫ ⟪XYZW⟫ ⟪110000⟫ ⟪0041") == "⟪12⟫ ⟪XYZW⟫ ⟪110000⟫ ⟪0041")
        #expect(Tokenizer.detokenizeLine("⟪0041⟫⟪1F600⟫") == "A😀")
    }

    @Test func loneJoinerGluesBothSides() {
        #expect(Tokenizer.detokenizeLine("a ￭ b") == "ab")
        #expect(Tokenizer.detokenizeLine("  a   b  ") == "a b")
    }

    @Test func defaultNormalizationKeepsWhatReferencesUse() throws {
        // NFKC would turn fullwidth Chinese punctuation into ASCII and º into o.
        #expect(TokenizerOptions(language: "zh").normalization == .nfc)
        #expect(try tokens("你好，世界！", "zh").contains("，"))
        #expect(try tokens("el 1º de mayo", "es").contains("º"))
        #expect(try tokens("３™", "en") == "３ ￭™")
        // NFKC folds compatibility forms when asked for.
        #expect(try tokens("Ｈｅｌｌｏ，ﬁne ½", "en", .nfkc) == "Hello ￭,￭ fine 1⁄2")
        #expect(try tokens("Ｈｅｌｌｏ，ﬁne ½", "en") == "Ｈｅｌｌｏ ￭，￭ ﬁne ½")
        // NFC composes: e + combining acute becomes é.
        let tokenizer = try Tokenizer(options: TokenizerOptions(language: "es"))
        #expect(try tokenizer.normalize("cafe\u{301}").unicodeScalars.count == 4)
        let raw = try Tokenizer(options: TokenizerOptions(language: "es", normalization: Normalization.none))
        #expect(try raw.normalize("cafe\u{301}").unicodeScalars.count == 5)
    }

    @Test func lowercasingFollowsTheLanguage() throws {
        #expect(try tokens("DİYARBAKIR", "tr", lowercase: true) == "diyarbakır")
        #expect(try tokens("IRIS", "en", lowercase: true) == "iris")
        #expect(try tokens("ΟΔΟΣ", "el", lowercase: true) == "οδος")
        #expect(try tokens("ΟΔΟΣ", "el", lowercase: true).unicodeScalars.last == "ς")
    }

    /// Random strings over scripts, marks, emoji, whitespace and the tokenizer's own marks.
    @Test(arguments: [Normalization.nfc, .nfkc, .none])
    func roundTripOnGeneratedStrings(normalization: Normalization) throws {
        let pieces: [String] = [
            "a", "Z", "é", "e\u{301}", "ß", "İ", "0", "42", "3.5", " ", " ", " ", "  ", "\t", "\u{A0}", "\u{3000}",
            ",", ".", "!", "?", "(", ")", "\"", "'", "-", "/", ":", "…", "，", "。", "「", "」", "我", "中国", "人",
            "ไทย", "こんにちは", "カタカナ", "한국어", "👍", "👍🏽", "👨‍👩‍👧", "🇨🇳", "\u{301}", "\u{200D}",
            "\u{FFED}", "\u{27EA}", "\u{27EB}", "⟪0041⟫", "</w>", "<unk>", "http://a.b/c?d=e", "x\u{0600}", "\r",
            "\u{2028}", "½", "ﬁ", "Ｈ",
        ]
        let tokenizer = try Tokenizer(options: TokenizerOptions(language: "und", normalization: normalization))
        var rng = SeededGenerator(seed: 2024)
        for _ in 0..<3000 {
            let length = Int.random(in: 0...12, using: &rng)
            let text = (0..<length).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let tokens = try tokenizer.tokenize(text)
            #expect(tokens.allSatisfy { !$0.isEmpty && !$0.contains(" ") })
            #expect(Tokenizer.detokenize(tokens) == (try tokenizer.normalize(text)), "\(text.debugDescription)")
        }
    }

    /// Every line of every shipped corpus file tokenizes and detokenizes to itself.
    @Test(arguments: ["en-zh-lohelp", "en-zh-bible", "en-es-bible"])
    func roundTripOnEveryCorpusLine(pair: String) throws {
        let languages = pair.split(separator: "-").prefix(2).map(String.init)
        var lines = 0
        for language in languages {
            let tokenizer = try Tokenizer(options: TokenizerOptions(language: language))
            for split in ["train", "dev", "test"] {
                let path = "\(packageRoot)/corpora/\(pair)/\(split).\(language)"
                for (number, line) in try TextFile.readLines(path).enumerated() {
                    let back = Tokenizer.detokenize(try tokenizer.tokenize(line))
                    if back != line {
                        Issue.record("\(path):\(number + 1): round trip gave \(back.debugDescription)")
                        return
                    }
                    lines += 1
                }
            }
        }
        #expect(lines > 40_000)
    }
}
