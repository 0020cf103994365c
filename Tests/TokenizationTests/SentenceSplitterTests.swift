import Testing
@testable import Tokenization

@Suite struct SentenceSplitterTests {
    @Test func sentencesAndTheLayoutBetweenThem() throws {
        let parts = try SentenceSplitter().split("Open it. Then close it.\n\nDone.")
        #expect(parts == [.sentence("Open it."), .layout(" "), .sentence("Then close it."), .layout("\n\n"), .sentence("Done.")])
    }

    @Test func chineseSentencesSplitAtTheirFullStops() throws {
        let parts = try SentenceSplitter().split("你好。今天下雨了！明天呢？")
        #expect(parts == [.sentence("你好。"), .sentence("今天下雨了！"), .sentence("明天呢？")])
    }

    @Test func aLineBreakEndsASentenceWithoutAFullStop() throws {
        let parts = try SentenceSplitter().split("  Title\nBody text here.\n")
        #expect(parts == [.layout("  "), .sentence("Title"), .layout("\n"), .sentence("Body text here."), .layout("\n")])
    }

    @Test(arguments: ["", " ", "\n\n", "One.", "  Lead and trail.  \n", "A. B.\r\nC?\t D!", "Tabs\tinside. Ünïcödé text…  ok", "你好。 Hello.\n\n\n"])
    func joiningGivesTheTextBack(text: String) throws {
        let parts = try SentenceSplitter().split(text)
        #expect(SentenceSplitter.join(parts) { $0 } == text)
        for case .sentence(let sentence) in parts {
            #expect(!sentence.isEmpty && sentence.first?.isWhitespace == false && sentence.last?.isWhitespace == false)
        }
    }

    @Test func joinReplacesOnlySentences() throws {
        let parts = try SentenceSplitter().split("a b. c d.\n")
        #expect(SentenceSplitter.join(parts) { $0.uppercased() } == "A B. C D.\n")
    }
}

@Suite struct ScriptsTests {
    @Test func dominantScriptOfText() {
        #expect(Scripts.dominant(in: "Where is the station?") == "Latn")
        #expect(Scripts.dominant(in: "最近的火车站在哪里？") == "Hani")
        #expect(Scripts.dominant(in: "Привет, мир") == "Cyrl")
        #expect(Scripts.dominant(in: "12 + 3 = 15 !") == nil)
        #expect(Scripts.dominant(in: "Click 确定 to save 文件") == "Latn")  // 12 Latin letters, 4 Han
    }

    @Test func scriptsOfLanguages() {
        #expect(Scripts.scripts(ofLanguage: "en") == ["Latn"])
        #expect(Scripts.scripts(ofLanguage: "de") == ["Latn"])
        #expect(Scripts.scripts(ofLanguage: "zh") == ["Hani"])
        #expect(Scripts.scripts(ofLanguage: "ja") == ["Hani", "Hira", "Kana"])
        #expect(Scripts.scripts(ofLanguage: "ru") == ["Cyrl"])
    }

    @Test func textFitsALanguage() {
        #expect(Scripts.text("你好世界", fits: "en") == false)
        #expect(Scripts.text("你好世界", fits: "zh") == true)
        #expect(Scripts.text("Hello world", fits: "en") == true)
        #expect(Scripts.text("42", fits: "en") == nil)
    }
}
