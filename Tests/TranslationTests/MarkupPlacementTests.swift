import Testing
import Tensor
import Tokenization
@testable import Translation

/// `MarkupPlacement` on hand-made pieces and alignments: where markers go, and that whatever the
/// alignment, every marker comes back once and tags nest.
@Suite struct MarkupPlacementTests {
    /// A placement of `source`'s markers into `target` pieces, source pieces one per word of each chunk.
    static func place(_ source: String, _ target: [String], _ alignment: [Int], inWord: Bool = true) -> (String, MarkupPlacement.Outcome) {
        let protected = MarkupScanner.scan(source)
        var boundaries: [Int] = [], count = 0, chunkStarts: [Int] = []
        for (i, chunk) in protected.chunks.enumerated() {
            chunkStarts.append(count)
            count += chunk.split(whereSeparator: \.isWhitespace).count
            if i < protected.markers.count { boundaries.append(count) }
        }
        let accelerators = protected.accelerators.map { accelerator in
            // The word of the chunk that holds the marked character.
            var (seen, word, inWord) = (0, -1, false)
            for c in protected.chunks[accelerator.chunk] {
                if c.isWhitespace { inWord = false; continue }
                if !inWord { (word, inWord) = (word + 1, true) }
                if seen == accelerator.offset { break }
                seen += 1
            }
            return chunkStarts[accelerator.chunk] + max(word, 0)
        }
        var placement = MarkupPlacement(protected: protected, markerBoundaries: boundaries, acceleratorPieces: accelerators,
                                        sourceCount: count, pieces: target, alignment: alignment, acceleratorInWord: inWord)
        return placement.text()
    }

    @Test func aLonePlaceholderFollowsTheWordBeforeIt() {
        // Open %s now → 现在 打开 %s: the placeholder follows the piece aligned to "Open".
        let (text, outcome) = Self.place("Open %s now", ["现在", "\u{FFED}打开"], [1, 0])
        #expect(text == "现在打开 %s" && outcome == .aligned)
        // With nothing aligned to the piece before it, it goes before the piece aligned to the one after.
        #expect(Self.place("%s files", ["文件"], [0]).0 == "%s 文件")
    }

    @Test func markersNeverSplitAWord() {
        // "Öff￭ nen" is one word: a marker after the piece "Öff￭" goes after the whole word.
        #expect(Self.place("Open %s", ["Öff\u{FFED}", "nen", "Sie"], [0, 1, 1]).0 == "Öffnen %s Sie")
        #expect(Self.place("<b>Open</b> it", ["es", "öff\u{FFED}", "nen"], [1, 0, 0]).0 == "es <b>öffnen</b>")
    }

    @Test func noSpaceAgainstPunctuationAndNoNewPlaceholderByContact() {
        #expect(Self.place("Name: %s.", ["名称", "\u{FFED}：", "\u{FFED}。"], [0, 0, 1]).0 == "名称：%s。")
        // %MOD2 glued to "Shift" would read as %MOD2S: a space keeps them apart.
        #expect(Self.place("%MOD2+Shift", ["Shift"], [1]).0 == "%MOD2 Shift")
        // Nor does one placeholder touch another that it did not touch in the source.
        #expect(Self.place("%NAME+#1", [], []).0 == "%NAME #1")
        #expect(Self.place("%NAME x", ["_y"], [1]).0 == "%NAME _y")
    }

    @Test func tagPairsSurroundTheirAlignedWords() {
        let (text, _) = Self.place("Select the <b>cell range</b> now", ["现在", "\u{FFED}选择", "\u{FFED}单元格", "\u{FFED}区域"], [4, 0, 2, 3])
        #expect(text == "现在选择<b>单元格区域</b>")
    }

    /// An inner pair whose words the model put outside its outer pair is clipped into it; a pair
    /// whose words nothing attends to stays empty where a lone marker would go.
    @Test func nestingHoldsAgainstTheAlignment() {
        let (text, _) = Self.place("<a>x <b>y</b></a> z", ["Z", "X", "Y"], [2, 0, 1])
        #expect(text == "Z <a>X <b>Y</b></a>")
        let (crossed, _) = Self.place("<a>x</a> <b>y</b>", ["Y", "X"], [1, 0])
        #expect(crossed == "Y <a>X</a><b></b>" || MarkupScanner.scan(crossed).markers.allSatisfy { $0.partner != nil })
        let (unaligned, _) = Self.place("a <b>x</b> c", ["A", "C"], [0, 2])
        #expect(unaligned == "A <b></b> C")
    }

    @Test func anEmptyTranslationGetsEverythingAppendedInSourceOrder() {
        let (text, outcome) = Self.place("<b>Open</b> %s ~now", [], [])
        #expect(text == "<b></b> %s (~N)" && outcome == .appended)
    }

    @Test func acceleratorsGoInTheWordOrLastInParentheses() {
        #expect(Self.place("~Open file", ["Datei", "öffnen"], [1, 0]).0 == "Datei ~öffnen")
        #expect(Self.place("Save ~As...", ["Speichern", "unter", "\u{FFED}..."], [0, 1, 2]).0 == "Speichern ~unter...")
        #expect(Self.place("Op~en file...", ["打开", "\u{FFED}文件", "\u{FFED}…"], [0, 1, 2], inWord: false).0 == "打开文件(~E)…")
        #expect(Self.place("_Add", ["添加"], [0], inWord: false).0 == "添加(_A)")
    }

    /// Random markup, random target lengths and alignments: every marker and mark comes back
    /// exactly once and the tags nest as they do in the source.
    @Test func anyAlignmentGivesEveryMarkerOnceAndBalancedTags() {
        var random = RandomGenerator(seed: 7)
        for _ in 0..<2_000 {
            let source = Self.randomMarkup(&random, depth: 0)
            let protected = MarkupScanner.scan(source)
            let words = protected.chunks.reduce(0) { $0 + $1.split(whereSeparator: \.isWhitespace).count }
            let count = Int(random.next() % 7)
            let target = (0..<count).map { "t\($0)" }
            let alignment = target.map { _ in Int(random.next() % UInt64(max(words, 1))) }
            let (text, outcome) = Self.place(source, target, alignment)
            #expect(MarkupScanner.holdsExactly(protected, text), "\(source) → \(text)")
            let placed = MarkupScanner.scan(text)
            #expect(placed.markers.filter { $0.kind == .openTag || $0.kind == .closeTag }.allSatisfy { $0.partner != nil },
                    "\(source) → \(text)")
            #expect(outcome == (protected.isPlain ? .none : count == 0 ? .appended : .aligned))
        }
    }

    /// Words, placeholders, an accelerator and balanced tags, nested up to three deep.
    static func randomMarkup(_ random: inout RandomGenerator, depth: Int) -> String {
        var parts: [String] = []
        for _ in 0..<(1 + Int(random.next() % 4)) {
            switch random.next() % 6 {
            case 0 where depth < 3:
                let name = ["b", "i", "a", "emph"][Int(random.next() % 4)]
                parts.append("<\(name)>" + randomMarkup(&random, depth: depth + 1) + "</\(name)>")
            case 1: parts.append(["%s", "%1", "{0}", "$(ARG1)", "<br/>", "&amp;"][Int(random.next() % 6)])
            case 2: parts.append("~word")
            default: parts.append("word")
            }
        }
        return parts.joined(separator: random.next() % 2 == 0 ? " " : "")
    }

    /// Inputs the fuzzer found, through the fuzz target's own harness (first byte: target length
    /// and alignment seed; `fuzz-markup`): every marker comes back once.
    @Test(arguments: [
        "\u{0C}Select the <span class=\"emuh\">cell <b>range</b></span> and <a href=\"xcy\">click\u{1C}/\u{95}><br/> ]amp; &#1~06",
        "\u{09}%1$d o-- _File, &_FiOprn, OG1) %PRODUCTNAME`#1 %L1 %%",
        "\u{09}\u{00}\u{00}OAtional l %PROs%\u{FFFD}\u{FFFD}, _Filenot open protocol file,!",
    ])
    func foundByTheFuzzer(_ input: String) {
        let bytes = Array(input.utf8)
        let first = bytes[0]
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let protected = MarkupScanner.scan(text)
        var boundaries: [Int] = [], chunkStarts: [Int] = [], sourceCount = 0
        for (i, chunk) in protected.chunks.enumerated() {
            chunkStarts.append(sourceCount)
            sourceCount += chunk.split(whereSeparator: \.isWhitespace).count
            if i < protected.markers.count { boundaries.append(sourceCount) }
        }
        let targetCount = Int(first % 16)
        var state = UInt64(first) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bytes.count)
        let alignment = (0..<targetCount).map { _ -> Int in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(sourceCount + 1))
        }
        let pieces = (0..<targetCount).map { $0 % 3 == 1 ? "\u{FFED}w\($0)" : "w\($0)" }
        var placement = MarkupPlacement(
            protected: protected, markerBoundaries: boundaries,
            acceleratorPieces: protected.accelerators.map { chunkStarts[$0.chunk] }, sourceCount: sourceCount,
            pieces: pieces, alignment: alignment, acceleratorInWord: first & 0x10 == 0)
        let (translation, _) = placement.text()
        #expect(MarkupScanner.holdsExactly(protected, translation), "\(text) → \(translation)")
    }
}
