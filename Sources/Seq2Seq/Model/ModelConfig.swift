/// How the decoder's initial state comes from the encoder.
public enum BridgeKind: String, Codable, Sendable, CaseIterable {
    /// Decoder layer l starts from encoder layer l's final states, forward ‖ backward
    /// (needs as many layers and decoder hidden size = 2 × encoder hidden size).
    case copy
    /// A learned tanh layer per decoder layer and state maps encoder layer l's final states.
    case dense
    /// All zeros.
    case zeros
}

/// The architecture of a model; stored inside every model file.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var sourceVocabularySize: Int
    public var targetVocabularySize: Int
    public var embeddingSize = 256
    public var cell = CellKind.lstm
    public var encoderLayers = 2
    /// Hidden size of each direction of each encoder layer.
    public var encoderHiddenSize = 128
    public var decoderLayers = 2
    public var decoderHiddenSize = 256
    public var attention = AttentionKind.general
    public var bridge = BridgeKind.copy
    public var dropout: Float = 0.2
    /// Residual connections between encoder layers from the second up.
    public var residual = false
    /// Share the target embedding table with the generator (needs embedding size = decoder hidden size).
    public var tiedTargetEmbeddings = false

    public init(sourceVocabularySize: Int, targetVocabularySize: Int) {
        self.sourceVocabularySize = sourceVocabularySize
        self.targetVocabularySize = targetVocabularySize
    }

    /// The reference configuration of the benchmarks: vocabularies of 8,000, embeddings 256,
    /// 2 bidirectional encoder layers of 128 per direction, 2 decoder layers of 256, `general`
    /// attention with input feeding, dropout 0.2.
    public static func reference(sourceVocabularySize: Int = 8000, targetVocabularySize: Int = 8000) -> ModelConfig {
        ModelConfig(sourceVocabularySize: sourceVocabularySize, targetVocabularySize: targetVocabularySize)
    }

    /// Problems that make the configuration unusable, as sentences naming the fields (empty when
    /// valid); tools replace the field names by their flags.
    public func problems() -> [String] {
        var problems: [String] = []
        for (name, value) in [("sourceVocabularySize", sourceVocabularySize), ("targetVocabularySize", targetVocabularySize),
                              ("embeddingSize", embeddingSize), ("encoderLayers", encoderLayers),
                              ("encoderHiddenSize", encoderHiddenSize), ("decoderLayers", decoderLayers),
                              ("decoderHiddenSize", decoderHiddenSize)] where value < 1 {
            problems.append("\(name) must be ≥ 1, got \(value)")
        }
        if sourceVocabularySize < 5 || targetVocabularySize < 5 {
            problems.append("vocabularies need the 4 specials and at least one token")
        }
        if !(dropout >= 0 && dropout < 1) { problems.append("dropout must be in [0, 1), got \(dropout)") }
        if bridge == .copy && (encoderLayers != decoderLayers || decoderHiddenSize != 2 * encoderHiddenSize) {
            problems.append("bridge copy needs encoderLayers = decoderLayers (\(encoderLayers) vs \(decoderLayers)) and decoderHiddenSize = 2 × encoderHiddenSize (\(decoderHiddenSize) vs 2 × \(encoderHiddenSize)); change the sizes or use bridge dense or zeros")
        }
        if bridge == .dense && encoderLayers != decoderLayers {
            problems.append("bridge dense maps encoder layer l to decoder layer l: needs encoderLayers = decoderLayers (\(encoderLayers) vs \(decoderLayers)); use bridge zeros for different depths")
        }
        if attention == .dot && decoderHiddenSize != 2 * encoderHiddenSize {
            problems.append("attention dot needs decoderHiddenSize = 2 × encoderHiddenSize (\(decoderHiddenSize) vs 2 × \(encoderHiddenSize)); use attention general for other sizes")
        }
        if tiedTargetEmbeddings && embeddingSize != decoderHiddenSize {
            problems.append("tiedTargetEmbeddings needs embeddingSize = decoderHiddenSize (\(embeddingSize) vs \(decoderHiddenSize))")
        }
        return problems
    }
}
