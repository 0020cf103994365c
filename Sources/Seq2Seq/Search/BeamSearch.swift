import Foundation
import Tensor

// Shapes: B sentences in the batch, K beam size, R decoder rows (active sentences × beam width),
// S source steps, H hidden size, V target vocabulary.

/// How finished hypotheses of different lengths are compared.
public enum LengthPenalty: Sendable, Equatable {
    /// Raw log-probability.
    case none
    /// GNMT (Wu et al. 2016): log P / ((5 + |Y|) / 6)^α.
    case gnmt(alpha: Double)
    /// log P / |Y|^α (α = 1: the average log-probability per token).
    case average(alpha: Double)

    func normalize(_ logProbability: Double, length: Int) -> Double {
        let n = Double(max(length, 1))
        switch self {
        case .none: return logProbability
        case let .gnmt(alpha): return logProbability / pow((5 + n) / 6, alpha)
        case let .average(alpha): return logProbability / pow(n, alpha)
        }
    }
}

/// Search settings (beam 1 is greedy search).
public struct SearchOptions: Sendable, Equatable {
    public var beamSize = 5
    /// Hypotheses returned per sentence (≤ beamSize).
    public var nBest = 1
    /// At most maxLengthFactor × source length + 5 target tokens.
    public var maxLengthFactor = 2.0
    public var lengthPenalty = LengthPenalty.gnmt(alpha: 0.6)
    /// GNMT coverage penalty weight β (0: off): + β Σ_source log(min(attention received, 1)).
    public var coveragePenalty = 0.0
    /// Forbid repeating any n-gram of this order inside a hypothesis (0: off).
    public var blockNgramRepeat = 0
    /// Keep every step's attention weights (for heatmaps).
    public var recordAttention = false
    /// Score only the shortlist's candidates of each sentence (nil: the whole vocabulary).
    public var shortlist: Shortlist?
    /// Sentences of a batch (consecutive, as given) that share one candidate set: 1 scores each
    /// sentence over its own candidates. Larger groups make taller generator products over a
    /// union that grows with the group.
    public var shortlistGroupSize = 1
    public init() {}
}

/// One output sentence.
public struct Hypothesis: Sendable, Equatable {
    /// Target ids, without `</s>`.
    public var tokens: [Int32]
    /// The score hypotheses are ranked by (length and coverage penalties applied).
    public var score: Double
    /// Sum of the tokens' log-probabilities (`</s>` included when generated).
    public var logProbability: Double
    /// Each output token's log-probability under the model (the scored columns', with a shortlist).
    public var tokenLogProbabilities: [Float] = []
    /// The log-probability of `</s>` where the hypothesis ended with it (nil when cut at the length limit).
    public var endLogProbability: Float?
    /// For each output token, the source position it attended to most.
    public var alignment: [Int]
    /// Per output token, the attention over the source positions (when recorded).
    public var attention: [[Float]]
}

/// Beam search over a batch of sentences with the decoder's step function. Finished sentences
/// leave the batch (their rows, memory and state are dropped), so later steps cost less.
public final class BeamSearch {
    public let model: Seq2SeqModel
    private let workspace: Seq2SeqModel.Workspace
    private let memory = Attention.Memory()
    private let steps: StepWorkspace
    private let state: DecoderState
    private let logits = Matrix(rows: 0, cols: 0)
    /// One per group of sentences with a candidate set of its own (reused across batches).
    private var subsets: [Generator.Subset] = []

    public init(model: Seq2SeqModel) {
        self.model = model
        workspace = model.makeWorkspace()
        steps = StepWorkspace(model: model)
        state = DecoderState(model: model)
    }

    /// A live partial hypothesis (one decoder row).
    struct Beam {
        var tokens: [Int32] = []
        var logProbability = 0.0
        var tokenLogProbabilities: [Float] = []
        var endLogProbability: Float?
        var alignment: [Int] = []
        var attention: [[Float]] = []
        var coverage: [Float] = []
    }

    /// The best `nBest` hypotheses for each source (non-empty id sequences), in input order.
    public func search(_ sources: [[Int32]], options: SearchOptions) -> [[Hypothesis]] {
        guard !sources.isEmpty else { return [] }
        precondition(options.beamSize >= 1 && options.nBest >= 1 && options.nBest <= options.beamSize, "need 1 ≤ nBest ≤ beamSize")
        precondition(options.shortlistGroupSize >= 1, "need shortlistGroupSize ≥ 1")
        let batch = sources.count, k = options.beamSize
        let lengths = sources.map(\.count)
        model.encode(sources: sources, workspace: workspace)

        // The columns scored: the whole vocabulary, or each group's shortlist candidates.
        let groupSize = options.shortlistGroupSize
        if let shortlist = options.shortlist {
            let groups = (batch + groupSize - 1) / groupSize
            while subsets.count < groups { subsets.append(Generator.Subset()) }
            for g in 0..<groups {
                let members = sources[(g * groupSize)..<min(batch, (g + 1) * groupSize)]
                model.generator.restrict(to: shortlist.candidates(for: Array(members)), into: subsets[g])
            }
        }
        let limits = lengths.map { Int(Double($0) * options.maxLengthFactor) + 5 }
        var finished = [[Hypothesis]](repeating: [], count: batch)
        // Rows are grouped by sentence: `active[g]` owns rows g·width ..< (g + 1)·width.
        var active = Array(0..<batch)
        var width = 1
        var beams = (0..<batch).map { b in Beam(coverage: Array(repeating: 0, count: lengths[b])) }
        state.advance(to: model.initialState(workspace, steps: steps), rows: Array(0..<batch))
        workspace.memory.gather(active, into: memory)

        while true {
            // Rows of the sentences of one group are consecutive (`active` keeps input order).
            let blocks = options.shortlist == nil ? nil : groupBlocks(active, groupSize: groupSize, width: width)
            let next = model.step(tokens: beams.map { $0.tokens.last ?? Batch.bosID }, from: state.state, memory: memory,
                                  steps: steps, blocks: blocks, logits: logits)  // R × V, or blocks of rows_b × C_b
            // Each row's log-probabilities: where they lie, how many, and the subset they stand for.
            var rowScores: [(row: UnsafeMutablePointer<Float>, columns: Int, subset: Generator.Subset?)] = []
            if let blocks {
                for (block, view) in zip(blocks, Generator.Block.views(blocks, at: logits.pointer)) {
                    Kernels.logSoftmaxRows(view, into: view)
                    for r in 0..<block.rows { rowScores.append((view.base + r * view.cols, view.cols, block.subset)) }
                }
            } else {
                Kernels.logSoftmaxRows(logits.view, into: logits.view)
                for r in 0..<logits.rows { rowScores.append((logits.pointer + r * logits.cols, logits.cols, nil)) }
            }
            let weights = model.attentionWeights(steps)  // R × S

            var nextActive: [Int] = [], parents: [Int] = [], nextBeams: [Beam] = []
            for (g, sentence) in active.enumerated() {
                // Each row's extensions; candidates are (score, row, token).
                var candidates: [(Double, Int, Int32)] = []
                for r in (g * width)..<((g + 1) * width) {
                    let (row, columns, subset) = rowScores[r]
                    if options.blockNgramRepeat > 0 {
                        blockRepeats(beams[r].tokens, n: options.blockNgramRepeat, row: row, subset: subset)
                    }
                    for (column, lp) in topTokens(row, count: columns, k: 2 * k) {
                        let token = subset.map { $0.ids[Int(column)] } ?? column
                        candidates.append((beams[r].logProbability + Double(lp), r, token))
                    }
                }
                candidates.sort { $0.0 != $1.0 ? $0.0 > $1.0 : ($0.1, $0.2) < ($1.1, $1.2) }
                var alive: [(Int, Beam)] = []
                let atLimit = beams[g * width].tokens.count + 1 >= limits[sentence]
                var bestWasEnd = false
                for (rank, (score, r, v)) in candidates.enumerated() {
                    guard score > -.infinity else { break }
                    var beam = beams[r]
                    extend(&beam, row: r, token: v, weights: weights, sentenceLength: lengths[sentence], options: options)
                    let lp = Float(score - beams[r].logProbability)
                    if v == Batch.eosID { beam.endLogProbability = lp } else { beam.tokenLogProbabilities.append(lp) }
                    beam.logProbability = score
                    if v == Batch.eosID || atLimit {
                        if rank == 0 { bestWasEnd = true }
                        finished[sentence].append(finish(beam, ended: v == Batch.eosID, options: options))
                    } else if alive.count < k {
                        alive.append((r, beam))
                    }
                    if finished[sentence].count >= k || (alive.count >= k && rank >= 2 * k - 1) { break }
                }
                // Done when the best candidate ended (once n-best hypotheses are in), when the beam
                // has filled with finished hypotheses, or at the length limit.
                let done = (bestWasEnd && finished[sentence].count >= options.nBest) || finished[sentence].count >= k
                    || atLimit || alive.isEmpty
                if !done {
                    while alive.count < k { alive.append(alive[0]) }  // a tiny vocabulary: repeat the best
                    nextActive.append(sentence)
                    for (r, beam) in alive {
                        parents.append(r)
                        nextBeams.append(beam)
                    }
                }
            }
            if nextActive.isEmpty { break }
            state.advance(to: next, rows: parents)
            if nextActive != active || width != k {
                workspace.memory.gather(nextActive.flatMap { Array(repeating: $0, count: k) }, into: memory)
            }
            active = nextActive
            beams = nextBeams
            width = k
        }
        return finished.map { hypotheses in
            Array(hypotheses.sorted { $0.score > $1.score }.prefix(options.nBest))
        }
    }

    /// The generator blocks of a step: the rows of the active sentences (`width` each) in runs of
    /// sentences that share a group's subset.
    private func groupBlocks(_ active: [Int], groupSize: Int, width: Int) -> [Generator.Block] {
        var blocks: [Generator.Block] = []
        var start = 0
        while start < active.count {
            let group = active[start] / groupSize
            var end = start + 1
            while end < active.count && active[end] / groupSize == group { end += 1 }
            blocks.append(Generator.Block(subset: subsets[group], rows: (end - start) * width))
            start = end
        }
        return blocks
    }

    /// The `k` best (token, log-probability) pairs of a row, best first.
    private func topTokens(_ row: UnsafeMutablePointer<Float>, count: Int, k: Int) -> [(Int32, Float)] {
        var best: [(Int32, Float)] = []
        best.reserveCapacity(k + 1)
        var threshold = -Float.infinity
        for v in 0..<count {
            let x = row[v]
            guard x > threshold || best.count < k, x > -.infinity else { continue }
            var i = best.count
            while i > 0 && best[i - 1].1 < x { i -= 1 }
            best.insert((Int32(v), x), at: i)
            if best.count > k { best.removeLast() }
            if best.count == k { threshold = best[k - 1].1 }
        }
        return best
    }

    /// Sets to −∞ the tokens that would repeat an n-gram already in `tokens` (the row's columns
    /// are `subset`'s ids when there is one).
    private func blockRepeats(_ tokens: [Int32], n: Int, row: UnsafeMutablePointer<Float>, subset: Generator.Subset?) {
        guard tokens.count >= n - 1, n >= 1 else { return }
        func block(_ token: Int32) {
            if let column = subset.map({ $0.column(of: token) }) ?? Int(token) { row[column] = -.infinity }
        }
        if n == 1 {
            for token in tokens { block(token) }
            return
        }
        let suffix = tokens.suffix(n - 1)
        for i in 0...(tokens.count - (n - 1)) where i + n - 1 < tokens.count {
            if tokens[i..<(i + n - 1)].elementsEqual(suffix) { block(tokens[i + n - 1]) }
        }
    }

    private func extend(_ beam: inout Beam, row r: Int, token: Int32, weights: Matrix, sentenceLength: Int, options: SearchOptions) {
        let a = weights.pointer + r * weights.cols
        var argmax = 0
        for s in 0..<sentenceLength where a[s] > a[argmax] { argmax = s }
        if token != Batch.eosID {
            beam.tokens.append(token)
            beam.alignment.append(argmax)
            if options.recordAttention { beam.attention.append(Array(UnsafeBufferPointer(start: a, count: sentenceLength))) }
        }
        if options.coveragePenalty > 0 { for s in 0..<sentenceLength { beam.coverage[s] += a[s] } }
    }

    private func finish(_ beam: Beam, ended: Bool, options: SearchOptions) -> Hypothesis {
        var score = options.lengthPenalty.normalize(beam.logProbability, length: beam.tokens.count + (ended ? 1 : 0))
        if options.coveragePenalty > 0 {
            score += options.coveragePenalty * beam.coverage.reduce(0) { $0 + log(Double(min(max($1, 1e-10), 1))) }
        }
        return Hypothesis(tokens: beam.tokens, score: score, logProbability: beam.logProbability,
                          tokenLogProbabilities: beam.tokenLogProbabilities, endLogProbability: beam.endLogProbability,
                          alignment: beam.alignment, attention: beam.attention)
    }
}
