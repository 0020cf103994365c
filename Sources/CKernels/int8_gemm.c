// 8-bit products for translation: C = A·B̂ + beta·C, where B̂[p][j] = B[p][j]·scale[j] is a
// weight matrix stored as int8 with one scale per output column, and A (activations) is
// quantized per row on the fly to unsigned bytes u = round(a/s) + shift. Since
//   Σ_p u_p·B[p][j] = Σ_p q_p·B[p][j] + shift·Σ_p B[p][j],
// the integer product of unsigned activations and signed weights (what x86's byte dot products
// take) gives the signed one after subtracting shift × the column sum, kept with the weights.
//
// B is packed once (at load): columns in blocks of 16, k in groups of 4, so that one 64-byte
// vector holds 4 consecutive k of 16 columns: exactly the operand of AVX-512 VNNI's vpdpbusd,
// which multiplies 4 bytes of A (broadcast) with them and adds to 16 int32 sums.
//   packed[((block · groups) + g) · 64 + j · 4 + r] = B[4g + r][16·block + j]   (0 outside B)
//
// Paths: 2 AVX-512 VNNI (activations 8-bit, shift 128), 1 AVX2 (vpmaddubsw adds two u8·s8
// products into int16, which saturates unless u ≤ 127: activations 7-bit, shift 64), 0 portable
// (8-bit, as VNNI). Each path's integer sums are exact, so a path agrees with the portable code
// run at its activation precision.
#include "fanyi_kernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define FANYI_X86 1
#else
#define FANYI_X86 0
#endif

static inline int64_t groups_of(int64_t k) { return (k + 3) / 4; }
static inline int64_t blocks_of(int64_t n) { return (n + 15) / 16; }

int64_t fanyi_i8_packed_size(int64_t k, int64_t n) { return blocks_of(n) * groups_of(k) * 64; }
int64_t fanyi_i8_padded_depth(int64_t k) { return groups_of(k) * 4; }

// A column's group g is one 4-byte word, so a gather moves words, not bytes; the tail of the
// last block stays zero, as fanyi_i8_pack leaves it.
void fanyi_i8_gather_columns(int64_t k, const int8_t *packed, const int32_t *ids, int64_t count, int8_t *out) {
    const int64_t groups = groups_of(k);
    memset(out, 0, (size_t)fanyi_i8_packed_size(k, count));
    for (int64_t j = 0; j < count; j++) {
        const int8_t *from = packed + (ids[j] / 16) * groups * 64 + (ids[j] % 16) * 4;
        int8_t *to = out + (j / 16) * groups * 64 + (j % 16) * 4;
        for (int64_t g = 0; g < groups; g++) memcpy(to + g * 64, from + g * 64, 4);
    }
}

void fanyi_i8_pack(int64_t k, int64_t n, const int8_t *b, int64_t ldb, int8_t *packed) {
    const int64_t groups = groups_of(k);
    for (int64_t block = 0; block < blocks_of(n); block++) {
        for (int64_t g = 0; g < groups; g++) {
            int8_t *out = packed + (block * groups + g) * 64;
            for (int64_t j = 0; j < 16; j++) {
                for (int64_t r = 0; r < 4; r++) {
                    const int64_t p = 4 * g + r, column = 16 * block + j;
                    out[j * 4 + r] = (p < k && column < n) ? b[p * ldb + column] : 0;
                }
            }
        }
    }
}

void fanyi_i8_quantize_columns(int64_t k, int64_t n, const float *w, int64_t ldw, int8_t *q, float *scales,
                               int32_t *sums) {
    for (int64_t j = 0; j < n; j++) {
        float amax = 0;
        for (int64_t p = 0; p < k; p++) amax = fmaxf(amax, fabsf(w[p * ldw + j]));
        const float scale = amax / 127.0f;
        const float inverse = amax > 0 ? 127.0f / amax : 0;
        int32_t sum = 0;
        for (int64_t p = 0; p < k; p++) {
            float v = nearbyintf(w[p * ldw + j] * inverse);
            v = fminf(127.0f, fmaxf(-127.0f, v));
            q[p * n + j] = (int8_t)v;
            sum += (int32_t)v;
        }
        scales[j] = scale;
        sums[j] = sum;
    }
}

void fanyi_i8_column_sums(int64_t k, int64_t n, const int8_t *q, int32_t *sums) {
    for (int64_t j = 0; j < n; j++) sums[j] = 0;
    for (int64_t p = 0; p < k; p++)
        for (int64_t j = 0; j < n; j++) sums[j] += q[p * n + j];
}

// MARK: - Activations

int fanyi_i8_activation_limit(int level) { return level == 1 ? 63 : 127; }

#if FANYI_X86
// The same rounding as nearbyintf (to nearest, ties to even: cvtps2dq under the default MXCSR),
// eight at a time; a search quantizes every decoder state, so the scalar loop showed in profiles.
__attribute__((target("avx2,fma"))) static void quantize_rows_avx2(int64_t m, int64_t k, const float *a, int64_t lda,
                                                                   int limit, uint8_t *u, int64_t ldu, float *scales) {
    const int shift = limit + 1;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t i = 0; i < m; i++) {
        const float *row = a + i * lda;
        __m256 vmax = _mm256_setzero_ps();
        int64_t p = 0;
        for (; p + 8 <= k; p += 8) vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(sign, _mm256_loadu_ps(row + p)));
        float lanes[8];
        _mm256_storeu_ps(lanes, vmax);
        float amax = 0;
        for (int j = 0; j < 8; j++) amax = fmaxf(amax, lanes[j]);
        for (; p < k; p++) amax = fmaxf(amax, fabsf(row[p]));
        const float inverse = amax > 0 ? (float)limit / amax : 0;
        scales[i] = amax / (float)limit;
        uint8_t *out = u + i * ldu;
        const __m256 vinverse = _mm256_set1_ps(inverse);
        const __m256i vlimit = _mm256_set1_epi32(limit), vshift = _mm256_set1_epi32(shift);
        for (p = 0; p + 8 <= k; p += 8) {
            __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + p), vinverse));
            q = _mm256_min_epi32(vlimit, _mm256_max_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), vlimit), q));
            q = _mm256_add_epi32(q, vshift);
            // 8 int32 in 0..255 to 8 bytes.
            const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
            const __m128i words = _mm_packus_epi32(lo, hi);
            _mm_storel_epi64((__m128i *)(out + p), _mm_packus_epi16(words, words));
        }
        for (; p < k; p++) {
            float v = nearbyintf(row[p] * inverse);
            v = fminf((float)limit, fmaxf(-(float)limit, v));
            out[p] = (uint8_t)((int)v + shift);
        }
        for (p = k; p < ldu; p++) out[p] = (uint8_t)shift;
    }
}
#endif

void fanyi_i8_quantize_rows(int64_t m, int64_t k, const float *a, int64_t lda, int limit, uint8_t *u, int64_t ldu,
                            float *scales) {
#if FANYI_X86
    if (fanyi_cpu_has_avx2_fma()) {
        quantize_rows_avx2(m, k, a, lda, limit, u, ldu, scales);
        return;
    }
#endif
    const int shift = limit + 1;
    for (int64_t i = 0; i < m; i++) {
        const float *row = a + i * lda;
        float amax = 0;
        for (int64_t p = 0; p < k; p++) amax = fmaxf(amax, fabsf(row[p]));
        const float inverse = amax > 0 ? (float)limit / amax : 0;
        scales[i] = amax / (float)limit;
        uint8_t *out = u + i * ldu;
        for (int64_t p = 0; p < k; p++) {
            float v = nearbyintf(row[p] * inverse);
            v = fminf((float)limit, fmaxf(-(float)limit, v));
            out[p] = (uint8_t)((int)v + shift);
        }
        for (int64_t p = k; p < ldu; p++) out[p] = (uint8_t)shift;  // padding: its weights are 0
    }
}

// MARK: - Portable path

static inline float finish(int32_t acc, int shift, int32_t sum, float rowScale, float columnScale, const float *bias,
                           float beta, const float *old) {
    float value = (float)(acc - shift * sum) * (rowScale * columnScale);
    if (bias) value += *bias;
    return beta == 0 ? value : value + beta * *old;
}

static void product_portable(int64_t m, int64_t n, int64_t k, const uint8_t *u, int64_t ldu, const float *rowScales,
                             int shift, const int8_t *packed, const float *scales, const int32_t *sums, const float *bias,
                             float beta, float *c, int64_t ldc) {
    const int64_t groups = groups_of(k);
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            const int8_t *column = packed + (j / 16) * groups * 64 + (j % 16) * 4;
            int32_t acc = 0;
            for (int64_t g = 0; g < groups; g++)
                for (int r = 0; r < 4; r++) acc += (int32_t)u[i * ldu + 4 * g + r] * column[g * 64 + r];
            c[i * ldc + j] = finish(acc, shift, sums[j], rowScales[i], scales[j], bias ? bias + j : NULL, beta, &c[i * ldc + j]);
        }
    }
}

#if FANYI_X86

// MARK: - AVX-512 VNNI: 4 rows × 2 blocks (32 columns) of int32 accumulators

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

static inline VNNI __mmask16 mask16(int64_t left) {
    return left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
}

static inline VNNI void store_block(__m512i acc, int64_t width, int shift, const int32_t *sums, float rowScale,
                                    const float *scales, const float *bias, float beta, float *c) {
    const __mmask16 mask = mask16(width);
    const __m512i corrected = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(shift),
                                                                       _mm512_maskz_loadu_epi32(mask, sums)));
    const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(rowScale), _mm512_maskz_loadu_ps(mask, scales));
    __m512 value = _mm512_mul_ps(_mm512_cvtepi32_ps(corrected), scale);
    if (bias) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, bias));
    if (beta != 0) value = _mm512_add_ps(value, _mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, c)));
    _mm512_mask_storeu_ps(c, mask, value);
}

static inline __attribute__((always_inline)) VNNI void tile_vnni(
    const int M, const int NB, int64_t width, int64_t groups, const uint8_t *u, int64_t ldu, const float *rowScales,
    int shift, const int8_t *packed, const float *scales, const int32_t *sums, const float *bias, float beta, float *c,
    int64_t ldc) {
    __m512i acc[4][2];
    for (int i = 0; i < M; i++) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
    const int8_t *b0 = packed, *b1 = packed + groups * 64;
    for (int64_t g = 0; g < groups; g++) {
        const __m512i w0 = _mm512_loadu_si512(b0 + g * 64);
        const __m512i w1 = NB > 1 ? _mm512_loadu_si512(b1 + g * 64) : w0;
        for (int i = 0; i < M; i++) {
            int32_t four;
            memcpy(&four, u + i * ldu + 4 * g, 4);
            const __m512i a = _mm512_set1_epi32(four);
            acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], a, w0);
            if (NB > 1) acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], a, w1);
        }
    }
    for (int i = 0; i < M; i++) {
        store_block(acc[i][0], width, shift, sums, rowScales[i], scales, bias, beta, c + i * ldc);
        if (NB > 1) store_block(acc[i][1], width - 16, shift, sums + 16, rowScales[i], scales + 16, bias ? bias + 16 : NULL, beta,
                                c + i * ldc + 16);
    }
}

static VNNI void product_vnni(int64_t m, int64_t n, int64_t k, const uint8_t *u, int64_t ldu, const float *rowScales,
                              int shift, const int8_t *packed, const float *scales, const int32_t *sums, const float *bias,
                              float beta, float *c, int64_t ldc) {
    const int64_t groups = groups_of(k);
    // Column blocks outside, rows inside: a 2-block slice of B (groups × 128 bytes) stays in L1
    // while every row passes over it, so B is read from memory once.
    for (int64_t j = 0; j < n; j += 32) {
        const int64_t width = n - j < 32 ? n - j : 32;
        const int8_t *b = packed + (j / 16) * groups * 64;
        for (int64_t i = 0; i < m; i += 4) {
            const int64_t rows = m - i < 4 ? m - i : 4;
            const uint8_t *ui = u + i * ldu;
            float *ci = c + i * ldc + j;
#define TILE(M, NB) tile_vnni(M, NB, width, groups, ui, ldu, rowScales + i, shift, b, scales + j, sums + j, bias ? bias + j : NULL, \
                              beta, ci, ldc)
            if (width > 16) {
                switch (rows) { case 4: TILE(4, 2); break; case 3: TILE(3, 2); break; case 2: TILE(2, 2); break; default: TILE(1, 2); }
            } else {
                switch (rows) { case 4: TILE(4, 1); break; case 3: TILE(3, 1); break; case 2: TILE(2, 1); break; default: TILE(1, 1); }
            }
#undef TILE
        }
    }
}

// MARK: - AVX2: 4 rows × 1 block (two 8-column halves), vpmaddubsw + vpmaddwd

#define AVX2 __attribute__((target("avx2,fma")))

static inline AVX2 void store_half(__m256i acc, int64_t width, int shift, const int32_t *sums, float rowScale,
                                   const float *scales, const float *bias, float beta, float *c) {
    if (width <= 0) return;
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, acc);
    const int64_t count = width < 8 ? width : 8;
    for (int64_t j = 0; j < count; j++) c[j] = finish(lanes[j], shift, sums[j], rowScale, scales[j], bias ? bias + j : NULL, beta, &c[j]);
}

static inline __attribute__((always_inline)) AVX2 void tile_avx2(
    const int M, int64_t width, int64_t groups, const uint8_t *u, int64_t ldu, const float *rowScales, int shift,
    const int8_t *packed, const float *scales, const int32_t *sums, const float *bias, float beta, float *c, int64_t ldc) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[4][2];
    for (int i = 0; i < M; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    for (int64_t g = 0; g < groups; g++) {
        const __m256i w0 = _mm256_loadu_si256((const __m256i *)(packed + g * 64));
        const __m256i w1 = _mm256_loadu_si256((const __m256i *)(packed + g * 64 + 32));
        for (int i = 0; i < M; i++) {
            int32_t four;
            memcpy(&four, u + i * ldu + 4 * g, 4);
            const __m256i a = _mm256_set1_epi32(four);
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(a, w0), ones));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(a, w1), ones));
        }
    }
    for (int i = 0; i < M; i++) {
        store_half(acc[i][0], width, shift, sums, rowScales[i], scales, bias, beta, c + i * ldc);
        store_half(acc[i][1], width - 8, shift, sums + 8, rowScales[i], scales + 8, bias ? bias + 8 : NULL, beta, c + i * ldc + 8);
    }
}

static AVX2 void product_avx2(int64_t m, int64_t n, int64_t k, const uint8_t *u, int64_t ldu, const float *rowScales,
                              int shift, const int8_t *packed, const float *scales, const int32_t *sums, const float *bias,
                              float beta, float *c, int64_t ldc) {
    const int64_t groups = groups_of(k);
    for (int64_t j = 0; j < n; j += 16) {
        const int64_t width = n - j < 16 ? n - j : 16;
        const int8_t *b = packed + (j / 16) * groups * 64;
        for (int64_t i = 0; i < m; i += 4) {
            const int64_t rows = m - i < 4 ? m - i : 4;
#define TILE(M) tile_avx2(M, width, groups, u + i * ldu, ldu, rowScales + i, shift, b, scales + j, sums + j, \
                          bias ? bias + j : NULL, beta, c + i * ldc + j, ldc)
            switch (rows) { case 4: TILE(4); break; case 3: TILE(3); break; case 2: TILE(2); break; default: TILE(1); }
#undef TILE
        }
    }
}

static int cpu_has_vnni(void) {
    __builtin_cpu_init();
    return fanyi_cpu_has_avx512() && __builtin_cpu_supports("avx512vnni");
}
#endif

// MARK: - Entry points

int fanyi_i8_gemm_level(void) {
#if FANYI_X86
    static int level = -1;
    if (level < 0) level = cpu_has_vnni() ? 2 : fanyi_cpu_has_avx2_fma() ? 1 : 0;
    return level;
#else
    return 0;
#endif
}

void fanyi_i8_gemm_quantized(int level, int64_t m, int64_t n, int64_t k, const uint8_t *u, int64_t ldu,
                             const float *rowScales, const int8_t *packed, const float *scales, const int32_t *sums,
                             const float *bias, float beta, float *c, int64_t ldc) {
    const int shift = fanyi_i8_activation_limit(level) + 1;
#if FANYI_X86
    if (level >= 2 && fanyi_i8_gemm_level() >= 2) {
        product_vnni(m, n, k, u, ldu, rowScales, shift, packed, scales, sums, bias, beta, c, ldc);
        return;
    }
    if (level == 1 && fanyi_i8_gemm_level() >= 1) {
        product_avx2(m, n, k, u, ldu, rowScales, shift, packed, scales, sums, bias, beta, c, ldc);
        return;
    }
#endif
    product_portable(m, n, k, u, ldu, rowScales, shift, packed, scales, sums, bias, beta, c, ldc);
}

void fanyi_i8_gemm_at(int level, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const int8_t *packed,
                      const float *scales, const int32_t *sums, float beta, float *c, int64_t ldc) {
    const int64_t ldu = fanyi_i8_padded_depth(k);
    uint8_t *u = malloc((size_t)(m * ldu) + 1);
    float *rowScales = malloc((size_t)m * sizeof(float) + 1);
    fanyi_i8_quantize_rows(m, k, a, lda, fanyi_i8_activation_limit(level), u, ldu, rowScales);
    fanyi_i8_gemm_quantized(level, m, n, k, u, ldu, rowScales, packed, scales, sums, NULL, beta, c, ldc);
    free(u);
    free(rowScales);
}

void fanyi_i8_gemm(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const int8_t *packed,
                   const float *scales, const int32_t *sums, float beta, float *c, int64_t ldc) {
    fanyi_i8_gemm_at(fanyi_i8_gemm_level(), m, n, k, a, lda, packed, scales, sums, beta, c, ldc);
}
