// Shapes: E embedding, h encoder hidden (per direction), H decoder hidden, M memory (2h),
// A attention key size, V target vocabulary, G gates per cell (4 LSTM, 3 GRU).

extension ModelConfig {
    /// The matrix-product flops one training step needs for sentences of these lengths, counted
    /// over real positions only: what a step would cost with no padding at all.
    ///
    /// A batch pads every sentence to its longest (the decoder and the encoder run B rows at
    /// every step, the memory's keys cover S·B rows), so the products a step executes depend on
    /// how lengths mix; this count does not, which makes it the fair numerator of "share of the
    /// GEMM ceiling" (tokens/s × flops per token, the issue's 30.6 MFLOP measure). Training is
    /// three products per weight product: the forward one, dx and dw. Element-wise work (gates,
    /// softmax, dropout) is not counted.
    ///
    /// `targetLengths` are decoder steps per sentence (target length + 1, `Batch.targetLengths`).
    public func trainingFlops(sourceLengths: [Int], targetLengths: [Int]) -> Int {
        precondition(sourceLengths.count == targetLengths.count, "as many source as target lengths")
        let gates = cell == .lstm ? 4 : 3
        let (h, hd, m) = (encoderHiddenSize, decoderHiddenSize, 2 * encoderHiddenSize)
        let keySize = attention == .dot ? m : hd      // general: keys = memory·wa (M × H); mlp: A = H
        var forward = 0, mlpScoreSavings = 0
        for (s, t) in zip(sourceLengths, targetLengths) {
            // Encoder, both directions of every layer: [x ; h₋]·[wx ; wh] at every position (the
            // first h₋ is zeros, multiplied all the same).
            for l in 0..<encoderLayers {
                let input = l == 0 ? embeddingSize : m
                forward += 2 * 2 * s * (input + h) * gates * h
            }
            // Bridge: per decoder layer, the encoder's final h (and c) through a dense layer.
            if bridge == .dense { forward += decoderLayers * (cell == .lstm ? 2 : 1) * 2 * m * hd }
            // Memory side of attention, once per source position.
            if attention != .dot { forward += 2 * s * m * keySize }
            // Decoder, every step: the stack (input feeding: [emb ; h̃₋] into layer 0), the query
            // side (mlp: h·wq), scores and context over the sentence's s positions, the output
            // layer [c ; h]·wc and the generator.
            for l in 0..<decoderLayers {
                let input = l == 0 ? embeddingSize + hd : hd
                forward += t * 2 * (input + hd) * gates * hd
            }
            if attention == .mlp { forward += t * 2 * hd * keySize }
            forward += t * 2 * s * (keySize + m)
            // mlp scores v·tanh(k + q) back-propagate to k and q element-wise: only dv is a product.
            if attention == .mlp { mlpScoreSavings += t * 2 * s * keySize }
            forward += t * 2 * (m + hd) * hd
            forward += t * 2 * hd * targetVocabularySize
        }
        return 3 * forward - mlpScoreSavings
    }
}
