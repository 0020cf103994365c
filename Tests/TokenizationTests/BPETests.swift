import Testing
@testable import Tokenization

@Suite struct BPELearnerTests {
    /// The example of Sennrich et al. (2016): low ×5, lower ×2, newest ×6, widest ×3.
    @Test func learnsThePaperExample() {
        let merges = BPELearner.learn(wordCounts: ["low": 5, "lower": 2, "newest": 6, "widest": 3], mergeCount: 4)
        // e s (9), es t</w> (9), l o (7; ties with o w, and l < o), then three pairs of 6
        // (e w, n e, w est</w>): e w has the smallest left symbol. (lo w is only 2: "low"
        // ends in w</w>, a different symbol.)
        #expect(merges.merges == [.init("e", "s"), .init("es", "t</w>"), .init("l", "o"), .init("e", "w")])
    }

    @Test func tiesGoToTheSmallerPairInScalarOrder() {
        // "ab" and "cd" both occur 3 times: a b wins, then c d.
        let merges = BPELearner.learn(wordCounts: ["cd": 3, "ab": 3], mergeCount: 2)
        #expect(merges.merges == [.init("a", "b</w>"), .init("c", "d</w>")])
    }

    @Test func stopsBelowTheMinimumFrequency() {
        let merges = BPELearner.learn(wordCounts: ["abc": 1, "xyz": 2], mergeCount: 100, minFrequency: 2)
        #expect(merges.merges == [.init("x", "y"), .init("xy", "z</w>")])
    }

    @Test func repeatedSymbolsMergeWithoutOverlap() {
        // "aaaa": a a occurs 3 times as a pair but merges into two "aa" symbols.
        let merges = BPELearner.learn(wordCounts: ["aaaa": 10], mergeCount: 3)
        #expect(merges.merges.first == .init("a", "a"))
        #expect(BPE(merges: merges).segment("aaaa") == ["aaaa"])
    }

    /// The incremental learner gives the same merges as recounting every pair at every step.
    @Test func matchesANaiveLearner() {
        var rng = SeededGenerator(seed: 7)
        var counts: [String: Int] = [:]
        for _ in 0..<300 {
            let word = String((0..<Int.random(in: 1...7, using: &rng)).map { _ in "abcde".randomElement(using: &rng)! })
            counts[word, default: 0] += Int.random(in: 1...5, using: &rng)
        }
        let fast = BPELearner.learn(wordCounts: counts, mergeCount: 60)
        #expect(fast.merges == naiveLearn(counts, 60))
        #expect(fast.merges.count == 60)
    }

    private func naiveLearn(_ counts: [String: Int], _ n: Int) -> [BPEMerges.Merge] {
        var words = counts.map { (word, count) -> ([String], Int) in
            var symbols = word.map(String.init)
            symbols[symbols.count - 1] += "</w>"
            return (symbols, count)
        }
        var merges: [BPEMerges.Merge] = []
        for _ in 0..<n {
            var pairs: [BPEMerges.Merge: Int] = [:]
            for (symbols, count) in words where symbols.count > 1 {
                for i in 1..<symbols.count { pairs[.init(symbols[i - 1], symbols[i]), default: 0] += count }
            }
            guard let best = pairs.filter({ $0.value >= 2 }).max(by: { a, b in
                a.value != b.value ? a.value < b.value
                    : BPELearner.precedes(b.key.left, a.key.left)
                        || (a.key.left == b.key.left && BPELearner.precedes(b.key.right, a.key.right))
            }) else { break }
            merges.append(best.key)
            words = words.map { symbols, count in
                var out: [String] = []
                var i = 0
                while i < symbols.count {
                    if i + 1 < symbols.count && symbols[i] == best.key.left && symbols[i + 1] == best.key.right {
                        out.append(best.key.left + best.key.right)
                        i += 2
                    } else {
                        out.append(symbols[i])
                        i += 1
                    }
                }
                return (out, count)
            }
        }
        return merges
    }
}

@Suite struct BPEApplierTests {
    let bpe = BPE(merges: BPEMerges([.init("e", "s"), .init("es", "t</w>"), .init("l", "o"), .init("lo", "w")]))

    @Test func splitsWordsIntoPiecesWithJoiners() {
        #expect(bpe.segment("lowest") == ["low", "est"])
        #expect(bpe.segment("newest") == ["n", "e", "w", "est"])
        #expect(bpe.apply(["lowest", "￭lowest￭", "x"]) == ["low￭", "est", "￭low￭", "est￭", "x"])
    }

    @Test func noMergesMeansWholeWords() {
        #expect(BPE(merges: BPEMerges()).apply(["lowest", "￭x"]) == ["lowest", "￭x"])
    }

    @Test func leavesEscapedTokensWhole() {
        #expect(bpe.apply(["￭⟪0009⟫￭", "lo⟪FFED⟫w"]) == ["￭⟪0009⟫￭", "lo⟪FFED⟫w"])
    }

    /// Subword pieces detokenize to the same text as the tokens they came from.
    @Test func piecesDetokenizeToTheText() throws {
        let tokenizer = try Tokenizer(options: TokenizerOptions(language: "en"))
        let lines = try TextFile.readLines("\(packageRoot)/corpora/en-zh-lohelp/dev.en")
        var counts: [String: Int] = [:]
        for line in lines { BPELearner.addWords(of: try tokenizer.tokenize(line), to: &counts) }
        let merges = BPELearner.learn(wordCounts: counts, mergeCount: 500)
        let applier = BPE(merges: merges)
        for line in lines {
            let pieces = applier.apply(try tokenizer.tokenize(line))
            #expect(Tokenizer.detokenize(pieces) == line)
        }
    }

    @Test func mergesFileRoundTrips() throws {
        let merges = BPEMerges([.init("a", "b"), .init("ab", "c</w>"), .init("中", "国</w>")])
        #expect(try BPEMerges(parsing: merges.serialized(), file: "m") == merges)
        let folder = try temporaryFolder()
        try merges.write(to: folder + "/m.bpe")
        #expect(try BPEMerges(contentsOf: folder + "/m.bpe") == merges)
        #expect(try BPEMerges(parsing: "", file: "m") == BPEMerges())
    }

    @Test(arguments: [
        ("a b\nabc\n", 2, "expected a merge"),
        ("a b\na  b\n", 2, "expected a merge"),
        ("a b\n\nc d\n", 2, "expected a merge"),
        ("a b\nc d\na b\n", 3, "duplicate merge"),
        (" b\n", 1, "expected a merge"),
    ])
    func malformedMergesNameTheLine(text: String, line: Int, reason: String) {
        #expect {
            try BPEMerges(parsing: text, file: "x.bpe")
        } throws: { error in
            guard case let .malformed(file, l, r) = error as? TokenizationError else { return false }
            return file == "x.bpe" && l == line && r.contains(reason)
        }
    }
}

/// Files saved with Windows line ends, and inputs scripts/fuzz.sh found.
@Suite struct LineEndTests {
    /// In Swift "\r\n" is one Character, which splitting at "\n" does not see: a CRLF merges
    /// file read as one line. Lines split at the scalar, and their "\r" goes.
    @Test func windowsLineEndsReadAsTheSameFile() throws {
        let merges = try BPEMerges(parsing: "t h\r\nth e</w>\r\n", file: "crlf.bpe")
        #expect(merges == BPEMerges([.init("t", "h"), .init("th", "e</w>")]))
        let vocabulary = try Vocabulary(parsing: "<pad>\t0\r\n<unk>\t0\r\n<s>\t0\r\n</s>\t0\r\nthe\t5\r\n", file: "crlf.vocab")
        #expect(vocabulary.tokens.last == "the" && vocabulary.counts.last == 5)
    }

    /// A merge whose right side ended in "\r" (no newline after it) was written back as
    /// "…\r\n", which read as another merge (found by the merges fuzzer).
    @Test func aMergeNeverEndsInACarriageReturn() throws {
        let found = String(repeating: "\0", count: 23) + " " + String(repeating: "\0", count: 76) + "\r"
        let merges = try BPEMerges(parsing: found, file: "found.bpe")
        #expect(try BPEMerges(parsing: merges.serialized(), file: "again.bpe") == merges)
        #expect(merges.merges.allSatisfy { !$0.right.hasSuffix("\r") })
        // "t h\r\r": the line's "\r" goes, the one left would be part of a symbol.
        #expect(throws: TokenizationError.malformed(file: "found.bpe", line: 1, reason: "a merge symbol holds whitespace (a tab or carriage return?)")) {
            try BPEMerges(parsing: "t h\r\r", file: "found.bpe")
        }
    }

    /// A space followed by a combining mark is one Character but still separates two fields.
    @Test func fieldsSplitAtScalars() throws {
        let merges = try BPEMerges(parsing: "a \u{301}b\n", file: "combining.bpe")
        #expect(merges.merges == [.init("a", "\u{301}b")])
        #expect(try BPEMerges(parsing: merges.serialized(), file: "again.bpe") == merges)
    }
}
