import Foundation
import Testing

/// fanyi-translate keeps placeholders, tags and accelerators, or with --no-protect-markup gives
/// them to the model as words.
@Suite struct FanyiTranslateMarkupTests {
    static let model = packageRoot + "/models/en-zh-lohelp.safetensors"

    @Test func placeholdersAndTagsComeOutUnchanged() throws {
        let input = "Cannot open protocol file \"%s\": %s\nSelect the <b>cell range</b>.\n~Open\n\nColumn %COLUMNNUMBER\n"
        let result = try run("fanyi-translate", ["--model", Self.model, "--beam-size", "2"], input: Data(input.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 6 && lines[3] == "" && lines[5] == "")
        #expect(lines[0].components(separatedBy: "%s").count == 3, "\(lines[0])")
        #expect(lines[1].contains("<b>") && lines[1].contains("</b>") && lines[1].contains("单元格"), "\(lines[1])")
        #expect(lines[2].hasSuffix("(~O)") && lines[4].contains("%COLUMNNUMBER"), "\(lines)")
        #expect(!result.stderr.contains("check line"), "\(result.stderr)")
    }

    /// The flag is taken and still gives one line per line (what the model makes of "%1" as
    /// words is the library test's business: it checks the pieces the model saw).
    @Test func noProtectMarkupIsAccepted() throws {
        let plain = try run("fanyi-translate", ["--model", Self.model, "--beam-size", "1", "--no-protect-markup"],
                            input: Data("Delete %1 rows\nClick OK.\n".utf8))
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 3)
    }
}
