import Testing
import Tensor
@testable import Seq2Seq

/// Models in 8 bits: the I8 model file (round trip, damaged files) and what the 8-bit products
/// change, layer by layer, against Float32.
@Suite struct QuantizedModelTests {
    func model(_ cell: CellKind = .lstm, attention: AttentionKind = .general) -> Seq2SeqModel {
        var config = ModelConfig(sourceVocabularySize: 40, targetVocabularySize: 50)
        (config.embeddingSize, config.encoderHiddenSize, config.decoderHiddenSize, config.encoderLayers, config.decoderLayers)
            = (32, 24, 48, 2, 2)
        (config.cell, config.attention) = (cell, attention)
        return Seq2SeqModel(config: config, seed: 5)
    }

    func i8(_ model: Seq2SeqModel) throws -> Seq2SeqModel {
        try ModelFile.decode(ModelFile.encode(model, storage: .i8), file: "m.i8").model
    }

    /// Weights and tables come back within half a quantization step of their scale (per
    /// column, per row for tables); biases exactly; weights carry their 8-bit form. Writing the
    /// loaded model in I8 again gives the same bytes.
    @Test(arguments: [CellKind.lstm, .gru])
    func roundTripsInI8(cell: CellKind) throws {
        let original = model(cell, attention: cell == .gru ? .mlp : .general)
        let bytes = ModelFile.encode(original, storage: .i8)
        let (loaded, _) = try ModelFile.decode(bytes, file: "m.i8")
        for (p, q) in zip(original.parameters, loaded.parameters) {
            #expect(p.name == q.name && p.kind == q.kind)
            switch p.kind {
            case .vector:
                #expect(p.value.maxAbsDifference(q.value) == 0, "\(p.name)")
                #expect(q.quantized == nil)
            case .weight, .table:
                for r in 0..<p.value.rows {
                    for c in 0..<p.value.cols {
                        let amax = p.kind == .weight ? (0..<p.value.rows).map { abs(p.value[$0, c]) }.max()!
                                                     : (0..<p.value.cols).map { abs(p.value[r, $0]) }.max()!
                        #expect(abs(p.value[r, c] - q.value[r, c]) <= amax / 127 / 2 * 1.0001, "\(p.name)[\(r), \(c)]")
                    }
                }
                #expect((q.quantized != nil) == (p.kind == .weight), "\(p.name)")
            }
        }
        #expect(ModelFile.encode(loaded, storage: .i8) == bytes)
        // Every matrix in one byte an element: about a quarter of the Float32 file.
        let f32 = ModelFile.encode(original, storage: .f32).count
        #expect(Double(bytes.count) < 0.4 * Double(f32), "\(bytes.count) bytes in I8, \(f32) in F32")
    }

    static let damages = ["no scale", "scale of the wrong length", "negative scale", "infinite scale", "I8 bias", "I8 scale"]

    @Test(arguments: damages)
    func damagedI8FilesAreRejected(damage: String) throws {
        let (tensors, metadata) = try SafeTensors.decode(ModelFile.encode(model(), storage: .i8), file: "m")
        var changed = tensors
        let scale = changed.firstIndex { $0.name == "generator.w.scale" }!
        let message: String
        switch damage {
        case "no scale":
            changed.remove(at: scale)
            message = "I8 tensor 'generator.w' needs a Float tensor 'generator.w.scale' of shape [50]"
        case "scale of the wrong length":
            changed[scale] = SafeTensors.Tensor(name: "generator.w.scale", shape: [49], values: Array(changed[scale].values.prefix(49)))
            message = "needs a Float tensor 'generator.w.scale' of shape [50]"
        case "negative scale":
            changed[scale].values[3] = -1
            message = "tensor 'generator.w.scale' holds a negative or non-finite scale"
        case "infinite scale":
            changed[scale].values[0] = .infinity
            message = "holds a negative or non-finite scale"
        case "I8 bias":
            let bias = changed.firstIndex { $0.name == "generator.b" }!
            changed[bias] = SafeTensors.Tensor(name: "generator.b", shape: [1, 50], int8: Array(repeating: 1, count: 50))
            message = "tensor 'generator.b' is I8, but a single row is stored as F32 or F16"
        default:
            changed[scale] = SafeTensors.Tensor(name: "generator.w.scale", shape: [50], int8: Array(repeating: 1, count: 50))
            message = "needs a Float tensor 'generator.w.scale'"
        }
        let bytes = SafeTensors.encode(changed, metadata: metadata, storage: .f32)
        #expect { try ModelFile.decode(bytes, file: "damaged.safetensors") } throws: { error in
            "\(error)".hasPrefix("damaged.safetensors: ") && "\(error)".contains(message)
        }
    }

    /// Encoder memory and one decoder step's logits of a model, for comparing precisions.
    func outputs(_ model: Seq2SeqModel) -> (memory: Matrix, logits: Matrix) {
        let workspace = model.makeWorkspace(), steps = StepWorkspace(model: model)
        model.encode(sources: [[4, 5, 6, 7, 8, 9], [10, 11, 12]], workspace: workspace)
        let memory = Matrix(rows: workspace.memory.values.rows, cols: workspace.memory.values.cols)
        memory.view.assign(workspace.memory.values.view)
        let logits = Matrix(rows: 0, cols: 0)
        var state = model.initialState(workspace, steps: steps)
        for token in [Batch.bosID, 20, 21] {
            state = model.step(tokens: [token, token], from: state, memory: workspace.memory, steps: steps, logits: logits)
        }
        return (memory, logits)
    }

    /// Layer by layer, 8 bits against Float32, on a model whose random weights are scaled to
    /// trained magnitudes (encoder states up to ~1, logits up to 2–4): the encoder's memory after
    /// two bidirectional layers differs by at most 0.03 (measured 0.0035 LSTM, 0.012 GRU), the
    /// logits after three decoder steps by at most 0.15 and 4 % of the largest logit (measured
    /// 0.030 and 0.063, 1.4–1.6 %). Against the same rounded weights in Float32, what is left is
    /// the activations' rounding: at most 0.1 (measured 0.027 and 0.043).
    @Test(arguments: [CellKind.lstm, .gru])
    func eightBitsStayCloseToFloat32(cell: CellKind) throws {
        let original = model(cell)
        for p in original.parameters { for i in 0..<p.value.count { p.value.pointer[i] *= 5 } }  // trained-like magnitudes
        let quantized = try i8(original)
        let (f32Memory, f32Logits) = outputs(original)
        let (i8Memory, i8Logits) = outputs(quantized)
        #expect(f32Memory.maxAbsDifference(i8Memory) <= 0.03)
        #expect(f32Logits.maxAbsDifference(i8Logits) <= 0.15)
        #expect(f32Logits.maxAbsDifference(i8Logits) <= 0.04 * f32Logits.storage.map(abs).max()!)
        #expect(f32Logits.maxAbsDifference(i8Logits) > 0, "the 8-bit products were not used")
        // The same loaded weights without their 8-bit form: Float32 products of rounded weights.
        let rounded = try i8(original)
        for p in rounded.parameters { p.quantized = nil }
        let (_, roundedLogits) = outputs(rounded)
        #expect(roundedLogits.maxAbsDifference(i8Logits) <= 0.1)
        #expect(roundedLogits.maxAbsDifference(i8Logits) > 0)
    }

    /// Search runs on 8-bit weights as on Float32: beam 1 is greedy, a beam finds hypotheses.
    @Test func searchRunsInEightBits() throws {
        let original = model()
        for p in original.parameters { for i in 0..<p.value.count { p.value.pointer[i] *= 8 } }  // peaked, varied outputs
        let quantized = try i8(original)
        let sources: [[Int32]] = [[4, 5, 6, 7], [8], [9, 10, 11]]
        let greedy = GreedySearch(model: quantized).translate(sources)
        var options = SearchOptions()
        options.beamSize = 1
        #expect(BeamSearch(model: quantized).search(sources, options: options).map { $0[0].tokens } == greedy)
        #expect(greedy.contains { !$0.isEmpty })
        (options.beamSize, options.nBest) = (4, 4)
        let beam = BeamSearch(model: quantized).search(sources, options: options)
        #expect(beam.allSatisfy { $0.count == 4 })
        // A shortlist of every id scores the same columns through 8-bit gathered ones.
        options.shortlist = Shortlist(frequent: quantized.config.targetVocabularySize,
                                      bySource: Array(repeating: [], count: quantized.config.sourceVocabularySize))
        #expect(BeamSearch(model: quantized).search(sources, options: options).map { $0.map(\.tokens) } == beam.map { $0.map(\.tokens) })
        // Per-sentence 8-bit blocks on two threads (block by block) give what one thread gives.
        options.shortlist = Shortlist(frequent: 6, bySource: (0..<quantized.config.sourceVocabularySize).map { [Int32(6 + $0 % 9)] })
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let one = BeamSearch(model: quantized).search(sources, options: options)
        Parallel.threads = 2
        let two = BeamSearch(model: quantized).search(sources, options: options)
        #expect(one == two && one.allSatisfy { $0.count == 4 })
    }
}
