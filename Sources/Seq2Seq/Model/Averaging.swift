import Tensor

extension Seq2SeqModel {
    /// The element-wise mean of the parameters of `models`, which must share one configuration
    /// (checkpoints of one run): averaging the last checkpoints of a run smooths out the noise of
    /// the last updates, as OpenNMT's, Marian's and Joey NMT's averaging scripts do.
    public static func average(_ models: [Seq2SeqModel]) -> Seq2SeqModel {
        precondition(!models.isEmpty && models.allSatisfy { $0.config == models[0].config }, "average models of one configuration")
        let mean = Seq2SeqModel(config: models[0].config, seed: 0)
        let scale = 1 / Float(models.count)
        let sources = models.map(\.parameters)
        for (index, target) in mean.parameters.enumerated() {
            let out = target.value.pointer
            out.update(repeating: 0, count: target.value.count)
            for parameters in sources {
                let values = parameters[index].value.pointer
                for i in 0..<target.value.count { out[i] += values[i] }
            }
            for i in 0..<target.value.count { out[i] *= scale }
        }
        return mean
    }
}
