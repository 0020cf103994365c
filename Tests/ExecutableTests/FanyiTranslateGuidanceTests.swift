import Foundation
import Testing

/// What fanyi-translate says when it is used the wrong way round: text in the other language, a
/// language flag the model cannot honour, a mistyped model path (with the shipped models).
@Suite struct FanyiTranslateGuidanceTests {
    static let englishChinese = packageRoot + "/models/en-zh-lohelp.safetensors"

    @Test func textInTheOtherLanguageIsWarnedAboutOnceNamingTheOtherModel() throws {
        let result = try run("fanyi-translate", ["--model", Self.englishChinese, "--beam-size", "1"],
                             input: "Click OK.\n最近的火车站在哪里？\n你好。\n")
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 4)  // still one line out per line in
        let warnings = result.stderr.components(separatedBy: "warning:").count - 1
        #expect(warnings == 1, "\(result.stderr)")
        #expect(result.stderr.contains("line 2 is written in Han (Chinese) script"), "\(result.stderr)")
        #expect(result.stderr.contains("/models/zh-en-lohelp.safetensors translates zh → en"), "\(result.stderr)")
    }

    /// Latin script, but German: CLD2 tells, and --source-lang auto is taken.
    @Test func anotherLanguageInTheSameScriptIsWarnedAbout() throws {
        let result = try run("fanyi-translate", ["--model", Self.englishChinese, "--beam-size", "1", "--source-lang", "auto"],
                             input: "Click OK.\nWählen Sie den Zellbereich aus und klicken Sie auf die Schaltfläche.\n")
        #expect(result.status == 0 && result.stdout.split(separator: "\n").count == 2)
        #expect(result.stderr.contains("line 2 looks like de (CLD2:"), "\(result.stderr)")
    }

    @Test func englishIntoTheEnglishModelIsNotWarnedAbout() throws {
        let result = try run("fanyi-translate", ["--model", Self.englishChinese, "--beam-size", "1"],
                             input: "Click OK.\n42\nSelect the cell range and click the button to open the dialog.\nOpen\n")
        #expect(result.status == 0 && !result.stderr.contains("warning"), "\(result.stderr)")
    }

    @Test func aLanguageTheModelDoesNotTranslateNamesTheModelThatDoes() throws {
        let wrong = try run("fanyi-translate", ["--model", Self.englishChinese, "--source-lang", "zh"], input: "")
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("translates en → zh, not zh → ?: a model file fixes the direction"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("--model \(packageRoot)/models/zh-en-lohelp.safetensors"), "\(wrong.stderr)")
        let unknown = try run("fanyi-translate", ["--model", Self.englishChinese, "--target-lang", "fr"], input: "")
        #expect(unknown.status != 0 && unknown.stderr.contains("train one for ? → fr"), "\(unknown.stderr)")
        let german = try run("fanyi-translate", ["--model", Self.englishChinese, "--target-lang", "de"], input: "")
        #expect(german.status != 0 && german.stderr.contains("--model \(packageRoot)/models/en-de-lo.safetensors"), "\(german.stderr)")
        let right = try run("fanyi-translate", ["--model", Self.englishChinese, "--source-lang", "en", "--target-lang", "zh"],
                            input: "Click OK.\n")
        #expect(right.status == 0 && right.stdout.contains("确定"), "\(right.stderr)")
    }

    @Test func aMistypedModelPathListsTheModelsInItsFolder() throws {
        let result = try run("fanyi-translate", ["--model", packageRoot + "/models/en-zh.safetensors"], input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("no such file; model files there: \(packageRoot)/models/en-de-lo.safetensors, \(packageRoot)/models/en-zh-lohelp.safetensors, \(packageRoot)/models/zh-en-lohelp.safetensors"),
                "\(result.stderr)")
        let folder = try temporaryFolder()
        let empty = try run("fanyi-translate", ["--model", folder + "/model.safetensors"], input: "")
        #expect(empty.stderr.contains("no .safetensors files in \(folder)"), "\(empty.stderr)")
    }
}
