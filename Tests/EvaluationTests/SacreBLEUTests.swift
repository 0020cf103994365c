import Foundation
import Testing
@testable import Evaluation

/// Numbers produced by sacreBLEU 2.6.0 itself on the committed fixtures (Fixtures/*.hyp, *.ref:
/// the first 300 lines of corpora/en-zh-lohelp/test.{en,zh} as references, perturbed copies with
/// two empty lines as hypotheses, plus four lines of entities, numbers, dashes, quotes, fullwidth
/// and mixed-script text), made with
///     sacrebleu Fixtures/L.ref -i Fixtures/L.hyp -tok TOK -m bleu -w 4
///     sacrebleu Fixtures/L.ref -i Fixtures/L.hyp -m chrf [--chrf-word-order 2] -b -w 4
@Suite struct SacreBLEUTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures"

    static func lines(_ name: String) -> [String] {
        let text = try! String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        return Array(text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init))
    }

    static let bleuCases: [(String, MetricTokenizer, Double, String)] = [
        ("en", .thirteenA, 67.0621, "91.9/79.2/64.2/51.9 (BP = 0.955 ratio = 0.956 hyp_len = 4679 ref_len = 4893)"),
        ("en", .zh, 67.0263, "92.0/79.2/64.3/51.9 (BP = 0.954 ratio = 0.955 hyp_len = 4685 ref_len = 4904)"),
        ("en", .intl, 67.1954, "92.0/79.3/64.4/52.2 (BP = 0.955 ratio = 0.956 hyp_len = 4705 ref_len = 4924)"),
        ("en", .none, 64.0708, "91.7/77.1/60.2/47.0 (BP = 0.958 ratio = 0.959 hyp_len = 4075 ref_len = 4250)"),
        ("zh", .thirteenA, 18.9371, "39.8/25.9/15.4/10.2 (BP = 0.944 ratio = 0.946 hyp_len = 820 ref_len = 867)"),
        ("zh", .zh, 63.7474, "90.5/76.3/59.8/46.9 (BP = 0.961 ratio = 0.962 hyp_len = 7082 ref_len = 7361)"),
        ("zh", .intl, 24.8555, "60.4/32.2/20.7/11.2 (BP = 0.959 ratio = 0.960 hyp_len = 1997 ref_len = 2080)"),
        ("zh", .none, 8.3024, "24.9/12.6/5.7/3.5 (BP = 0.935 ratio = 0.937 hyp_len = 611 ref_len = 652)"),
    ]

    @Test(arguments: bleuCases)
    func bleuEqualsSacreBLEU(language: String, tokenizer: MetricTokenizer, score: Double, verbose: String) {
        let result = BLEU(tokenizer: tokenizer).score(hypotheses: Self.lines("\(language).hyp"),
                                                      references: Self.lines("\(language).ref"))
        #expect(String(format: "%.4f", result.score) == String(format: "%.4f", score))
        #expect(result.formatted == "BLEU = \(String(format: "%.2f", result.score)) " + verbose)
    }

    @Test(arguments: [("en", 0, 81.9193), ("en", 2, 82.0497), ("zh", 0, 57.4290), ("zh", 2, 49.3034)])
    func chrfEqualsSacreBLEU(language: String, wordOrder: Int, score: Double) {
        let result = CHRF(wordOrder: wordOrder).score(hypotheses: Self.lines("\(language).hyp"),
                                                      references: Self.lines("\(language).ref"))
        #expect(String(format: "%.4f", result) == String(format: "%.4f", score))
    }

    @Test func tokenizersOnTrickyLines() {
        #expect(MetricTokenizer.thirteenA.tokens("It costs $3,500.00 &amp; more-or-less 10-20.")
                == ["It", "costs", "$", "3,500.00", "&", "more-or-less", "10", "-", "20", "."])
        #expect(MetricTokenizer.zh.tokens("数字123，“引号”") == ["数", "字", "123", "，", "“", "引", "号", "”"])
        #expect(MetricTokenizer.intl.tokens("Hello, world! 3.5€") == ["Hello", ",", "world", "!", "3.5", "€"])
    }

    @Test func emptyAndDegenerateCorpora() {
        #expect(BLEU().score(hypotheses: [""], references: ["a b c"]).score == 0)
        #expect(abs(BLEU().score(hypotheses: ["a b c d"], references: ["a b c d"]).score - 100) < 1e-9)
        #expect(CHRF().score(hypotheses: [""], references: ["abc"]) == 0)
    }
}
