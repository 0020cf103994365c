// Products with a few rows (a beam's hypotheses, one sentence's steps) against a weight matrix:
// C = alpha·A·B + beta·C with A m×k (m ≤ 8) and B k×n, all row-major. OpenBLAS packs the whole
// of B for every call, which for m = 5 costs more than the product itself (31 % of a beam
// search's time went to sgemm_itcopy); here B is read once, straight from its rows, with each
// loaded vector multiplied into every row of A.
#include "fanyi_kernels.h"

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

#if FANYI_X86

// MARK: - AVX-512: 8 rows × 48 columns of accumulators (24 of the 32 registers)

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))

static inline AVX512 __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
}

// One 48-column block for a fixed row count M (inlined with M constant, so the row loops unroll
// and the accumulators stay in registers).
static inline __attribute__((always_inline)) AVX512 void block_avx512(
    const int M, int64_t width, int64_t k, float alpha, const float *a, int64_t lda,
    const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    const __mmask16 m0 = tail_mask(width), m1 = tail_mask(width - 16), m2 = tail_mask(width - 32);
    __m512 acc[8][3];
    for (int i = 0; i < M; i++) acc[i][0] = acc[i][1] = acc[i][2] = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p++) {
        const float *row = b + p * ldb;
        // The rows of B are far apart (ldb floats): fetch a few rows ahead.
        _mm_prefetch((const char *)(row + 8 * ldb), _MM_HINT_T0);
        _mm_prefetch((const char *)(row + 8 * ldb + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(row + 8 * ldb + 32), _MM_HINT_T0);
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, row);
        const __m512 b1 = _mm512_maskz_loadu_ps(m1, row + 16);
        const __m512 b2 = _mm512_maskz_loadu_ps(m2, row + 32);
        for (int i = 0; i < M; i++) {
            const __m512 ai = _mm512_set1_ps(a[i * lda + p]);
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
    for (int64_t j = 0; j < n; j += 48) {
        const int64_t width = n - j < 48 ? n - j : 48;
        switch (m) {
#define CASE(M) case M: block_avx512(M, width, k, alpha, a, lda, b + j, ldb, beta, c + j, ldc); break;
            CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
            default: break;
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
    if (level >= 2 && fanyi_sgemm_small_m_level() >= 2 && m <= 8) {
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
