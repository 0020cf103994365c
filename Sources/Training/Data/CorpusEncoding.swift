import Tokenization

extension TextPipeline {
    /// Encodes a corpus; pairs with an empty side, or longer than `maxLength` subwords on a side, are skipped and counted.
    public func encode(_ corpus: ParallelCorpus, maxLength: Int) throws -> EncodedCorpus {
        var encoded = EncodedCorpus(sources: [], targets: [], lineIndices: [])
        for i in 0..<corpus.count {
            let s = try source.ids(corpus.sources[i]), t = try target.ids(corpus.targets[i])
            if s.isEmpty || t.isEmpty {
                encoded.skippedEmpty += 1
            } else if s.count > maxLength || t.count > maxLength {
                encoded.skippedLong += 1
            } else {
                encoded.sources.append(s)
                encoded.targets.append(t)
                encoded.lineIndices.append(i)
            }
        }
        return encoded
    }

}
