// CKernels: Fanyi's transcendental and row-reduction kernels over Float32 buffers.
//
// Why C: Swift compiles for baseline x86-64 (SSE2) and cannot enable AVX2/FMA for a single
// function; the package-wide flag that would (unsafeFlags) makes a package unusable as a
// dependency. Here each kernel has an AVX2+FMA version (`__attribute__((target))`) picked at run
// time when the CPU has it, and a portable scalar version that computes the same polynomial.
// Everything else (layers, gradients, the order of operations) is Swift.
//
// exp uses a Cephes-style range reduction and degree-6 polynomial (relative error ~2 ulp on
// [-87, 88]; inputs are clamped to that range). sigmoid and tanh are built on it:
// sigmoid(x) = 1 / (1 + e^-x), tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)); both have
// absolute error below 1e-6 everywhere.
#ifndef FANYI_KERNELS_H
#define FANYI_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the AVX2+FMA versions are in use (the CPU supports them), else 0.
int fanyi_kernels_use_avx2(void);
/// The kernels' path in use on the calling thread: 2 AVX-512 (the exponential's kernels: the
/// loss's exponentials, the LSTM step; the rest as 1), 1 AVX2+FMA, 0 portable.
int fanyi_kernels_level(void);
/// Forces the portable versions on the calling thread (for tests that compare both paths); 0
/// restores the default.
void fanyi_kernels_force_portable(int force);
/// Uses at most path `level` (0, 1, 2) on the calling thread; 2 restores the default.
void fanyi_kernels_limit_level(int level);

/// y[i] = e^x[i]   (x == y allowed)
void fanyi_exp(const float *x, float *y, int64_t n);
/// y[i] = 1 / (1 + e^-x[i])
void fanyi_sigmoid(const float *x, float *y, int64_t n);
/// y[i] = tanh(x[i])
void fanyi_tanh(const float *x, float *y, int64_t n);

/// Inverted dropout: mask[i] = 0 with probability `rate`, else 1 / (1 − rate), and x[i] *= mask[i]
/// when x is given. Element i's draw is a hash of (seed, i mod 2^32), so the mask depends only
/// on the seed and the length, the same bits on every path; n must stay below 2^32.
void fanyi_dropout(float *x, float *mask, int64_t n, float rate, uint64_t seed);
/// x[i] *= y[i] (x and y do not overlap).
void fanyi_multiply(float *x, const float *y, int64_t n);
/// Row-wise softmax of a rows × cols row-major matrix (x == y allowed).
void fanyi_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols);
/// Row-wise log-softmax (x == y allowed).
void fanyi_log_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols);

/// Softmax cross-entropy per row with label smoothing, fused with its gradient.
///
/// For row r with target t = targets[r]: p = softmax(logits[r]), q = (1 − ε) onehot(t) + ε / cols,
/// loss[r] = −Σ q log p and grad[r] = scale · (p − q). A row whose target is `ignore` (padding)
/// gets loss 0 and a zero gradient. grad may alias logits. Returns the summed loss of all rows.
/// When `grad_sums` is given, grad[r] is also added into it (cols values) while the row is in
/// cache: the gradient of a bias added to the logits. When `bias` (cols values) is given, the
/// scores are logits[r] + bias, added in the kernel's first pass over the row (so the product
/// that made the logits needs no pass of its own for the bias). grad may alias logits either way.
double fanyi_softmax_cross_entropy(const float *logits, const float *bias, const int32_t *targets, int64_t rows,
                                   int64_t cols, float smoothing, int32_t ignore, float scale,
                                   float *grad, float *loss, float *grad_sums);

/// Adam with the gradient scaled by `scale` (clipping) and bias corrections folded into `alpha`
/// and `eps`: g = scale·grad; m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; θ −= α·m / (√v + ε).
/// The AVX2 path rounds like the portable one (no fused multiply-adds).
void fanyi_adam(float *theta, const float *grad, float *m, float *v, int64_t n, float beta1, float beta2,
                float alpha, float eps, float scale);

/// C = alpha·A·B + beta·C for a few rows: A m×k, B k×n, C m×n, row-major with leading
/// dimensions lda, ldb, ldc (beta = 0 ignores what C held). For few rows (a beam's hypotheses, a
/// training batch's decoder step against a weight matrix), where OpenBLAS's packing of all of B
/// for every call costs more than it saves. Any m works: the AVX-512 path takes 8 rows at a time
/// (above 8 sharing copied 48-column panels of B), the AVX2 path four rows at a time.
void fanyi_sgemm_small_m(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                         const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
/// The best path this CPU has: 2 AVX-512, 1 AVX2+FMA, 0 portable.
int fanyi_sgemm_small_m_level(void);
/// The same product on the path `level` at most (for tests that compare the paths).
void fanyi_sgemm_small_m_at(int level, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                            const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
/// The most rows for which these kernels beat OpenBLAS on this CPU: 64 with AVX-512, else 8.
int64_t fanyi_sgemm_small_m_rows(void);
/// C = alpha·A·Bᵀ + beta·C with B n×k row-major (a step's dz·Wᵀ): rows of A dotted with rows of B.
void fanyi_sgemm_small_m_nt(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                            const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
/// The same on the path `level` at most (AVX-512 or portable).
void fanyi_sgemm_small_m_nt_at(int level, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                               const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
/// Floats of a k×n matrix packed by `fanyi_sgemm_pack`: 48-column panels, each k rows of 48.
int64_t fanyi_sgemm_packed_size(int64_t k, int64_t n);
/// Packs B (k×n, rows ldb apart) or, with `transposed`, B = Wᵀ for W n×k (rows ldb apart), into
/// `packed` (fanyi_sgemm_packed_size floats), for many products with the same B.
void fanyi_sgemm_pack(int64_t k, int64_t n, const float *b, int64_t ldb, int transposed, float *packed);
/// C = alpha·A·B + beta·C with B packed by `fanyi_sgemm_pack`: the few-row product without
/// copying B's panels on every call.
void fanyi_sgemm_packed(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                        const float *packed, float beta, float *c, int64_t ldc);
/// The same on the path `level` at most (AVX-512 or portable).
void fanyi_sgemm_packed_at(int level, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                           const float *packed, float beta, float *c, int64_t ldc);

/// rows (m × n, leading dimension ld) += b (n) in every row: a bias.
void fanyi_add_row(float *rows, int64_t m, int64_t n, int64_t ld, const float *b);
/// Copies the row b (n values) into each of the m rows of `rows` (leading dimension ld).
void fanyi_fill_rows(float *rows, int64_t m, int64_t n, int64_t ld, const float *b);
/// sums[j] += Σ_i rows[i][j] over m rows of n values (leading dimension ld): a bias's gradient.
void fanyi_add_column_sums(const float *rows, int64_t m, int64_t n, int64_t ld, float *sums);
/// One LSTM step forward over m rows of hidden size h: z (pre-activations i f o g, leading
/// dimension ldz) becomes the gate activations in place; c = f⊙c₋ + i⊙g, tanh_c = tanh(c) and
/// h_out = o⊙tanh(c). Rows whose mask is 0 keep the state (c = c₋, h = h₋, tanh_c = 0) and
/// their z as it was. See LSTMCell.swift for the equations.
void fanyi_lstm_step_forward(int64_t m, int64_t h, float *z, int64_t ldz, const float *c_prev, int64_t ldcp,
                             const float *h_prev, int64_t ldhp, float *c, int64_t ldc, float *tanh_c, int64_t ldt,
                             float *h_out, int64_t ldh, const float *mask);
/// One LSTM step back over m rows of hidden size h (gate order i f o g, activations in `gates`,
/// leading dimension ldg; tanh(c) and c₋ with ldt and ldp; dh, dc with ldh, ldc; dz with ldz).
/// Rows whose mask is 0 get dz = 0 and keep dh and dc; the others get dz, dc ← dc₋'s gradient
/// and dh ← 0 (the caller adds dz·whᵀ). See LSTMCell.swift for the equations.
void fanyi_lstm_step_backward(int64_t m, int64_t h, const float *gates, int64_t ldg, const float *tanh_c,
                              int64_t ldt, const float *c_prev, int64_t ldp, float *dh, int64_t ldh, float *dc,
                              int64_t ldc, float *dz, int64_t ldz, const float *mask);
/// dst += src, both m × n with leading dimensions ldd and lds.
void fanyi_add_rows(float *dst, int64_t ldd, const float *src, int64_t lds, int64_t m, int64_t n);

/// 8-bit products (int8_gemm.c): weights as int8 with a scale per output column, activations
/// quantized per row on the fly. Bytes of a k×n int8 matrix packed for `fanyi_i8_gemm`.
int64_t fanyi_i8_packed_size(int64_t k, int64_t n);
/// k rounded up to the kernel's groups of 4 (the row length of quantized activations).
int64_t fanyi_i8_padded_depth(int64_t k);
/// Packs B (k×n int8, row-major, leading dimension ldb) into `packed` (fanyi_i8_packed_size bytes).
void fanyi_i8_pack(int64_t k, int64_t n, const int8_t *b, int64_t ldb, int8_t *packed);
/// The packed columns `ids` (count of them, each < n) of a packed k×n matrix, packed as a
/// k×count matrix into `out` (fanyi_i8_packed_size(k, count) bytes): a shortlist's generator.
void fanyi_i8_gather_columns(int64_t k, const int8_t *packed, const int32_t *ids, int64_t count, int8_t *out);
/// Quantizes W (k×n floats) per column: q (k×n int8, row-major) = round(W / scale) with
/// scale[j] = max|W[:, j]| / 127; sums[j] = Σ_p q[p][j].
void fanyi_i8_quantize_columns(int64_t k, int64_t n, const float *w, int64_t ldw, int8_t *q, float *scales,
                               int32_t *sums);
/// sums[j] = Σ_p q[p][j] for q k×n int8, row-major.
void fanyi_i8_column_sums(int64_t k, int64_t n, const int8_t *q, int32_t *sums);
/// The best path this CPU has: 2 AVX-512 VNNI, 1 AVX2, 0 portable.
int fanyi_i8_gemm_level(void);
/// Largest |activation| after quantization on a path: 127, or 63 for AVX2 (no int16 saturation).
int fanyi_i8_activation_limit(int level);
/// Quantizes the rows of A (m×k): u[i][p] = round(A[i][p] / scales[i]) + limit + 1 with
/// scales[i] = max|A[i, :]| / limit; rows of u have ldu ≥ k bytes (the padding is filled too).
void fanyi_i8_quantize_rows(int64_t m, int64_t k, const float *a, int64_t lda, int limit, uint8_t *u, int64_t ldu,
                            float *scales);
/// C (m×n) = dequantized(u)·dequantized(packed B) + bias + beta·C on path `level` (bias: n
/// values added to every row, or NULL; beta = 0 ignores C), for activations quantized with that
/// level's limit. Columns may be a slice of B starting at a multiple of 16: pass
/// packed + (first / 16)·fanyi_i8_packed_size(k, 16), scales + first, sums + first, bias + first.
void fanyi_i8_gemm_quantized(int level, int64_t m, int64_t n, int64_t k, const uint8_t *u, int64_t ldu,
                             const float *rowScales, const int8_t *packed, const float *scales, const int32_t *sums,
                             const float *bias, float beta, float *c, int64_t ldc);
/// C = A·dequantized(B) + beta·C: quantizes A's rows, then the product, on the best path.
void fanyi_i8_gemm(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const int8_t *packed,
                   const float *scales, const int32_t *sums, float beta, float *c, int64_t ldc);
/// The same on path `level` at most (for tests that compare the paths).
void fanyi_i8_gemm_at(int level, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const int8_t *packed,
                      const float *scales, const int32_t *sums, float beta, float *c, int64_t ldc);

/// Limits glibc's malloc to `arenas` arenas (mallopt M_ARENA_MAX); 1 when it took effect. For
/// servers whose worker threads would each keep an arena of freed buffers.
int fanyi_malloc_arena_limit(int arenas);

/// A part of a pool run: `part` is in 0..<parts.
typedef void (*fanyi_task_fn)(void *context, int64_t part);
/// Sizes the worker pool to `threads` threads in all (the caller is one of them); workers are
/// created once and kept.
void fanyi_pool_set_threads(int threads);
/// Threads a pool run uses (the caller included).
int fanyi_pool_threads(void);
/// Threads a run started now would get: 1 while the pool is in use or the calling thread is in a
/// serial section, else `fanyi_pool_threads()`. A hint for how many parts to cut work into.
int fanyi_pool_available(void);
/// Begins (1) or ends (0) a serial section on the calling thread: its runs stay on it.
void fanyi_pool_serial(int begin);
/// One turn of a spin-wait: a pause hint to the CPU (no system call).
void fanyi_cpu_relax(void);
/// Calls fn(context, part) for every part in 0..<parts, spread over the pool's threads, and
/// returns when all are done. When the pool is in use (another thread's run, or a run started
/// from inside a part) or the caller is in a serial section, the caller runs every part itself.
void fanyi_pool_run(fanyi_task_fn fn, void *context, int64_t parts);

/// Adds to the calling thread's count of product flops (what its BLAS calls did).
void fanyi_thread_flops_add(int64_t flops);
/// The calling thread's count of product flops since it started.
int64_t fanyi_thread_flops(void);

/// 1 when the CPU has AVX2 and FMA (x86-64 only).
int fanyi_cpu_has_avx2_fma(void);
/// 1 when the CPU has AVX-512 F, BW, VL and DQ (what OpenBLAS's SkylakeX kernels use).
int fanyi_cpu_has_avx512(void);

#ifdef __cplusplus
}
#endif

#endif
