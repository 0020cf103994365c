import Foundation
import Testing

/// fanyi-score against numbers sacreBLEU 2.6.0 printed for the Evaluation fixtures
/// (`sacrebleu Fixtures/L.ref -i Fixtures/L.hyp [-tok zh] -m bleu chrf -f text`).
@Suite struct FanyiScoreTests {
    static let fixtures = packageRoot + "/Tests/EvaluationTests/Fixtures"

    @Test func printsSacreBLEUsLines() throws {
        let hyp = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/zh.hyp"))
        let result = try run("fanyi-score", ["--reference", Self.fixtures + "/zh.ref", "--tokenize", "zh"], input: hyp)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            BLEU|nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0 = 63.7 90.5/76.3/59.8/46.9 (BP = 0.961 ratio = 0.962 hyp_len = 7082 ref_len = 7361)
            chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0 = 57.4

            """)
        let json = try run("fanyi-score", ["--reference", Self.fixtures + "/en.ref", "--input", Self.fixtures + "/en.hyp",
                                           "--json", "--width", "4", "--metrics", "bleu"], input: "")
        let objects = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
        #expect(objects.count == 1 && objects[0]["score"] as? Double == 67.0621)
    }

    /// --sentence-level: each line's own scores, the same as scoring that line alone.
    @Test func sentenceLevelScoresEachLine() throws {
        let folder = NSTemporaryDirectory() + "fanyi-score-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "the cat sat on the mat\nhello there\n".write(toFile: folder + "/ref", atomically: true, encoding: .utf8)
        let result = try run("fanyi-score", ["--reference", folder + "/ref", "--sentence-level", "--width", "2"],
                             input: "the cat sat on the mat\ngoodbye\n")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").map { Double($0)! } }
        #expect(lines.count == 2 && lines[0] == [100, 100] && lines[1][0] < 10 && lines[1][1] < 30, "\(result.stdout)")
    }

    /// Chinese references scored with the default 13a tokenizer get a hint (the numbers are
    /// still sacreBLEU's for 13a); English ones and --tokenize zh do not.
    @Test func chineseWith13aGetsAHint() throws {
        let hyp = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/zh.hyp"))
        let plain = try run("fanyi-score", ["--reference", Self.fixtures + "/zh.ref"], input: hyp)
        #expect(plain.status == 0 && plain.stderr.contains("use --tokenize zh"), "\(plain.stderr)")
        let zh = try run("fanyi-score", ["--reference", Self.fixtures + "/zh.ref", "--tokenize", "zh"], input: hyp)
        #expect(zh.status == 0 && zh.stderr.isEmpty)
        let en = try run("fanyi-score", ["--reference", Self.fixtures + "/en.ref", "--input", Self.fixtures + "/en.hyp"], input: "")
        #expect(en.status == 0 && en.stderr.isEmpty, "\(en.stderr)")
    }

    @Test func differentLineCountsAreAnError() throws {
        let result = try run("fanyi-score", ["--reference", Self.fixtures + "/en.ref"], input: "one line\n")
        #expect(result.status != 0)
        #expect(result.stderr.contains("<stdin> has 1 lines but") && result.stderr.contains("en.ref has 304"))
    }

    @Test(arguments: [
        (["--tokenize", "13b"], "13b"),
        (["--metrics", "ter"], "--metrics takes bleu and/or chrf"),
        (["--chrf-word-order=-1"], "--chrf-word-order must be ≥ 0"),
    ])
    func badFlags(arguments: [String], message: String) throws {
        let result = try run("fanyi-score", ["--reference", Self.fixtures + "/en.ref"] + arguments, input: "")
        #expect(result.status != 0 && result.stderr.contains(message), "\(result.stderr)")
    }
}
