import CKernels

/// Fused elementwise and row kernels over raw Float32 buffers (AVX2+FMA when the CPU has it, and
/// AVX-512 for the exponential's hot loops).
///
/// Accuracy (checked against Double references in the tests): exp relative error ≤ 3e-7,
/// sigmoid and tanh absolute error ≤ 1e-6.
public enum Kernels {
    /// True when the AVX2+FMA code path is in use.
    public static var usesAVX2: Bool { fanyi_kernels_use_avx2() != 0 }

    /// Forces the portable path on the calling thread (tests compare both); false restores the default.
    public static func forcePortable(_ force: Bool) { fanyi_kernels_force_portable(force ? 1 : 0) }

    /// The path in use on the calling thread: 2 AVX-512 (for the exponential's kernels), 1 AVX2+FMA, 0 portable.
    public static var level: Int { Int(fanyi_kernels_level()) }

    /// Uses at most path `level` on the calling thread (tests compare the paths); 2 restores the default.
    public static func limitLevel(_ level: Int) { fanyi_kernels_limit_level(Int32(level)) }

    /// y = e^x over `count` elements (x and y may be the same buffer).
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        fanyi_exp(x, y, Int64(count))
    }

    /// y = 1 / (1 + e^-x)
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        fanyi_sigmoid(x, y, Int64(count))
    }

    /// y = tanh(x)
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        fanyi_tanh(x, y, Int64(count))
    }

    /// m += b in every row (b holds m.cols values): a bias.
    public static func addRow(_ m: MatrixPointer, _ b: UnsafePointer<Float>) {
        fanyi_add_row(m.base, Int64(m.rows), Int64(m.cols), Int64(max(m.stride, 1)), b)
    }

    /// Copies the row `b` (m.cols values) into every row of `m`.
    public static func fillRows(_ m: MatrixPointer, _ b: UnsafePointer<Float>) {
        fanyi_fill_rows(m.base, Int64(m.rows), Int64(m.cols), Int64(max(m.stride, 1)), b)
    }

    /// `sums[j] += Σ_i m[i, j]` (the gradient of a bias added to every row).
    public static func addColumnSums(_ m: MatrixPointer, into sums: UnsafeMutablePointer<Float>) {
        fanyi_add_column_sums(m.base, Int64(m.rows), Int64(m.cols), Int64(max(m.stride, 1)), sums)
    }

    /// `dst += src` (same shape).
    public static func add(_ src: MatrixPointer, into dst: MatrixPointer) {
        precondition(src.rows == dst.rows && src.cols == dst.cols, "adding \(src.rows)×\(src.cols) to \(dst.rows)×\(dst.cols)")
        fanyi_add_rows(dst.base, Int64(max(dst.stride, 1)), src.base, Int64(max(src.stride, 1)), Int64(dst.rows), Int64(dst.cols))
    }

    /// Row-wise softmax; `x` and `y` are contiguous and the same shape (they may alias).
    public static func softmaxRows(_ x: MatrixPointer, into y: MatrixPointer) {
        precondition(x.isContiguous && y.isContiguous && x.rows == y.rows && x.cols == y.cols)
        fanyi_softmax_rows(x.base, y.base, Int64(x.rows), Int64(x.cols))
    }

    /// Row-wise log-softmax; `x` and `y` are contiguous and the same shape (they may alias).
    public static func logSoftmaxRows(_ x: MatrixPointer, into y: MatrixPointer) {
        precondition(x.isContiguous && y.isContiguous && x.rows == y.rows && x.cols == y.cols)
        fanyi_log_softmax_rows(x.base, y.base, Int64(x.rows), Int64(x.cols))
    }

    /// Softmax cross-entropy with label smoothing, fused with its gradient.
    ///
    /// Row r of `logits` (N×V) scores target `targets[r]`; q = (1 − ε)·onehot + ε/V; the row's
    /// loss is −Σ q log softmax(logits[r]) and `grad[r] = scale · (softmax(logits[r]) − q)`. Rows
    /// whose target is `ignoreIndex` (padding) get loss 0 and zero gradient. `grad` may alias
    /// `logits`. Returns the summed loss; per-row losses go to `rowLoss` when given, and the
    /// gradient's column sums are added into `gradientSums` (V) when given: a logit bias's
    /// gradient, taken while each row is in cache instead of in another pass over N×V. With
    /// `bias` (V), the scores are `logits[r] + bias`, added in the kernel's first pass over each
    /// row instead of a pass of its own.
    @discardableResult
    public static func softmaxCrossEntropy(
        logits: MatrixPointer, bias: UnsafePointer<Float>? = nil, targets: UnsafeBufferPointer<Int32>, smoothing: Float = 0,
        ignoreIndex: Int32 = 0, scale: Float = 1, grad: MatrixPointer, rowLoss: UnsafeMutablePointer<Float>? = nil,
        gradientSums: UnsafeMutablePointer<Float>? = nil
    ) -> Double {
        precondition(logits.isContiguous && grad.isContiguous && logits.rows == grad.rows && logits.cols == grad.cols)
        precondition(targets.count == logits.rows, "\(targets.count) targets for \(logits.rows) rows")
        precondition(smoothing >= 0 && smoothing < 1, "label smoothing \(smoothing) outside [0, 1)")
        return fanyi_softmax_cross_entropy(
            logits.base, bias, targets.baseAddress, Int64(logits.rows), Int64(logits.cols), smoothing, ignoreIndex,
            scale, grad.base, rowLoss, gradientSums)
    }

    /// One Adam update of `count` parameters with the gradient scaled by `scale`; α and ε carry
    /// the bias corrections (see `fanyi_adam`).
    public static func adam(theta: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                            v: UnsafeMutablePointer<Float>, count: Int, beta1: Float, beta2: Float, alpha: Float,
                            epsilon: Float, scale: Float) {
        fanyi_adam(theta, gradient, m, v, Int64(count), beta1, beta2, alpha, epsilon, scale)
    }

    /// One LSTM step forward over B rows (`fanyi_lstm_step_forward`; equations in LSTMCell.swift):
    /// z (B × 4H) becomes the gate activations; c, tanhC, h (B × H) are written; cPrev, hPrev B × H.
    public static func lstmStepForward(z: MatrixPointer, cPrev: MatrixPointer, hPrev: MatrixPointer, c: MatrixPointer,
                                       tanhC: MatrixPointer, h: MatrixPointer, mask: UnsafePointer<Float>) {
        let (m, hs) = (z.rows, c.cols)
        precondition(z.cols == 4 * hs && [cPrev, hPrev, c, tanhC, h].allSatisfy { $0.rows == m && $0.cols == hs },
                     "LSTM step forward shapes")
        fanyi_lstm_step_forward(Int64(m), Int64(hs), z.base, Int64(z.stride), cPrev.base, Int64(cPrev.stride), hPrev.base,
                                Int64(hPrev.stride), c.base, Int64(c.stride), tanhC.base, Int64(tanhC.stride), h.base,
                                Int64(h.stride), mask)
    }

    /// One LSTM step back over B rows (`fanyi_lstm_step_backward`; equations in LSTMCell.swift):
    /// gates, tanhC, cPrev, dh, dc are B × H (gates B × 4H), dz B × 4H.
    public static func lstmStepBackward(gates: MatrixPointer, tanhC: MatrixPointer, cPrev: MatrixPointer,
                                        dh: MatrixPointer, dc: MatrixPointer, dz: MatrixPointer, mask: UnsafePointer<Float>) {
        let (m, h) = (gates.rows, dh.cols)
        precondition(gates.cols == 4 * h && dz.cols == 4 * h && [tanhC, cPrev, dh, dc, dz].allSatisfy { $0.rows == m }
                     && [tanhC.cols, cPrev.cols, dc.cols].allSatisfy { $0 == h }, "LSTM step backward shapes")
        fanyi_lstm_step_backward(Int64(m), Int64(h), gates.base, Int64(gates.stride), tanhC.base, Int64(tanhC.stride),
                                 cPrev.base, Int64(cPrev.stride), dh.base, Int64(dh.stride), dc.base, Int64(dc.stride),
                                 dz.base, Int64(dz.stride), mask)
    }

    /// Inverted dropout of `count` values: fills `mask` (each element 0 with probability `rate`,
    /// else 1 / (1 − rate), so that `x · mask` keeps the expected value of x) and, when `x` is
    /// given, multiplies it by the mask in the same pass. The mask is a hash of one number drawn
    /// from `rng` and each element's index (`fanyi_dropout`): eight elements at a time, the
    /// same bits on every path.
    public static func dropout(_ x: UnsafeMutablePointer<Float>?, mask: UnsafeMutablePointer<Float>, count: Int, rate: Float,
                               using rng: inout RandomGenerator) {
        precondition(rate >= 0 && rate < 1, "dropout rate \(rate) outside [0, 1)")
        precondition(count < 1 << 32, "a dropout mask of \(count) values (at most 2^32 - 1)")
        fanyi_dropout(x, mask, Int64(count), rate, rng.next())
    }

    /// `x[i] *= y[i]` for `count` values (dropout's backward).
    public static func multiply(_ x: UnsafeMutablePointer<Float>, by y: UnsafePointer<Float>, count: Int) {
        fanyi_multiply(x, y, Int64(count))
    }
}
