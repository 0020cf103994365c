// The 8-bit product of Fanyi's kernel (Sources/CKernels/int8_gemm.c) against oneDNN's
// dnnl_gemm_u8s8s32 on the same quantized operands, at translation's shapes, one thread each,
// alternating the two so that both see the same state of a shared machine. oneDNN's time is the
// int32 product alone (its dequantization and bias would be one more pass); Fanyi's includes them.
// Built and run by scripts/bench-onednn.sh.
#include "fanyi_kernels.h"
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    const int repeats = argc > 1 ? atoi(argv[1]) : 30;
    const int shapes[][3] = {{5, 256, 1024}, {5, 256, 9103}, {160, 256, 1024}, {160, 256, 9103}, {1600, 256, 512}};
    const char *names[] = {"decoder step, beam 5", "generator, beam 5", "decoder step, 32 × beam 5",
                           "generator, 32 × beam 5", "encoder input projection"};
    const int level = fanyi_i8_gemm_level();
    printf("Fanyi's 8-bit path: %s; oneDNN %d.%d.%d; one thread each, median of %d\n",
           level == 2 ? "AVX-512 VNNI" : level == 1 ? "AVX2" : "portable", dnnl_version()->major,
           dnnl_version()->minor, dnnl_version()->patch, repeats);
    for (int s = 0; s < 5; s++) {
        const int m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        float *a = malloc(sizeof(float) * m * k), *w = malloc(sizeof(float) * k * n);
        for (int i = 0; i < m * k; i++) a[i] = (float)rand() / RAND_MAX * 2 - 1;
        for (int i = 0; i < k * n; i++) w[i] = ((float)rand() / RAND_MAX * 2 - 1) * 0.1f;
        int8_t *q = malloc(k * n), *packed = malloc(fanyi_i8_packed_size(k, n));
        float *scales = malloc(sizeof(float) * n), *rowScales = malloc(sizeof(float) * m);
        int32_t *sums = malloc(sizeof(int32_t) * n), *c32 = malloc(sizeof(int32_t) * m * n);
        float *c = malloc(sizeof(float) * m * n);
        fanyi_i8_quantize_columns(k, n, w, n, q, scales, sums);
        fanyi_i8_pack(k, n, q, n, packed);
        const int64_t ldu = fanyi_i8_padded_depth(k);
        uint8_t *u = malloc(m * ldu);
        const int limit = fanyi_i8_activation_limit(level);
        double fanyi[200], onednn[200];
        for (int r = 0; r < repeats + 1; r++) {
            double t0 = now();
            fanyi_i8_quantize_rows(m, k, a, k, limit, u, ldu, rowScales);
            fanyi_i8_gemm_quantized(level, m, n, k, u, ldu, rowScales, packed, scales, sums, NULL, 0, c, n);
            double t1 = now();
            fanyi_i8_quantize_rows(m, k, a, k, limit, u, ldu, rowScales);
            int32_t co = 0;
            dnnl_status_t status = dnnl_gemm_u8s8s32('N', 'N', 'F', m, n, k, 1.0f, u, ldu, 0, q, n, 0, 0.0f, c32, n, &co);
            double t2 = now();
            if (status != dnnl_success) { fprintf(stderr, "dnnl_gemm_u8s8s32 failed: %d\n", (int)status); return 1; }
            if (r > 0) { fanyi[r - 1] = t1 - t0; onednn[r - 1] = t2 - t1; }
        }
        qsort(fanyi, repeats, sizeof(double), compare);
        qsort(onednn, repeats, sizeof(double), compare);
        const double ops = 2.0 * m * n * k;
        printf("%-28s %5d×%d·%d×%-5d Fanyi %6.1f GOP/s  oneDNN %6.1f GOP/s  Fanyi/oneDNN %.2f×\n", names[s], m, k, k, n,
               ops / fanyi[repeats / 2] / 1e9, ops / onednn[repeats / 2] / 1e9, onednn[repeats / 2] / fanyi[repeats / 2]);
        free(a); free(w); free(q); free(packed); free(scales); free(rowScales); free(sums); free(c32); free(c); free(u);
    }
    return 0;
}
