import Foundation
import Seq2Seq
import Testing
import Translation

/// The isotonic map from raw confidence to the probability of a good translation, its storage
/// in a model file, and a damaged one.
@Suite struct ConfidenceCalibrationTests {
    @Test func separatedDataGivesAStepWithinTheMargins() {
        let raw = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8]
        let calibration = ConfidenceCalibration.fit(raw: raw, good: [false, false, false, true, true, true], threshold: 50)
        let margin = 1.0 / 8
        #expect(calibration(0.05) == margin && calibration(0.2) == margin)
        #expect(calibration(0.9) == 1 - margin && calibration(0.7) == 1 - margin)
        #expect(calibration(0.45) > margin && calibration(0.45) < 1 - margin)
    }

    /// Sentences good with probability equal to their raw confidence: the fit recovers it, and it
    /// never falls as the raw confidence rises.
    @Test func recoversAKnownProbabilityAndIsMonotone() {
        var state: UInt64 = 42
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let raw = (0..<4000).map { _ in uniform() }
        let good = raw.map { uniform() < $0 }
        let calibration = ConfidenceCalibration.fit(raw: raw, good: good, threshold: 50)
        for x in stride(from: 0.1, through: 0.9, by: 0.1) {
            #expect(abs(calibration(x) - x) < 0.08, "\(x) → \(calibration(x))")
        }
        let grid = stride(from: -0.5, through: 1.5, by: 0.01).map { calibration($0) }
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(grid.allSatisfy { (0...1).contains($0) })
    }

    @Test func storedAndReadBack() throws {
        let calibration = ConfidenceCalibration.fit(raw: [0.2, 0.4, 0.9], good: [false, true, true], threshold: 60)
        let read = try ConfidenceCalibration(parsing: calibration.serialized(), file: "m.safetensors")
        #expect(read == calibration && read.threshold == 60 && read.sentences == 3)
    }

    @Test func damagedCalibrationIsAnErrorNamingFileAndKey() {
        let damaged = [
            "not json", "{}", #"{"metric":"chrF","threshold":50,"sentences":3,"points":[]}"#,
            #"{"metric":"chrF","threshold":50,"sentences":3,"points":[[0.5,0.9],[0.6,0.1]]}"#,
            #"{"metric":"chrF","threshold":50,"sentences":3,"points":[[0.5,1.5]]}"#,
            #"{"metric":"chrF","threshold":50,"sentences":3,"points":[[0.5]]}"#,
        ]
        for text in damaged {
            do {
                _ = try ConfidenceCalibration(parsing: text, file: "m.safetensors")
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains("m.safetensors") && error.description.contains("confidence.calibration"), "\(error)")
            }
        }
    }

    /// A model file with a calibration gives every translation a calibrated confidence; one with a
    /// damaged calibration does not load.
    @Test func translatorReadsItFromTheModelFile() throws {
        let shipped = try SafeTensors.read(packageRoot + "/models/en-zh-lohelp.safetensors")
        var (tensors, metadata) = try SafeTensors.decode(shipped, file: "shipped")
        let calibration = ConfidenceCalibration.fit(raw: [0.3, 0.5, 0.7, 0.9], good: [false, false, true, true], threshold: 50)
        metadata[ConfidenceCalibration.metadataKey] = calibration.serialized()
        let path = NSTemporaryDirectory() + "fanyi-calibrated-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write(tensors, metadata: metadata, storage: .i8, to: path)
        let translator = try Translator(modelFile: path)
        #expect(translator.calibration == calibration)
        let result = try translator.translate(["Select the cell range."])[0][0]
        #expect(result.calibratedConfidence == calibration(result.confidence))

        metadata[ConfidenceCalibration.metadataKey] = "{\"points\": 3}"
        try SafeTensors.write(tensors, metadata: metadata, storage: .i8, to: path)
        #expect(throws: ModelFileError.self) { try Translator(modelFile: path) }
        tensors.removeAll()
    }
}
