// Adam's update over flat buffers, with the gradient scale (clipping) folded in.
#include "fanyi_kernels.h"
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FANYI_X86 1
#else
#define FANYI_X86 0
#endif

static void adam_portable(float *theta, const float *grad, float *m, float *v, int64_t n, float beta1,
                          float beta2, float alpha, float eps, float scale) {
    for (int64_t i = 0; i < n; i++) {
        float g = grad[i] * scale;
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        theta[i] -= alpha * m[i] / (sqrtf(v[i]) + eps);
    }
}

#if FANYI_X86
__attribute__((target("avx2,fma")))
static void adam_avx2(float *theta, const float *grad, float *m, float *v, int64_t n, float beta1,
                      float beta2, float alpha, float eps, float scale) {
    const __m256 b1 = _mm256_set1_ps(beta1), c1 = _mm256_set1_ps(1 - beta1);
    const __m256 b2 = _mm256_set1_ps(beta2), c2 = _mm256_set1_ps(1 - beta2);
    const __m256 a = _mm256_set1_ps(alpha), e = _mm256_set1_ps(eps), s = _mm256_set1_ps(scale);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_mul_ps(_mm256_loadu_ps(grad + i), s);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, g));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(c2, g), g));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 step = _mm256_div_ps(_mm256_mul_ps(a, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), e));
        _mm256_storeu_ps(theta + i, _mm256_sub_ps(_mm256_loadu_ps(theta + i), step));
    }
    adam_portable(theta + i, grad + i, m + i, v + i, n - i, beta1, beta2, alpha, eps, scale);
}
#endif

void fanyi_adam(float *theta, const float *grad, float *m, float *v, int64_t n, float beta1, float beta2,
                float alpha, float eps, float scale) {
#if FANYI_X86
    if (fanyi_kernels_use_avx2()) {
        adam_avx2(theta, grad, m, v, n, beta1, beta2, alpha, eps, scale);
        return;
    }
#endif
    adam_portable(theta, grad, m, v, n, beta1, beta2, alpha, eps, scale);
}
