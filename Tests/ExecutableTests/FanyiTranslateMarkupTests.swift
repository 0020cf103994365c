import Foundation
import Documents
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

/// fanyi-translate --glossary: terms come out as the file fixes them; a bad file or another
/// pair's file is a one-line error naming it.
@Suite struct FanyiTranslateGlossaryTests {
    static let model = packageRoot + "/models/en-zh-lohelp.safetensors"

    static func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "fanyi-glossary-\(UUID().uuidString).tsv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func termsAreTranslatedAsTheGlossarySays() throws {
        let glossary = try Self.file("en\tzh\ncell range\t储存格范围\n")
        defer { try? FileManager.default.removeItem(atPath: glossary) }
        let result = try run("fanyi-translate", ["--model", Self.model, "--glossary", glossary], input: Data("Select the cell range.\nClick OK.\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines[0].contains("储存格范围"), "\(lines)")
    }

    @Test func badGlossariesAreNamed() throws {
        let broken = try Self.file("cell range\t储存格范围\nno tab here\n")
        let other = try Self.file("zh\ten\n单元格\tcell\n")
        defer { for path in [broken, other] { try? FileManager.default.removeItem(atPath: path) } }
        let bad = try run("fanyi-translate", ["--model", Self.model, "--glossary", broken], input: Data("Click OK.\n".utf8))
        #expect(bad.status != 0 && bad.stderr.contains("glossary \(broken) line 2 has no tab"), "\(bad.stderr)")
        let wrong = try run("fanyi-translate", ["--model", Self.model, "--glossary", other], input: Data("Click OK.\n".utf8))
        #expect(wrong.status != 0 && wrong.stderr.contains("is for zh → en, but the model translates en → zh"), "\(wrong.stderr)")
        let missing = try run("fanyi-translate", ["--model", Self.model, "--glossary", "/nonexistent.tsv"], input: Data())
        #expect(missing.status != 0 && missing.stderr.contains("glossary /nonexistent.tsv: cannot be read"), "\(missing.stderr)")
    }
}

/// fanyi-translate --output-format jsonl: one JSON object per line, with confidences.
@Suite struct FanyiTranslateJSONLinesTests {
    @Test func oneObjectPerLineWithConfidencesAndTheNBest() throws {
        let result = try run("fanyi-translate", ["--model", packageRoot + "/models/en-zh-lohelp.safetensors", "--output-format", "jsonl",
                                                 "--n-best", "2", "--beam-size", "3"],
                             input: Data("Select the cell range.\n\nOpen %s.\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(objects.count == 3)
        #expect(objects.map { $0["index"] as? Int } == [0, 1, 2])
        let first = objects[0]
        #expect(first["source"] as? String == "Select the cell range." && (first["translation"] as? String)?.contains("单元格") == true)
        let confidence = first["confidence"] as? Double ?? -1
        #expect(confidence > 0 && confidence <= 1)
        let words = first["words"] as? [[String: Any]] ?? []
        #expect(!words.isEmpty && words.allSatisfy { ($0["confidence"] as? Double ?? -1) >= 0 && ($0["confidence"] as? Double ?? 2) <= 1 })
        #expect(words.map { $0["text"] as? String ?? "" }.joined() == first["translation"] as? String)
        #expect((first["alternatives"] as? [[String: Any]])?.count == 1)
        #expect(objects[1]["translation"] as? String == "" && objects[2]["markup"] as? String == "aligned")
        let refused = try run("fanyi-translate", ["--model", packageRoot + "/models/en-zh-lohelp.safetensors", "--output-format", "jsonl", "--scores"])
        #expect(refused.status != 0 && refused.stderr.contains("--output-format jsonl holds scores"), "\(refused.stderr)")
    }
}

/// fanyi-translate --format html|xml: one document in, the same document translated out.
@Suite struct FanyiTranslateDocumentTests {
    static let model = packageRoot + "/models/en-zh-lohelp.safetensors"

    @Test func htmlFromStdinAndXmlFromAFile() throws {
        let html = try run("fanyi-translate", ["--model", Self.model, "--beam-size", "2", "--format", "html"],
                           input: Data("<p>Select the <b>cell range</b>.</p>\n<pre>ls -l</pre>\n".utf8))
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.hasPrefix("<p>") && html.stdout.contains("<b>") && html.stdout.contains("单元格"), "\(html.stdout)")
        #expect(html.stdout.contains("<pre>ls -l</pre>"), "\(html.stdout)")

        let folder = NSTemporaryDirectory() + "fanyi-doc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "<doc><p>Click <emph>OK</emph>.</p></doc>".write(toFile: folder + "/in.xml", atomically: true, encoding: .utf8)
        let xml = try run("fanyi-translate", ["--model", Self.model, "--format", "xml", "-i", folder + "/in.xml", "-o", folder + "/out.xml"])
        #expect(xml.status == 0, "\(xml.stderr)")
        let out = try String(contentsOfFile: folder + "/out.xml", encoding: .utf8)
        #expect(out.hasPrefix("<doc><p>") && out.contains("<emph>") && !out.contains("Click"), "\(out)")
    }

    @Test func malformedXmlAndWrongFlagsAreOneLineErrors() throws {
        let bad = try run("fanyi-translate", ["--model", Self.model, "--format", "xml"], input: Data("<doc>\n<p>x</b></doc>".utf8))
        #expect(bad.status != 0 && bad.stderr.contains("stdin:2: not well-formed"), "\(bad.stderr)")
        let flags = try run("fanyi-translate", ["--model", Self.model, "--format", "html", "--n-best", "2"], input: Data())
        #expect(flags.status != 0 && flags.stderr.contains("--format html writes one document"), "\(flags.stderr)")
        let latin1 = try run("fanyi-translate", ["--model", Self.model, "--format", "html"], input: Data([0x3C, 0x70, 0x3E, 0xE9, 0x0A]))
        #expect(latin1.status != 0 && latin1.stderr.contains("stdin: not UTF-8"), "\(latin1.stderr)")
    }

    @Test func poEntriesBelowTheThresholdAreMarkedFuzzy() throws {
        let catalogue = "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\n#, c-format\nmsgid \"Select the cell range.\"\nmsgstr \"\"\n\nmsgid \"OK\"\nmsgstr \"确定\"\n"
        let all = try run("fanyi-translate", ["--model", Self.model, "--format", "po", "--review-below", "1"], input: Data(catalogue.utf8))
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("#, fuzzy, c-format\nmsgid \"Select the cell range.\"\nmsgstr \"选择") && all.stdout.contains("msgid \"OK\"\nmsgstr \"确定\""),
                "\(all.stdout)")
        #expect(all.stderr.contains("marked fuzzy"))
        let none = try run("fanyi-translate", ["--model", Self.model, "--format", "po", "--review-below", "0"], input: Data(catalogue.utf8))
        #expect(none.status == 0 && !none.stdout.contains("fuzzy") && none.stdout.contains("msgstr \"选择"), "\(none.stdout)")
        let broken = try run("fanyi-translate", ["--model", Self.model, "--format", "po"], input: Data("msgid \"x\"\nmsgstr".utf8))
        #expect(broken.status != 0 && broken.stderr.contains("stdin:"), "\(broken.stderr)")
    }

    @Test func wordAndOpenDocumentFilesComeBackTranslated() throws {
        let folder = NSTemporaryDirectory() + "fanyi-office-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for format in ["docx", "odt"] {
            let input = packageRoot + "/Tests/DocumentsTests/Fixtures/help.\(format)"
            let result = try run("fanyi-translate", ["--model", Self.model, "--beam-size", "2", "--format", format,
                                                     "-i", input, "-o", folder + "/out.\(format)"])
            #expect(result.status == 0, "\(result.stderr)")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/out.\(format)")))
            let document = try FileFormat(rawValue: format)!.open(bytes, name: "out.\(format)")
            // Every segment of the output is in Chinese: nothing left to translate from English.
            let words = document.segments.map { $0.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression) }
            #expect(!words.isEmpty && words.allSatisfy { !$0.contains("Select") && !$0.contains("style") }, "\(words)")
            #expect(document.segments.contains { $0.contains("单元格") }, "\(document.segments)")
        }
    }
}

/// fanyi-train calibrate: a model file gets a calibration that fanyi-translate reports.
@Suite struct FanyiTrainCalibrateTests {
    @Test func calibratedModelReportsCalibratedConfidence() throws {
        let folder = NSTemporaryDirectory() + "fanyi-calibrate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for language in ["en", "zh"] {
            let lines = try String(contentsOfFile: packageRoot + "/corpora/en-zh-lohelp/dev.\(language)", encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
            try (lines.prefix(30).joined(separator: "\n") + "\n").write(toFile: "\(folder)/dev.\(language)", atomically: true, encoding: .utf8)
            try (lines.prefix(5).joined(separator: "\n") + "\n").write(toFile: "\(folder)/few.\(language)", atomically: true, encoding: .utf8)
        }
        let model = packageRoot + "/models/en-zh-lohelp.safetensors"
        let calibrated = folder + "/calibrated.safetensors"
        let result = try run("fanyi-train", ["calibrate", model, "--dev", folder + "/dev", "--beam-size", "2", "--output", calibrated])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("calibrated on 30 sentences"), "\(result.stderr)")
        let translated = try run("fanyi-translate", ["--model", calibrated, "--output-format", "jsonl"], input: Data("Select the cell range.\n".utf8))
        #expect(translated.status == 0 && translated.stdout.contains("\"calibratedConfidence\":"), "\(translated.stdout)\(translated.stderr)")
        // A model without one (the F16 copy is not calibrated): the field is left out.
        let plain = try run("fanyi-translate", ["--model", packageRoot + "/models/f16/en-zh-lohelp.safetensors", "--output-format", "jsonl"], input: Data("Select the cell range.\n".utf8))
        #expect(!plain.stdout.contains("calibratedConfidence"))

        let few = try run("fanyi-train", ["calibrate", model, "--dev", folder + "/few", "--output", calibrated])
        #expect(few.status != 0 && few.stderr.contains("5 sentence pairs; a calibration needs at least 20"), "\(few.stderr)")
    }
}
