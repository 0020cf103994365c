import Foundation
import Testing
import Tokenization
@testable import Training

@Suite struct EncodedCorpusFileTests {
    let pipeline = try! TextPipeline(manifest: packageRoot + "/vocab/en-zh-lohelp.json", sourceLanguage: "en", targetLanguage: "zh")

    /// A corpus folder with `lines` pairs of the shipped help texts, one empty pair and one long pair.
    func corpus(lines: Int = 300) throws -> String {
        let folder = try tinyCorpus(train: lines, dev: 1)
        for (language, extra) in [("en", "\n" + String(repeating: "word ", count: 150) + "\n"), ("zh", "\n很长\n")] {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/train.\(language)"))
            handle.seekToEndOfFile()
            handle.write(Data(extra.utf8))
            try handle.close()
        }
        return folder
    }

    func build(_ folder: String, threads: Int = 2) throws -> (path: String, key: String) {
        let key = try EncodedCorpusFile.key(prefixes: [folder + "/train"], languages: ("en", "zh"), pipeline: pipeline, maxLength: 100)
        let path = folder + "/train.ids"
        try EncodedCorpusFile.build(prefixes: [folder + "/train"], languages: ("en", "zh"), pipeline: pipeline, maxLength: 100,
                                    key: key, to: path, threads: threads)
        return (path, key)
    }

    func open(_ path: String, key: String) throws -> EncodedCorpusFile {
        try EncodedCorpusFile(path: path, key: key, sourceVocabularySize: pipeline.source.vocabulary.count,
                              targetVocabularySize: pipeline.target.vocabulary.count)
    }

    /// The file holds exactly what encoding in memory gives, pair by pair, with both thread counts.
    @Test(arguments: [1, 2]) func roundTripEqualsEncodingInMemory(threads: Int) throws {
        let folder = try corpus()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (path, key) = try build(folder, threads: threads)
        let file = try open(path, key: key)
        let memory = try pipeline.encode(ParallelCorpus.read(prefixes: [folder + "/train"], sourceLanguage: "en", targetLanguage: "zh"),
                                         maxLength: 100)
        #expect(file.count == memory.count && file.count >= 290)
        #expect(file.skippedEmpty == 1 && file.skippedLong == 1)
        #expect(memory.skippedEmpty == 1 && memory.skippedLong == 1)
        for i in 0..<file.count {
            let pair = file.pair(i)
            #expect(pair.source == memory.sources[i] && pair.target == memory.targets[i])
            #expect(file.lengths(i) == (memory.sources[i].count, memory.targets[i].count))
        }
        // The same batches as from memory.
        #expect(Batcher(corpus: file, batchSize: 16, unit: .sentences).batches(epoch: 3, seed: 5)
                == Batcher(corpus: memory.pairs, batchSize: 16, unit: .sentences).batches(epoch: 3, seed: 5))
    }

    /// Another corpus, vocabulary or length limit gives another key, and the old file is refused.
    @Test func changedInputsAreNoticed() throws {
        let folder = try corpus(lines: 20)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (path, key) = try build(folder)
        let otherLimit = try EncodedCorpusFile.key(prefixes: [folder + "/train"], languages: ("en", "zh"), pipeline: pipeline, maxLength: 50)
        #expect(otherLimit != key)
        #expect(throws: EncodedCorpusFile.Damaged.self) { try open(path, key: otherLimit) }
        try "changed\n".write(toFile: folder + "/train.en", atomically: true, encoding: .utf8)
        let changed = try EncodedCorpusFile.key(prefixes: [folder + "/train"], languages: ("en", "zh"), pipeline: pipeline, maxLength: 100)
        #expect(changed != key)
    }

    /// Truncated files and damaged bytes are refused with a reason, never a crash.
    @Test func damagedFilesAreRefused() throws {
        let folder = try corpus(lines: 30)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (path, key) = try build(folder)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let damagedPath = folder + "/damaged.ids"
        func refused(_ data: Data) throws -> String? {
            try data.write(to: URL(fileURLWithPath: damagedPath))
            do {
                _ = try open(damagedPath, key: key)
                return nil
            } catch let error as EncodedCorpusFile.Damaged {
                return error.reason
            }
        }
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            #expect(try refused(bytes.prefix(cut)) != nil, "cut at \(cut) of \(bytes.count) was accepted")
        }
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        #expect(try refused(magic) == "not an encoded-corpus file")
        // The first record's first id, made larger than the vocabulary.
        let recordsStart = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 40, as: UInt64.self))) }
        var badID = bytes
        badID.replaceSubrange(recordsStart..<(recordsStart + 4), with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(try refused(badID)?.contains("outside the vocabularies") == true)
        // The first pair's source length changed.
        let lengthsStart = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 56, as: UInt64.self))) }
        var badLength = bytes
        badLength[lengthsStart] &+= 1
        #expect(try refused(badLength)?.contains("lengths do not match the index") == true)
        #expect(try refused(bytes) == nil)
    }

    /// Sides with different line counts are an error naming both files, whichever is longer.
    @Test func misalignedSidesAreAnError() throws {
        let folder = try corpus(lines: 10)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let zh = try String(contentsOfFile: folder + "/train.zh", encoding: .utf8)
        try (zh + "多一行\n").write(toFile: folder + "/train.zh", atomically: true, encoding: .utf8)
        #expect { try build(folder) } throws: { error in
            "\(error)".contains("train.en has 12 lines but") && "\(error)".contains("train.zh has 13")
        }
        let lines = zh.split(separator: "\n", omittingEmptySubsequences: false).dropLast()  // 12 lines, one of them empty
        try (lines.prefix(10).joined(separator: "\n") + "\n").write(toFile: folder + "/train.zh", atomically: true, encoding: .utf8)
        #expect { try build(folder) } throws: { error in
            "\(error)".contains("train.en has 12 lines but") && "\(error)".contains("train.zh has 10")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/train.ids"))
    }
}
