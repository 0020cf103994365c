// See include/fanyi_kernels.h for the contract and the choice of approximations.
#include "fanyi_kernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define FANYI_X86 1
#else
#define FANYI_X86 0
#endif

// MARK: - Constants shared by both paths

#define EXP_HI 88.0f  // e^88 ≈ 1.65e38: n stays ≤ 127, so 2^n is a normal float
#define EXP_LO -87.3365447505531f
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f
#define P0 1.9875691500e-4f
#define P1 1.3981999507e-3f
#define P2 8.3334519073e-3f
#define P3 4.1665795894e-2f
#define P4 1.6666665459e-1f
#define P5 5.0000001201e-1f

// MARK: - Portable path

static inline float exp_scalar(float x) {
    x = fminf(fmaxf(x, EXP_LO), EXP_HI);
    float n = nearbyintf(x * LOG2E);
    float r = x - n * LN2_HI;
    r = r - n * LN2_LO;
    float p = P0;
    p = p * r + P1;
    p = p * r + P2;
    p = p * r + P3;
    p = p * r + P4;
    p = p * r + P5;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float sigmoid_scalar(float x) { return 1.0f / (1.0f + exp_scalar(-x)); }

static inline float tanh_scalar(float x) {
    float a = fabsf(x);
    float t = 1.0f - 2.0f / (exp_scalar(2.0f * a) + 1.0f);
    return x < 0 ? -t : t;
}

static void exp_portable(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = exp_scalar(x[i]);
}
static void sigmoid_portable(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = sigmoid_scalar(x[i]);
}
static void tanh_portable(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = tanh_scalar(x[i]);
}
static float max_portable(const float *x, int64_t n) {
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}
/// y = e^(x − shift) (not stored when y is NULL); returns Σ e^(x − shift) (accumulated in double).
static double exp_shift_sum_portable(const float *x, float *y, int64_t n, float shift) {
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        float e = exp_scalar(x[i] - shift);
        if (y) y[i] = e;
        sum += e;
    }
    return sum;
}
/// y = x + b (x itself when b is NULL; y may alias x); returns max y, and Σ y in *sum when sum is
/// given: the loss kernel's first pass over a row, one read of the logits for the three.
static float biased_max_sum_portable(const float *x, const float *b, float *y, int64_t n, double *sum) {
    float m = -INFINITY;
    double s = 0;
    for (int64_t i = 0; i < n; i++) {
        float v = b ? x[i] + b[i] : x[i];
        if (b) y[i] = v;
        m = v > m ? v : m;
        s += v;
    }
    if (sum) *sum = s;
    return m;
}

// MARK: - AVX2 + FMA path

#if FANYI_X86
#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LO)), _mm256_set1_ps(EXP_HI));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LOG2E)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    __m256 p = _mm256_set1_ps(P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P5));
    p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

AVX2 static void exp_avx2(const float *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = exp_scalar(x[i]);
}

AVX2 static void sigmoid_avx2(const float *x, float *y, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_loadu_ps(x + i)));
        _mm256_storeu_ps(y + i, _mm256_div_ps(one, _mm256_add_ps(one, e)));
    }
    for (; i < n; i++) y[i] = sigmoid_scalar(x[i]);
}

AVX2 static void tanh_avx2(const float *x, float *y, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 a = _mm256_andnot_ps(sign, v);
        __m256 e = exp8(_mm256_mul_ps(two, a));
        __m256 t = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(e, one)));
        _mm256_storeu_ps(y + i, _mm256_or_ps(t, _mm256_and_ps(sign, v)));
    }
    for (; i < n; i++) y[i] = tanh_scalar(x[i]);
}

AVX2 static float max_avx2(const float *x, int64_t n) {
    __m256 m = _mm256_set1_ps(-INFINITY), m2 = m;  // two chains: max is exact in any order
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
        m2 = _mm256_max_ps(m2, _mm256_loadu_ps(x + i + 8));
    }
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    m = _mm256_max_ps(m, m2);
    float lanes[8];
    _mm256_storeu_ps(lanes, m);
    float r = -INFINITY;
    for (int k = 0; k < 8; k++) r = lanes[k] > r ? lanes[k] : r;
    for (; i < n; i++) r = x[i] > r ? x[i] : r;
    return r;
}

AVX2 static double hsum_pd(__m256d v) {
    double lanes[4];
    _mm256_storeu_pd(lanes, v);
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

// The sums below keep one double accumulator per half of each 8-float group (and, for the biased
// sum, per group of a pair): one chain of dependent adds would cost its latency every 4 floats.
AVX2 static double exp_shift_sum_avx2(const float *x, float *y, int64_t n, float shift) {
    const __m256 s = _mm256_set1_ps(shift);
    __m256d low = _mm256_setzero_pd(), high = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        if (y) _mm256_storeu_ps(y + i, e);
        low = _mm256_add_pd(low, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        high = _mm256_add_pd(high, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double sum = hsum_pd(_mm256_add_pd(low, high));
    for (; i < n; i++) {
        float e = exp_scalar(x[i] - shift);
        if (y) y[i] = e;
        sum += e;
    }
    return sum;
}


AVX2 static float biased_max_sum_avx2(const float *x, const float *b, float *y, int64_t n, double *sum) {
    __m256 m = _mm256_set1_ps(-INFINITY), m2 = m;
    __m256d acc[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 v = _mm256_loadu_ps(x + i), w = _mm256_loadu_ps(x + i + 8);
        if (b) {
            v = _mm256_add_ps(v, _mm256_loadu_ps(b + i));
            w = _mm256_add_ps(w, _mm256_loadu_ps(b + i + 8));
            _mm256_storeu_ps(y + i, v);
            _mm256_storeu_ps(y + i + 8, w);
        }
        m = _mm256_max_ps(m, v);
        m2 = _mm256_max_ps(m2, w);
        if (sum) {
            acc[0] = _mm256_add_pd(acc[0], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
            acc[1] = _mm256_add_pd(acc[1], _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
            acc[2] = _mm256_add_pd(acc[2], _mm256_cvtps_pd(_mm256_castps256_ps128(w)));
            acc[3] = _mm256_add_pd(acc[3], _mm256_cvtps_pd(_mm256_extractf128_ps(w, 1)));
        }
    }
    m = _mm256_max_ps(m, m2);
    float lanes[8];
    _mm256_storeu_ps(lanes, m);
    float r = -INFINITY;
    for (int k = 0; k < 8; k++) r = lanes[k] > r ? lanes[k] : r;
    double s = hsum_pd(_mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3])));
    if (i < n) {  // the tail, element by element
        double tail = 0;
        float t = biased_max_sum_portable(x + i, b ? b + i : NULL, y + i, n - i, sum ? &tail : NULL);
        r = t > r ? t : r;
        s += tail;
    }
    if (sum) *sum = s;
    return r;
}

// g = scale·(g·inv − u), and the result added into sums: the loss gradient's last pass, compiled
// for AVX2 and for AVX-512 (the same contraction, so the same bits).
#define SOFTMAX_GRADIENT_LOOP                                                                       \
    if (sums) {                                                                                     \
        for (int64_t i = 0; i < n; i++) {                                                           \
            g[i] = scale * (g[i] * inv - u);                                                        \
            sums[i] += g[i];                                                                        \
        }                                                                                           \
    } else {                                                                                        \
        for (int64_t i = 0; i < n; i++) g[i] = scale * (g[i] * inv - u);                          \
    }

AVX2 static void softmax_gradient_avx2(float *restrict g, float *restrict sums, int64_t n, float scale, float inv,
                                       float u) {
    SOFTMAX_GRADIENT_LOOP
}
#endif

#if FANYI_X86
// MARK: - AVX-512: the exponential's kernels sixteen lanes wide
//
// The same operations as exp8 lane by lane (the same polynomial, fused multiply-adds and
// rounding), so every element gets the bits the AVX2 path gives; only sums group differently.
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

AVX512 static inline __m512 exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(EXP_LO)), _mm512_set1_ps(EXP_HI));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    __m512 p = _mm512_set1_ps(P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P5));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
}

AVX512 static inline __m512 sigmoid16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

AVX512 static inline __m512 tanh16(__m512 v) {
    const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f);
    const __m512i sign = _mm512_set1_epi32((int32_t)0x80000000U);
    __m512i bits = _mm512_castps_si512(v);
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign, bits));
    __m512 t = _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(exp16(_mm512_mul_ps(two, a)), one)));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t), _mm512_and_si512(sign, bits)));
}

AVX512 static double exp_shift_sum_avx512(const float *x, float *y, int64_t n, float shift) {
    const __m512 s = _mm512_set1_ps(shift);
    __m512d low = _mm512_setzero_pd(), high = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), s));
        if (y) _mm512_storeu_ps(y + i, e);
        low = _mm512_add_pd(low, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        high = _mm512_add_pd(high, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
    }
    double sum = _mm512_reduce_add_pd(_mm512_add_pd(low, high));
    if (i < n) sum += exp_shift_sum_avx2(x + i, y ? y + i : NULL, n - i, shift);
    return sum;
}


AVX512 static void softmax_gradient_avx512(float *restrict g, float *restrict sums, int64_t n, float scale, float inv,
                                           float u) {
    SOFTMAX_GRADIENT_LOOP
}
#endif

// MARK: - Dropout: a hash of each element's index, eight at a time

// Each element's draw is a hash of (seed, index), not the next number of a sequential stream:
// the lanes compute it side by side, and both paths give the same bits (integer operations).
// The hash is two rounds of a 32-bit mixer (xor-shift, multiply) with good avalanche.
static inline uint32_t mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

// Indices are taken mod 2^32: callers keep masks below 2^32 elements.
static inline uint32_t dropout_draw(uint64_t seed, int64_t i) {
    return mix32(mix32((uint32_t)seed ^ (uint32_t)i) + (uint32_t)(seed >> 32)) >> 8;
}

// Element i of the mask, and of x when given: the portable loop and the vector tails.
static inline void dropout_element(float *x, float *mask, int64_t i, uint32_t threshold, float keep, uint64_t seed) {
    float m = dropout_draw(seed, i) < threshold ? 0.0f : keep;
    mask[i] = m;
    if (x) x[i] *= m;
}

static void dropout_portable(float *x, float *mask, int64_t n, uint32_t threshold, float keep, uint64_t seed) {
    for (int64_t i = 0; i < n; i++) dropout_element(x, mask, i, threshold, keep, seed);
}

#if FANYI_X86
AVX2 static inline __m256i mix32x8(__m256i x) {
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int32_t)0x7feb352dU));
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int32_t)0x846ca68bU));
    return _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
}

AVX2 static void dropout_avx2(float *x, float *mask, int64_t n, uint32_t threshold, float keep, uint64_t seed) {
    // Draws are < 2^24 and the threshold ≤ 2^24, so signed 32-bit compares are exact.
    const __m256i limit = _mm256_set1_epi32((int32_t)threshold);
    const __m256i low = _mm256_set1_epi32((int32_t)(uint32_t)seed);
    const __m256i high = _mm256_set1_epi32((int32_t)(uint32_t)(seed >> 32));
    const __m256i step = _mm256_set1_epi32(8);
    const __m256 kept = _mm256_set1_ps(keep);
    __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i h = _mm256_srli_epi32(mix32x8(_mm256_add_epi32(mix32x8(_mm256_xor_si256(index, low)), high)), 8);
        __m256 m = _mm256_andnot_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(limit, h)), kept);  // 0 where h < threshold
        _mm256_storeu_ps(mask + i, m);
        if (x) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), m));
        index = _mm256_add_epi32(index, step);
    }
    for (; i < n; i++) dropout_element(x, mask, i, threshold, keep, seed);
}
#endif

// MARK: - Dispatch

// Per thread, so a test comparing the paths does not change what other threads compute.
static _Thread_local int level_limit = 2;

static int supported_level(void) {
#if FANYI_X86
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        level = avx2 ? (fanyi_cpu_has_avx512() ? 2 : 1) : 0;
    }
    return level;
#else
    return 0;
#endif
}

int fanyi_kernels_level(void) {
    int level = supported_level();
    return level < level_limit ? level : level_limit;
}

int fanyi_kernels_use_avx2(void) { return fanyi_kernels_level() >= 1; }

void fanyi_kernels_force_portable(int force) { level_limit = force ? 0 : 2; }

void fanyi_kernels_limit_level(int level) { level_limit = level < 0 ? 0 : level > 2 ? 2 : level; }

#if FANYI_X86
#define DISPATCH(name, ...) (fanyi_kernels_use_avx2() ? name##_avx2(__VA_ARGS__) : name##_portable(__VA_ARGS__))
// Kernels with an AVX-512 variant as well.
#define DISPATCH3(name, ...)                                                                        \
    (fanyi_kernels_level() >= 2 ? name##_avx512(__VA_ARGS__)                                        \
     : fanyi_kernels_level() == 1 ? name##_avx2(__VA_ARGS__) : name##_portable(__VA_ARGS__))
#else
#define DISPATCH(name, ...) name##_portable(__VA_ARGS__)
#define DISPATCH3(name, ...) name##_portable(__VA_ARGS__)
#endif

void fanyi_exp(const float *x, float *y, int64_t n) { DISPATCH(exp, x, y, n); }

void fanyi_dropout(float *x, float *mask, int64_t n, float rate, uint64_t seed) {
    // Dropped when the draw's 24 bits fall below rate·2^24: probability rate, to 2^-24.
    const uint32_t threshold = (uint32_t)((double)rate * 16777216.0);
    const float keep = 1.0f / (1.0f - rate);
    DISPATCH(dropout, x, mask, n, threshold, keep, seed);
}
void fanyi_sigmoid(const float *x, float *y, int64_t n) { DISPATCH(sigmoid, x, y, n); }
void fanyi_tanh(const float *x, float *y, int64_t n) { DISPATCH(tanh, x, y, n); }

static float row_max(const float *x, int64_t n) { return DISPATCH(max, x, n); }
static double row_exp_shift_sum(const float *x, float *y, int64_t n, float shift) {
    return DISPATCH3(exp_shift_sum, x, y, n, shift);
}
static float row_biased_max_sum(const float *x, const float *b, float *y, int64_t n, double *sum) {
    return DISPATCH(biased_max_sum, x, b, y, n, sum);
}

// dst[0..<n] += src[0..<n]; restrict parameters (not locals) let the loop vectorise.
static inline void add_vector(float *restrict dst, const float *restrict src, int64_t n) {
    for (int64_t j = 0; j < n; j++) dst[j] += src[j];
}

static void softmax_gradient_portable(float *restrict g, float *restrict sums, int64_t n, float scale, float inv,
                                      float u) {
    for (int64_t i = 0; i < n; i++) g[i] = scale * (g[i] * inv - u);
    if (sums) add_vector(sums, g, n);
}

// MARK: - Row reductions

void fanyi_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m = row_max(xr, cols);
        float inv = (float)(1.0 / row_exp_shift_sum(xr, yr, cols, m));
        for (int64_t i = 0; i < cols; i++) yr[i] *= inv;
    }
}

void fanyi_log_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m = row_max(xr, cols);
        // The exponentials are summed, not stored, so x == y works.
        double sum = row_exp_shift_sum(xr, NULL, cols, m);
        float shift = m + (float)log(sum);
        for (int64_t i = 0; i < cols; i++) yr[i] = xr[i] - shift;
    }
}

double fanyi_softmax_cross_entropy(const float *logits, const float *bias, const int32_t *targets, int64_t rows,
                                   int64_t cols, float smoothing, int32_t ignore, float scale,
                                   float *grad, float *loss, float *grad_sums) {
    double total = 0;
    const float uniform = smoothing / (float)cols;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = logits + r * cols;
        float *gr = grad + r * cols;
        int32_t t = targets[r];
        if (t == ignore || t < 0 || t >= cols) {
            memset(gr, 0, sizeof(float) * (size_t)cols);
            if (loss) loss[r] = 0;
            continue;
        }
        // One pass: x = logits + bias (into gr when there is a bias), its max and, for
        // smoothing, its sum; the rest reads x from gr.
        double xsum = 0;
        float m = row_biased_max_sum(xr, bias, gr, cols, smoothing > 0 ? &xsum : NULL);
        if (bias) xr = gr;
        float xt = xr[t];
        double sum = row_exp_shift_sum(xr, gr, cols, m);  // gr = e^(x − m)
        double lse = (double)m + log(sum);
        double l = lse - (1.0 - smoothing) * (double)xt - (double)uniform * xsum;
        if (loss) loss[r] = (float)l;
        total += l;
        float inv = (float)(1.0 / sum);
        const float target = scale * (1.0f - smoothing);
        DISPATCH3(softmax_gradient, gr, grad_sums, cols, scale, inv, uniform);
        gr[t] -= target;
        if (grad_sums) grad_sums[t] -= target;
    }
    return total;
}

void fanyi_multiply(float *restrict x, const float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] *= y[i];
}

void fanyi_add_row(float *rows, int64_t m, int64_t n, int64_t ld, const float *b) {
    for (int64_t i = 0; i < m; i++) add_vector(rows + i * ld, b, n);
}

void fanyi_fill_rows(float *rows, int64_t m, int64_t n, int64_t ld, const float *b) {
    for (int64_t i = 0; i < m; i++) memcpy(rows + i * ld, b, (size_t)n * sizeof(float));
}

void fanyi_add_column_sums(const float *rows, int64_t m, int64_t n, int64_t ld, float *sums) {
    for (int64_t i = 0; i < m; i++) add_vector(sums, rows + i * ld, n);
}

void fanyi_add_rows(float *dst, int64_t ldd, const float *src, int64_t lds, int64_t m, int64_t n) {
    for (int64_t i = 0; i < m; i++) add_vector(dst + i * ldd, src + i * lds, n);
}

// Element-wise only, in the order LSTMCell.swift states them; contraction off so that every
// build rounds as the equations read (and as the Swift version did). The row's arrays are
// parameters marked restrict (LLVM ignores restrict on local pointers), so the loop vectorises:
// with AVX2 where the CPU has it, SSE otherwise.
static inline void lstm_row_backward(int64_t h, const float *restrict i, const float *restrict f,
                                     const float *restrict o, const float *restrict g, const float *restrict tc,
                                     const float *restrict cp, float *restrict dh, float *restrict dc,
                                     float *restrict dzi, float *restrict dzf, float *restrict dzo,
                                     float *restrict dzg) {
#pragma clang fp contract(off)
    for (int64_t j = 0; j < h; j++) {
        float dcj = dc[j] + dh[j] * o[j] * (1 - tc[j] * tc[j]);  // total dc of this step
        dzo[j] = dh[j] * tc[j] * o[j] * (1 - o[j]);
        dzi[j] = dcj * g[j] * i[j] * (1 - i[j]);
        dzf[j] = dcj * cp[j] * f[j] * (1 - f[j]);
        dzg[j] = dcj * i[j] * (1 - g[j] * g[j]);
        dc[j] = dcj * f[j];  // → dc₋
        dh[j] = 0;           // h₋ gets dz·whᵀ only
    }
}

#define LSTM_BACKWARD_ROWS                                                                          \
    for (int64_t r = 0; r < m; r++) {                                                               \
        float *dzr = dz + r * ldz;                                                                  \
        if (mask[r] == 0) { /* dh, dc pass through unchanged */                                     \
            memset(dzr, 0, (size_t)(4 * h) * sizeof(float));                                        \
            continue;                                                                               \
        }                                                                                           \
        const float *a = gates + r * ldg;                                                           \
        lstm_row_backward(h, a, a + h, a + 2 * h, a + 3 * h, tanh_c + r * ldt, c_prev + r * ldp,    \
                          dh + r * ldh, dc + r * ldc, dzr, dzr + h, dzr + 2 * h, dzr + 3 * h);      \
    }

static void lstm_step_backward_portable(int64_t m, int64_t h, const float *gates, int64_t ldg, const float *tanh_c,
                                        int64_t ldt, const float *c_prev, int64_t ldp, float *dh, int64_t ldh,
                                        float *dc, int64_t ldc, float *dz, int64_t ldz, const float *mask) {
    LSTM_BACKWARD_ROWS
}

#if FANYI_X86
AVX2 static void lstm_step_backward_avx2(int64_t m, int64_t h, const float *gates, int64_t ldg, const float *tanh_c,
                                         int64_t ldt, const float *c_prev, int64_t ldp, float *dh, int64_t ldh,
                                         float *dc, int64_t ldc, float *dz, int64_t ldz, const float *mask) {
    LSTM_BACKWARD_ROWS
}

#endif

// MARK: - LSTM step forward

// The order of operations is LSTMCell.swift's (σ, tanh, then c and h without contraction), so
// the fused pass gives the bits the separate passes gave.

// A masked (padding) row keeps its state: c = c₋, h = h₋, tanh c = 0, and its z as it was.
static inline void lstm_keep_state(int64_t h, const float *cp, const float *hp, float *cn, float *tc, float *hn) {
    memmove(cn, cp, (size_t)h * sizeof(float));
    memmove(hn, hp, (size_t)h * sizeof(float));
    memset(tc, 0, (size_t)h * sizeof(float));
}

// The step's rows, each running the statements given (with gates, cp, cn, tc, hn in scope).
#define LSTM_FORWARD_ROWS(...)                                                                      \
    for (int64_t r = 0; r < m; r++) {                                                               \
        float *gates = z + r * ldz;                                                                 \
        const float *cp = c_prev + r * ldcp, *hp = h_prev + r * ldhp;                               \
        float *cn = c + r * ldc, *tc = tanh_c + r * ldt, *hn = h_out + r * ldh;                     \
        if (mask[r] == 0) {                                                                         \
            lstm_keep_state(h, cp, hp, cn, tc, hn);                                                 \
            continue;                                                                               \
        }                                                                                           \
        __VA_ARGS__                                                                                 \
    }

// One row in separate passes over the gates with one path's σ and tanh.
#define LSTM_FORWARD_PASSES(path)                                                                   \
    sigmoid_##path(gates, gates, 3 * h);                                                            \
    tanh_##path(gates + 3 * h, gates + 3 * h, h);                                                   \
    for (int64_t j = 0; j < h; j++) cn[j] = gates[h + j] * cp[j] + gates[j] * gates[3 * h + j];    \
    tanh_##path(cn, tc, h);                                                                         \
    for (int64_t j = 0; j < h; j++) hn[j] = gates[2 * h + j] * tc[j];

#define LSTM_FORWARD_PARAMETERS                                                                     \
    int64_t m, int64_t h, float *z, int64_t ldz, const float *c_prev, int64_t ldcp, const float *h_prev,  \
        int64_t ldhp, float *c, int64_t ldc, float *tanh_c, int64_t ldt, float *h_out, int64_t ldh,  \
        const float *mask

static void lstm_step_forward_portable(LSTM_FORWARD_PARAMETERS) {
#pragma clang fp contract(off)
    LSTM_FORWARD_ROWS(LSTM_FORWARD_PASSES(portable))
}

#if FANYI_X86
AVX2 static inline __m256 sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

AVX2 static inline __m256 tanh8(__m256 v) {
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), sign = _mm256_set1_ps(-0.0f);
    __m256 e = exp8(_mm256_mul_ps(two, _mm256_andnot_ps(sign, v)));
    __m256 t = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(e, one)));
    return _mm256_or_ps(t, _mm256_and_ps(sign, v));
}

// Eight columns of all four gates at a time, in registers; h not a multiple of 8 takes the
// separate passes (whose vector tails fall elsewhere).
AVX2 static void lstm_step_forward_avx2(LSTM_FORWARD_PARAMETERS) {
#pragma clang fp contract(off)
    if (h % 8 != 0) {
        LSTM_FORWARD_ROWS(LSTM_FORWARD_PASSES(avx2))
        return;
    }
    LSTM_FORWARD_ROWS(
        for (int64_t j = 0; j < h; j += 8) {
            __m256 i = sigmoid8(_mm256_loadu_ps(gates + j)), f = sigmoid8(_mm256_loadu_ps(gates + h + j));
            __m256 o = sigmoid8(_mm256_loadu_ps(gates + 2 * h + j)), g = tanh8(_mm256_loadu_ps(gates + 3 * h + j));
            _mm256_storeu_ps(gates + j, i);
            _mm256_storeu_ps(gates + h + j, f);
            _mm256_storeu_ps(gates + 2 * h + j, o);
            _mm256_storeu_ps(gates + 3 * h + j, g);
            __m256 cj = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(cp + j)), _mm256_mul_ps(i, g));
            __m256 t = tanh8(cj);
            _mm256_storeu_ps(cn + j, cj);
            _mm256_storeu_ps(tc + j, t);
            _mm256_storeu_ps(hn + j, _mm256_mul_ps(o, t));
        })
}

// Sixteen columns at a time (the same operations lane by lane); other hidden sizes take AVX2.
AVX512 static void lstm_step_forward_avx512(LSTM_FORWARD_PARAMETERS) {
    if (h % 16 != 0) {
        lstm_step_forward_avx2(m, h, z, ldz, c_prev, ldcp, h_prev, ldhp, c, ldc, tanh_c, ldt, h_out, ldh, mask);
        return;
    }
    LSTM_FORWARD_ROWS(
        for (int64_t j = 0; j < h; j += 16) {
            __m512 i = sigmoid16(_mm512_loadu_ps(gates + j)), f = sigmoid16(_mm512_loadu_ps(gates + h + j));
            __m512 o = sigmoid16(_mm512_loadu_ps(gates + 2 * h + j)), g = tanh16(_mm512_loadu_ps(gates + 3 * h + j));
            _mm512_storeu_ps(gates + j, i);
            _mm512_storeu_ps(gates + h + j, f);
            _mm512_storeu_ps(gates + 2 * h + j, o);
            _mm512_storeu_ps(gates + 3 * h + j, g);
            __m512 cj = _mm512_add_ps(_mm512_mul_ps(f, _mm512_loadu_ps(cp + j)), _mm512_mul_ps(i, g));
            __m512 t = tanh16(cj);
            _mm512_storeu_ps(cn + j, cj);
            _mm512_storeu_ps(tc + j, t);
            _mm512_storeu_ps(hn + j, _mm512_mul_ps(o, t));
        })
}
#endif

void fanyi_lstm_step_forward(int64_t m, int64_t h, float *z, int64_t ldz, const float *c_prev, int64_t ldcp,
                             const float *h_prev, int64_t ldhp, float *c, int64_t ldc, float *tanh_c, int64_t ldt,
                             float *h_out, int64_t ldh, const float *mask) {
    DISPATCH3(lstm_step_forward, m, h, z, ldz, c_prev, ldcp, h_prev, ldhp, c, ldc, tanh_c, ldt, h_out, ldh, mask);
}

void fanyi_lstm_step_backward(int64_t m, int64_t h, const float *gates, int64_t ldg, const float *tanh_c,
                              int64_t ldt, const float *c_prev, int64_t ldp, float *dh, int64_t ldh, float *dc,
                              int64_t ldc, float *dz, int64_t ldz, const float *mask) {
    DISPATCH(lstm_step_backward, m, h, gates, ldg, tanh_c, ldt, c_prev, ldp, dh, ldh, dc, ldc, dz, ldz, mask);
}
