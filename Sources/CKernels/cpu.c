// What the CPU can do, for choosing OpenBLAS's kernels when its own detection falls short.
#include "fanyi_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
int fanyi_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int fanyi_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
#else
int fanyi_cpu_has_avx2_fma(void) { return 0; }
int fanyi_cpu_has_avx512(void) { return 0; }
#endif

#include <malloc.h>

int fanyi_malloc_arena_limit(int arenas) {
#ifdef M_ARENA_MAX
    return mallopt(M_ARENA_MAX, arenas);
#else
    (void)arenas;
    return 0;
#endif
}
