// Products with a few rows (a beam's hypotheses, a training batch's step) against a weight matrix:
// C = alpha·A·B + beta·C with A m×k and B k×n (or n×k, transposed), all row-major. OpenBLAS packs
// the whole of B for every call, which for m = 5 costs more than the product itself (31 % of a
// beam search's time went to sgemm_itcopy) and for a decoder step's m = 32 still a tenth of a
// training step; here B is read straight from its rows (m ≤ 8), or one 48-column panel at a time
// copied for a few groups of 8 rows to share, or, transposed, as rows dotted with A's rows.
#include "fanyi_kernels.h"
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define FANYI_X86 1
#else
#define FANYI_X86 0
#endif

// MARK: - Portable path

static void small_m_portable(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                             const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        for (int64_t j = 0; j < n; j++) ci[j] = beta == 0 ? 0 : beta * ci[j];
        for (int64_t p = 0; p < k; p++) {
            const float s = alpha * a[i * lda + p];
            const float *bp = b + p * ldb;
            for (int64_t j = 0; j < n; j++) ci[j] += s * bp[j];
        }
    }
}

static void small_m_nt_portable(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                                const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            float sum = 0;
            for (int64_t p = 0; p < k; p++) sum += a[i * lda + p] * b[j * ldb + p];
            c[i * ldc + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i * ldc + j];
        }
    }
}

#if FANYI_X86

// MARK: - AVX-512: 8 rows × 48 columns of accumulators (24 of the 32 registers)

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))

static inline AVX512 __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
}

// One 48-column block for a fixed row count M (inlined with M constant, so the row loops unroll
// and the accumulators stay in registers).
// `full`: every row of b has 48 readable floats (a panel) even where `width` is less.
// `ahead` (nil for none) is a stretch of `aheadBytes` that the caller will read next (the next
// packed panel): one cache line of it is fetched into L2 per step along k.
static inline __attribute__((always_inline)) AVX512 void block_avx512(
    const int M, int64_t width, int64_t k, float alpha, const float *a, int64_t lda,
    const float *b, int64_t ldb, const int full, float beta, float *c, int64_t ldc, const char *ahead, int64_t aheadBytes) {
    const __mmask16 m0 = tail_mask(width), m1 = tail_mask(width - 16), m2 = tail_mask(width - 32);
    __m512 acc[8][3];
    // One pointer per row of A, so that each broadcast is a pointer plus p instead of the end of a
    // chain of additions of lda. With whole loads below: 32×768·768×1024 on one core from
    // 132–147 to 161–162 GFLOP/s (harness outside the project, three alternating runs of four).
    const float *rows[8];
    for (int i = 0; i < M; i++) rows[i] = a + i * lda;
    for (int i = 0; i < M; i++) acc[i][0] = acc[i][1] = acc[i][2] = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p++) {
        const float *row = b + p * ldb;
        if (p * 64 < aheadBytes) _mm_prefetch(ahead + p * 64, _MM_HINT_T1);
        // The rows of B are far apart (ldb floats): fetch a few rows ahead.
        _mm_prefetch((const char *)(row + 8 * ldb), _MM_HINT_T0);
        _mm_prefetch((const char *)(row + 8 * ldb + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(row + 8 * ldb + 32), _MM_HINT_T0);
        // A masked load costs an extra operation on the ports the FMAs use: rows of 48 readable
        // floats (panels, zero-padded) are loaded whole.
        const __m512 b0 = full ? _mm512_loadu_ps(row) : _mm512_maskz_loadu_ps(m0, row);
        const __m512 b1 = full ? _mm512_loadu_ps(row + 16) : _mm512_maskz_loadu_ps(m1, row + 16);
        const __m512 b2 = full ? _mm512_loadu_ps(row + 32) : _mm512_maskz_loadu_ps(m2, row + 32);
        for (int i = 0; i < M; i++) {
            const __m512 ai = _mm512_set1_ps(rows[i][p]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
            acc[i][2] = _mm512_fmadd_ps(ai, b2, acc[i][2]);
        }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const __mmask16 masks[3] = {m0, m1, m2};
    for (int i = 0; i < M; i++) {
        float *ci = c + i * ldc;
        for (int q = 0; q < 3; q++) {
            __m512 r = _mm512_mul_ps(va, acc[i][q]);
            if (beta != 0) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(masks[q], ci + 16 * q), r);
            _mm512_mask_storeu_ps(ci + 16 * q, masks[q], r);
        }
    }
}

static AVX512 void small_m_avx512(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                                  const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    // More than one group of rows: each 48-column panel of B is first copied into a contiguous
    // k×48 buffer, which every group then reads from L2. Read in place, B's rows (ldb apart)
    // alias in the caches when ldb is a multiple of 1024 floats: 56 against 93 GFLOP/s for
    // 32×768·768×1024 on one Sapphire Rapids core.
    static _Thread_local float *panel = NULL;
    static _Thread_local int64_t panelFloats = 0;
    const int pack = m > 8;
    if (pack && panelFloats < k * 48) {
        free(panel);
        panel = aligned_alloc(64, (size_t)k * 48 * sizeof(float));
        panelFloats = panel ? k * 48 : 0;
    }
    for (int64_t j = 0; j < n; j += 48) {
        const int64_t width = n - j < 48 ? n - j : 48;
        const float *bp = b + j;
        int64_t ldp = ldb;
        int whole = width == 48;    // b's rows read in place may end right after the block's columns
        if (pack && panel) {
            const __mmask16 m0 = tail_mask(width), m1 = tail_mask(width - 16), m2 = tail_mask(width - 32);
            for (int64_t p = 0; p < k; p++) {
                const float *row = b + p * ldb + j;
                _mm512_store_ps(panel + p * 48, _mm512_maskz_loadu_ps(m0, row));
                _mm512_store_ps(panel + p * 48 + 16, _mm512_maskz_loadu_ps(m1, row + 16));
                _mm512_store_ps(panel + p * 48 + 32, _mm512_maskz_loadu_ps(m2, row + 32));
            }
            bp = panel;
            ldp = 48;
            whole = 1;
        }
        for (int64_t i0 = 0; i0 < m; i0 += 8) {
            const int64_t rows = m - i0 < 8 ? m - i0 : 8;
            switch (rows) {
// Two calls with `full` constant, so that each inlined copy has one kind of load in its loop.
#define CASE(M) case M: \
    if (whole) block_avx512(M, width, k, alpha, a + i0 * lda, lda, bp, ldp, 1, beta, c + i0 * ldc + j, ldc, NULL, 0); \
    else block_avx512(M, width, k, alpha, a + i0 * lda, lda, bp, ldp, 0, beta, c + i0 * ldc + j, ldc, NULL, 0); \
    break;
                CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
                default: break;
            }
        }
    }
}

// MARK: - AVX-512, B transposed: 4 rows of A against 6 rows of B (24 accumulators)

// C[i][j] = alpha·Σ_p A[i][p]·B[j][p] + beta·C[i][j] for MI rows of A and NJ rows of B: both read
// along p, 16 at a time, each vector shared by the other side's rows; one horizontal sum per
// element at the end.
static inline __attribute__((always_inline)) AVX512 void nt_block_avx512(
    const int MI, const int NJ, int64_t k, float alpha, const float *a, int64_t lda,
    const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    __m512 acc[4][6];
    for (int i = 0; i < MI; i++)
        for (int j = 0; j < NJ; j++) acc[i][j] = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p += 16) {
        const __mmask16 mask = tail_mask(k - p);
        __m512 bv[6];
        for (int j = 0; j < NJ; j++) bv[j] = _mm512_maskz_loadu_ps(mask, b + j * ldb + p);
        for (int i = 0; i < MI; i++) {
            const __m512 av = _mm512_maskz_loadu_ps(mask, a + i * lda + p);
            for (int j = 0; j < NJ; j++) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < MI; i++) {
        for (int j = 0; j < NJ; j++) {
            const float r = alpha * _mm512_reduce_add_ps(acc[i][j]);
            c[i * ldc + j] = beta == 0 ? r : r + beta * c[i * ldc + j];
        }
    }
}

static AVX512 void small_m_nt_avx512(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                                     const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    for (int64_t j0 = 0; j0 < n; j0 += 6) {
        const int nj = n - j0 < 6 ? (int)(n - j0) : 6;
        for (int64_t i0 = 0; i0 < m; i0 += 4) {
            const int mi = m - i0 < 4 ? (int)(m - i0) : 4;
            const float *ai = a + i0 * lda, *bj = b + j0 * ldb;
            float *cij = c + i0 * ldc + j0;
            switch (mi * 8 + nj) {
#define CASE(I, J) case I * 8 + J: nt_block_avx512(I, J, k, alpha, ai, lda, bj, ldb, beta, cij, ldc); break;
                CASE(1, 1) CASE(1, 2) CASE(1, 3) CASE(1, 4) CASE(1, 5) CASE(1, 6)
                CASE(2, 1) CASE(2, 2) CASE(2, 3) CASE(2, 4) CASE(2, 5) CASE(2, 6)
                CASE(3, 1) CASE(3, 2) CASE(3, 3) CASE(3, 4) CASE(3, 5) CASE(3, 6)
                CASE(4, 1) CASE(4, 2) CASE(4, 3) CASE(4, 4) CASE(4, 5) CASE(4, 6)
#undef CASE
                default: break;
            }
        }
    }
}

// MARK: - AVX2: 4 rows × 24 columns of accumulators (12 of the 16 registers)

#define AVX2 __attribute__((target("avx2,fma")))

static inline AVX2 __m256i tail_mask8(int64_t left) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int32_t bounded = left < 0 ? 0 : left > 8 ? 8 : (int32_t)left;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(bounded), lanes);
}

static inline __attribute__((always_inline)) AVX2 void block_avx2(
    const int M, int64_t width, int64_t k, float alpha, const float *a, int64_t lda,
    const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    const __m256i m0 = tail_mask8(width), m1 = tail_mask8(width - 8), m2 = tail_mask8(width - 16);
    __m256 acc[4][3];
    for (int i = 0; i < M; i++) acc[i][0] = acc[i][1] = acc[i][2] = _mm256_setzero_ps();
    for (int64_t p = 0; p < k; p++) {
        const float *row = b + p * ldb;
        _mm_prefetch((const char *)(row + 8 * ldb), _MM_HINT_T0);
        _mm_prefetch((const char *)(row + 8 * ldb + 16), _MM_HINT_T0);
        const __m256 b0 = _mm256_maskload_ps(row, m0);
        const __m256 b1 = _mm256_maskload_ps(row + 8, m1);
        const __m256 b2 = _mm256_maskload_ps(row + 16, m2);
        for (int i = 0; i < M; i++) {
            const __m256 ai = _mm256_broadcast_ss(a + i * lda + p);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
            acc[i][2] = _mm256_fmadd_ps(ai, b2, acc[i][2]);
        }
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const __m256i masks[3] = {m0, m1, m2};
    for (int i = 0; i < M; i++) {
        float *ci = c + i * ldc;
        for (int q = 0; q < 3; q++) {
            __m256 r = _mm256_mul_ps(va, acc[i][q]);
            if (beta != 0) r = _mm256_fmadd_ps(vb, _mm256_maskload_ps(ci + 8 * q, masks[q]), r);
            _mm256_maskstore_ps(ci + 8 * q, masks[q], r);
        }
    }
}

static AVX2 void small_m_avx2(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                              const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    // Rows in groups of four: B is read once per group.
    for (int64_t i0 = 0; i0 < m; i0 += 4) {
        const int64_t rows = m - i0 < 4 ? m - i0 : 4;
        for (int64_t j = 0; j < n; j += 24) {
            const int64_t width = n - j < 24 ? n - j : 24;
            switch (rows) {
#define CASE(M) case M: block_avx2(M, width, k, alpha, a + i0 * lda, lda, b + j, ldb, beta, c + i0 * ldc + j, ldc); break;
                CASE(1) CASE(2) CASE(3) CASE(4)
#undef CASE
                default: break;
            }
        }
    }
}
#endif

// MARK: - Dispatch

int fanyi_sgemm_small_m_level(void) {
#if FANYI_X86
    static int level = -1;
    if (level < 0) level = fanyi_cpu_has_avx512() ? 2 : fanyi_cpu_has_avx2_fma() ? 1 : 0;
    return level;
#else
    return 0;
#endif
}

void fanyi_sgemm_small_m_at(int level, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                            const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
#if FANYI_X86
    if (level >= 2 && fanyi_sgemm_small_m_level() >= 2) {
        small_m_avx512(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (level >= 1 && fanyi_sgemm_small_m_level() >= 1) {
        small_m_avx2(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    (void)level;
    small_m_portable(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void fanyi_sgemm_small_m(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                         const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    fanyi_sgemm_small_m_at(fanyi_sgemm_small_m_level(), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int64_t fanyi_sgemm_small_m_rows(void) { return fanyi_sgemm_small_m_level() >= 2 ? 64 : 8; }

void fanyi_sgemm_small_m_nt_at(int level, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                               const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
#if FANYI_X86
    if (level >= 2 && fanyi_sgemm_small_m_level() >= 2) {
        small_m_nt_avx512(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    (void)level;
    small_m_nt_portable(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void fanyi_sgemm_small_m_nt(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                            const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    fanyi_sgemm_small_m_nt_at(fanyi_sgemm_small_m_level(), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// MARK: - Weights packed once for many products (a decoder's steps)

int64_t fanyi_sgemm_packed_size(int64_t k, int64_t n) { return (n + 47) / 48 * k * 48; }

void fanyi_sgemm_pack(int64_t k, int64_t n, const float *b, int64_t ldb, int transposed, float *packed) {
    for (int64_t j0 = 0; j0 < n; j0 += 48) {
        const int64_t width = n - j0 < 48 ? n - j0 : 48;
        float *panel = packed + j0 / 48 * k * 48;
        if (!transposed) {
            for (int64_t p = 0; p < k; p++) {
                const float *row = b + p * ldb + j0;
                float *out = panel + p * 48;
                for (int64_t j = 0; j < width; j++) out[j] = row[j];
                for (int64_t j = width; j < 48; j++) out[j] = 0;
            }
        } else {
            // B = Wᵀ with W n×k (rows ldb apart): the panel's column j is W's row j0 + j. In
            // blocks of 16 panel rows, so that the rows being filled (16 × 192 bytes) stay in L1
            // while all 48 columns are written, instead of k rows (up to 196 KB) per column.
            for (int64_t p0 = 0; p0 < k; p0 += 16) {
                const int64_t depth = k - p0 < 16 ? k - p0 : 16;
                for (int64_t j = 0; j < 48; j++) {
                    float *out = panel + p0 * 48 + j;
                    if (j >= width) {
                        for (int64_t p = 0; p < depth; p++) out[p * 48] = 0;
                        continue;
                    }
                    const float *row = b + (j0 + j) * ldb + p0;
                    for (int64_t p = 0; p < depth; p++) out[p * 48] = row[p];
                }
            }
        }
    }
}

static void packed_portable(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                            const float *packed, float beta, float *c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            const float *panel = packed + j / 48 * k * 48 + j % 48;
            float sum = 0;
            for (int64_t p = 0; p < k; p++) sum += a[i * lda + p] * panel[p * 48];
            c[i * ldc + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i * ldc + j];
        }
    }
}

#if FANYI_X86
// While the groups of 8 rows run over one panel, they fetch the next panel into L2, each group a
// slice of it: the weights of a decoder step come from L3 or memory (a layer's 2–3 MB do not stay
// in a core's L2 between steps), and the first group's reads of a panel would otherwise wait on
// them. In `fanyi-bench train --corpus` on lohelp (2 shards, three alternating pairs) the decoder's
// four packed products took 10.4–10.5 % of the shards' thread time instead of 11.2–11.3 %.
static AVX512 void packed_avx512(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                                 const float *packed, float beta, float *c, int64_t ldc) {
    const int64_t groups = (m + 7) / 8;
    const int64_t panelBytes = k * 48 * (int64_t)sizeof(float);
    const int64_t slice = (panelBytes / groups + 63) / 64 * 64;    // bytes of the next panel per group
    for (int64_t j = 0; j < n; j += 48) {
        const int64_t width = n - j < 48 ? n - j : 48;
        const float *panel = packed + j / 48 * k * 48;
        const char *next = (const char *)(panel + k * 48);
        const int64_t nextBytes = j + 48 < n ? panelBytes : 0;
        for (int64_t i0 = 0; i0 < m; i0 += 8) {
            const int64_t rows = m - i0 < 8 ? m - i0 : 8;
            const int64_t start = i0 / 8 * slice;
            const int64_t bytes = nextBytes - start < slice ? nextBytes - start : slice;
            switch (rows) {
#define CASE(M) case M: block_avx512(M, width, k, alpha, a + i0 * lda, lda, panel, 48, 1, beta, c + i0 * ldc + j, ldc, bytes > 0 ? next + start : NULL, bytes); break;
                CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
                default: break;
            }
        }
    }
}
#endif

void fanyi_sgemm_packed_at(int level, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                           const float *packed, float beta, float *c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
#if FANYI_X86
    if (level >= 2 && fanyi_sgemm_small_m_level() >= 2) {
        packed_avx512(m, n, k, alpha, a, lda, packed, beta, c, ldc);
        return;
    }
#endif
    (void)level;
    packed_portable(m, n, k, alpha, a, lda, packed, beta, c, ldc);
}

void fanyi_sgemm_packed(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                        const float *packed, float beta, float *c, int64_t ldc) {
    fanyi_sgemm_packed_at(fanyi_sgemm_small_m_level(), m, n, k, alpha, a, lda, packed, beta, c, ldc);
}
