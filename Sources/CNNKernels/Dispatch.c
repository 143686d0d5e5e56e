// The CPU checks, the process's kernel path, and the public kernels of CNNKernels.h, each
// forwarding to its build for that path: Kernels512.c (AVX-512) or Kernels256.c (AVX2 + FMA),
// both from the generic sources in GenericKernels.h. Compiled for the baseline target.
#include "CNNKernels.h"
#include "KernelList.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PATH_NONE = 0, PATH_AVX2 = 1, PATH_AVX512 = 2 };

#if defined(__x86_64__)

int icrl_nn_avx512_available(void) {
    __builtin_cpu_init();
    // The runtime's checks include the OS's XSAVE support for the 512-bit state.
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

static void cpuid(unsigned leaf, unsigned subleaf, unsigned r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(subleaf));
}

/// CPUID says AVX, FMA and AVX2, and the OS saves the YMM state (OSXSAVE, then XCR0 bits 1
/// and 2: SSE and AVX state).
static int avx2_probe(void) {
    unsigned r[4];
    cpuid(0, 0, r);
    if (r[0] < 7) return 0;
    cpuid(1, 0, r);
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((r[2] & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0x6u) != 0x6u) return 0;
    cpuid(7, 0, r);
    return (r[1] >> 5) & 1;  // AVX2
}

int icrl_nn_avx2_available(void) {
    // CPUID can trap to a hypervisor: asked once (a race asks twice, with one answer).
    static int known = -1;
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        v = avx2_probe();
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v;
}

#else

int icrl_nn_avx512_available(void) { return 0; }
int icrl_nn_avx2_available(void) { return 0; }

#endif

/// The best path this CPU and OS run.
static int hardware_path(void) {
    static int known = -1;
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        v = icrl_nn_avx512_available() ? PATH_AVX512 : icrl_nn_avx2_available() ? PATH_AVX2 : PATH_NONE;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v;
}

/// The cap `ICRL_NN_KERNELS` puts on the path (Swift's `KernelPath.current` reads the same
/// variable and warns about bad values), so a kernel called before Swift chose the path
/// still runs the path the process was asked for.
static int environment_cap(void) {
    const char *name = getenv("ICRL_NN_KERNELS");
    if (name == NULL) return PATH_AVX512;
    if (strcmp(name, "avx2") == 0) return PATH_AVX2;
    if (strcmp(name, "portable") == 0) return PATH_NONE;
    return PATH_AVX512;
}

/// The process's path; -1 until chosen (by icrl_nn_set_path, else on first use the
/// hardware's, capped by `ICRL_NN_KERNELS`).
static int current_path = -1;

void icrl_nn_set_path(int path) {
    int best = hardware_path();
    path = path < PATH_NONE ? PATH_NONE : path > best ? best : path;
    __atomic_store_n(&current_path, path, __ATOMIC_RELAXED);
}

int icrl_nn_path(void) {
    int path = __atomic_load_n(&current_path, __ATOMIC_RELAXED);
    if (__builtin_expect(path < 0, 0)) {
        int unset = -1;
        int cap = environment_cap(), best = hardware_path();
        __atomic_compare_exchange_n(&current_path, &unset, cap < best ? cap : best, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
        path = __atomic_load_n(&current_path, __ATOMIC_RELAXED);
    }
    return path;
}

__attribute__((noreturn, cold, noinline)) static void no_kernel_path(const char *name) {
    fprintf(stderr, "icrl: %s needs the AVX2 or AVX-512 kernels, and this process runs neither "
                    "(the CPU lacks them, or icrl_nn_set_path(0))\n", name);
    abort();
}

#if defined(__x86_64__)
#define ICRL_DISPATCH(name, parameters, arguments) \
    void name parameters {                         \
        switch (icrl_nn_path()) {                  \
        case PATH_AVX512:                          \
            name##_avx512 arguments;               \
            return;                                \
        case PATH_AVX2:                            \
            name##_avx2 arguments;                 \
            return;                                \
        default:                                   \
            no_kernel_path(#name);                 \
        }                                          \
    }
#else
#define ICRL_DISPATCH(name, parameters, arguments) \
    void name parameters { no_kernel_path(#name); }
#endif
ICRL_VOID_KERNELS(ICRL_DISPATCH)
#undef ICRL_DISPATCH

long icrl_linear_packed_size(int c, int oc) {
#if defined(__x86_64__)
    switch (icrl_nn_path()) {
    case PATH_AVX512: return icrl_linear_packed_size_avx512(c, oc);
    case PATH_AVX2: return icrl_linear_packed_size_avx2(c, oc);
    default: break;
    }
#endif
    // No panels are packed on this path; the AVX-512 size is the largest of any path.
    return (oc + 63) / 64 * 64 * (long)c;
}

/// Eight independent sums: without them the loop is bound by add latency, not memory.
static float stream_sum_portable(const float *a, long n) {
    float s[8] = {0};
    for (long i = 0; i < n; i += 8)
        for (int k = 0; k < 8; k++) s[k] += a[i + k];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

float icrl_stream_sum(const float *a, long n) {
    // A yardstick of the memory system, so the widest vectors the CPU has, whatever the path.
#if defined(__x86_64__)
    switch (hardware_path()) {
    case PATH_AVX512: return icrl_stream_sum_avx512(a, n);
    case PATH_AVX2: return icrl_stream_sum_avx2(a, n);
    default: break;
    }
#endif
    return stream_sum_portable(a, n);
}
