import Foundation
import Testing
@testable import Tokenization

@Suite struct VocabularyTests {
    @Test func specialsFirstThenCountThenToken() {
        let vocabulary = Vocabulary(counts: ["b": 2, "a": 2, "c": 5, "<unk>": 9, "d": 1])
        #expect(vocabulary.tokens == ["<pad>", "<unk>", "<s>", "</s>", "c", "a", "b", "d"])
        #expect(vocabulary.counts == [0, 0, 0, 0, 5, 2, 2, 1])
        #expect(vocabulary.id("a") == 5)
        #expect(vocabulary.id("never seen") == Vocabulary.unkID)
        #expect(vocabulary.ids(["c", "zzz"]) == [4, 1])
        #expect(vocabulary.token(Vocabulary.eosID) == "</s>")
    }

    @Test func minCountAndMaxSize() {
        let counts = ["a": 5, "b": 4, "c": 3, "d": 1]
        #expect(Vocabulary(counts: counts, minCount: 3).tokens.suffix(3) == ["a", "b", "c"])
        #expect(Vocabulary(counts: counts, maxSize: 6).tokens == Vocabulary.specials + ["a", "b"])
    }

    @Test func fileRoundTrips() throws {
        let vocabulary = Vocabulary(counts: ["￭，": 3, "中国": 2, "⟪0009⟫": 1])
        #expect(try Vocabulary(parsing: vocabulary.serialized(), file: "v") == vocabulary)
        let folder = try temporaryFolder()
        try vocabulary.write(to: folder + "/x.vocab")
        let read = try Vocabulary(contentsOf: folder + "/x.vocab")
        #expect(read == vocabulary)
        #expect(read.id("中国") == vocabulary.id("中国"))
    }

    static let header = "<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\n"

    @Test(arguments: [
        (header + "a 3\n", 5, "expected 'token<TAB>count'"),
        (header + "a\t3\tx\n", 5, "expected 'token<TAB>count'"),
        (header + "a\t-1\n", 5, "not a non-negative integer"),
        (header + "a\tmany\n", 5, "not a non-negative integer"),
        (header + "a\t1\na\t1\n", 6, "duplicate token"),
        (header + "\t1\n", 5, "non-empty"),
        ("<unk>\t0\n<pad>\t0\n", 1, "expected special token <pad>"),
        ("<pad>\t0\n<unk>\t0\n", 3, "ends before"),
        ("", 1, "ends before"),
    ])
    func malformedVocabulariesNameTheLine(text: String, line: Int, reason: String) {
        #expect {
            try Vocabulary(parsing: text, file: "x.vocab")
        } throws: { error in
            guard case let .malformed(file, l, r) = error as? TokenizationError else { return false }
            return file == "x.vocab" && l == line && r.contains(reason)
        }
    }
}

@Suite struct TextFileTests {
    func write(_ bytes: [UInt8]) throws -> String {
        let path = try temporaryFolder() + "/t.txt"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func linesKeepEmptyLinesAndALastLineWithoutNewline() throws {
        #expect(try TextFile.readLines(write(Array("a\n\nb\r\nc".utf8))) == ["a", "", "b", "c"])
        #expect(try TextFile.readLines(write(Array("a\n".utf8))) == ["a"])
        #expect(try TextFile.readLines(write([])) == [])
    }

    @Test func invalidUTF8NamesFileAndLine() throws {
        let path = try write(Array("ok\nfine\nbad \u{e9}".utf8.dropLast(1)) + [0xFF, 0x41])
        #expect(throws: TokenizationError.invalidUTF8(file: path, line: 3, byteOffset: 4)) {
            try TextFile.readLines(path)
        }
        #expect(throws: TokenizationError.invalidUTF8(file: path, line: 3, byteOffset: 4)) {
            try TextFile.read(path)
        }
        #expect(try TextFile.readLines(path, invalidUTF8: .replace).last == "bad \u{FFFD}\u{FFFD}A")
    }

    @Test func missingFilesAndFoldersAreNamed() throws {
        #expect { try TextFile.read("/nonexistent/file") } throws: {
            "\($0)".contains("/nonexistent/file: cannot open")
        }
        #expect { try TextFile.read(try temporaryFolder()) } throws: { "\($0)".contains("is a directory") }
    }

    @Test func lineReaderStreamsAndCountsReplacements() throws {
        let path = try write(Array("one\n\n".utf8) + [0xC3] + Array("\nlast".utf8))
        let reader = try LineReader(path: path, policy: .replace)
        var lines: [String] = []
        while let line = try reader.nextLine() { lines.append(line) }
        #expect(lines == ["one", "", "\u{FFFD}", "last"])
        #expect(reader.replacedLines == 1)
        // Windows line ends are line ends; a carriage return inside a line is text.
        let windows = try LineReader(path: write([0xEF, 0xBB, 0xBF] + Array("one\r\nt\rwo\r\n\r\nlast\r".utf8)))
        var windowsLines: [String] = []
        while let line = try windows.nextLine() { windowsLines.append(line) }
        #expect(windowsLines == ["one", "t\rwo", "", "last"])
        #expect(try TextFile.readLines(write([0xEF, 0xBB, 0xBF] + Array("one\r\nt\rwo\r\n\u{FEFF}x".utf8))) == ["one", "t\rwo", "\u{FEFF}x"])
        let strict = try LineReader(path: path)
        #expect(throws: TokenizationError.invalidUTF8(file: path, line: 3, byteOffset: 0)) {
            while try strict.nextLine() != nil {}
        }
    }
}

@Suite struct VocabularyBuilderTests {
    @Test func buildsJointAndSeparateSets() throws {
        let folder = try temporaryFolder()
        try "low lower newest\nwidest low\n".write(toFile: folder + "/c.en", atomically: true, encoding: .utf8)
        try "最低 更低\n最新 最宽\n".write(toFile: folder + "/c.zh", atomically: true, encoding: .utf8)
        var options = VocabularyBuilder.Options()
        options.mergeCount = 5
        let sides = [
            VocabularyBuilder.Side(tokenizer: .init(language: "en"), files: [folder + "/c.en"]),
            VocabularyBuilder.Side(tokenizer: .init(language: "zh"), files: [folder + "/c.zh"]),
        ]
        let separate = try VocabularyBuilder.build(sides, options: options).results
        #expect(separate.map(\.lines) == [2, 2])
        #expect(separate[0].merges != separate[1].merges)
        #expect(separate[0].vocabulary.contains("low"))
        options.jointBPE = true
        let joint = try VocabularyBuilder.build(sides, options: options).results
        #expect(joint[0].merges == joint[1].merges)
        options.mergeCount = 0
        let words = try VocabularyBuilder.build(sides, options: options).results
        #expect(words[0].merges == nil)
        #expect(words[0].vocabulary.tokens == Vocabulary.specials + ["low", "lower", "newest", "widest"])
        // As a parallel corpus the k-th files must match line for line.
        try "最低\n".write(toFile: folder + "/d.zh", atomically: true, encoding: .utf8)
        options.lineAligned = true
        let mismatched = [sides[0], VocabularyBuilder.Side(tokenizer: .init(language: "zh"), files: [folder + "/d.zh"])]
        #expect(throws: TokenizationError.lineCountMismatch(file: folder + "/c.en", lines: 2, otherFile: folder + "/d.zh", otherLines: 1)) {
            try VocabularyBuilder.build(mismatched, options: options)
        }
        #expect(try VocabularyBuilder.build(sides, options: options).results.map(\.lines) == [2, 2])
    }

    @Test func manifestRoundTripsAndRejectsForeignFiles() throws {
        let folder = try temporaryFolder()
        let set = VocabularySet(
            languages: ["en", "zh"],
            sides: ["en": .init(tokenizer: .init(language: "en"), bpe: "x.bpe", vocabulary: "x.en.vocab"),
                    "zh": .init(tokenizer: .init(language: "zh", lowercase: true), bpe: nil, vocabulary: "x.zh.vocab")],
            mergeCount: 10, jointBPE: false, command: "fanyi-vocab build")
        try set.write(to: folder + "/x.json")
        let (read, readFolder) = try VocabularySet.load(folder + "/x.json")
        #expect(read == set)
        #expect(VocabularySet.resolve("x.bpe", in: readFolder) == folder + "/x.bpe")
        try "{\"format\": \"other\"}".write(toFile: folder + "/y.json", atomically: true, encoding: .utf8)
        #expect { try VocabularySet.load(folder + "/y.json") } throws: { "\($0)".contains("not a Fanyi vocabulary manifest") }
        try "not json".write(toFile: folder + "/z.json", atomically: true, encoding: .utf8)
        #expect { try VocabularySet.load(folder + "/z.json") } throws: { "\($0)".contains("z.json:1") }
    }
}
