// The generic kernels (GenericKernels.h) built for AVX2 + FMA (Intel Haswell and later, AMD
// Zen 1–3): the vector layer in 256-bit intrinsics, 8 lanes, masks as lane vectors for
// VMASKMOVPS and blends. Every function of this unit gets the AVX2 target, so the package
// still builds for generic x86-64 and Dispatch.c calls these only where
// icrl_nn_avx2_available(). Names end in _avx2.
#include "KernelList.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#define ICRL_ISA(name) name##_avx2
#define VW 8
typedef __m256 vf;
typedef __m256i vmask;
#define V_INLINE static inline __attribute__((always_inline))

/// Eight all-ones then eight zero dwords: lanes [0, n) of a mask start at 8 − n.
static const int32_t mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/// Lanes [0, n) (none for n <= 0, all for n >= 8).
V_INLINE __m256i mask8(long n) {
    long k = n <= 0 ? 0 : n >= 8 ? 8 : n;
    return _mm256_loadu_si256((const __m256i *)(mask_table + 8 - k));
}

/// VMASKMOVPS stores are slow on AMD (microcoded), and most masks in the loops are whole:
/// those take a plain store, empty ones none.
V_INLINE void mask_store(float *p, __m256i m, __m256 v) {
    int bits = _mm256_movemask_ps(_mm256_castsi256_ps(m));
    if (bits == 0xFF)
        _mm256_storeu_ps(p, v);
    else if (bits)
        _mm256_maskstore_ps(p, m, v);
}

/// Horizontal sum: halves, then pairs, then the last two.
V_INLINE float reduce_add8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

V_INLINE float reduce_max8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// y · 2ⁿ for integral n in [-126, 127]: 2ⁿ built from its exponent bits is exact, so the
/// product rounds once, like AVX-512's VSCALEFPS.
V_INLINE __m256 scale2(__m256 y, __m256 n) {
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

/// Transposes an 8 × 8 matrix held as 8 row vectors.
V_INLINE void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    // t[2g], t[2g + 1]: rows 2g, 2g + 1 interleaved, low and high pairs of each 128-bit lane.
    for (int g = 0; g < 8; g += 4) {
        u[g] = _mm256_shuffle_ps(t[g], t[g + 2], 0x44);
        u[g + 1] = _mm256_shuffle_ps(t[g], t[g + 2], 0xEE);
        u[g + 2] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        u[g + 3] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    // u[4h + c] holds column c (low lane) and c + 4 (high lane) of rows 4h..4h+3.
    for (int c = 0; c < 4; c++) {
        r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
        r[c + 4] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
}

/// PREFETCHW through asm (no target feature needed; a hint NOP where unsupported).
V_INLINE void prefetchw(const void *p) { __asm__ volatile("prefetchw %0" : : "m"(*(const char *)p)); }

#define V_ZERO() _mm256_setzero_ps()
#define V_SET1(x) _mm256_set1_ps(x)
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_LOADA(p) _mm256_load_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps(p, v)
#define V_STOREA(p, v) _mm256_store_ps(p, v)
#define V_STREAM(p, v) _mm256_stream_ps(p, v)
#define V_MASK(n) mask8(n)
#define V_MASK_ALL _mm256_set1_epi32(-1)
#define V_MLOAD(m, p) _mm256_maskload_ps(p, m)
#define V_MLOAD_OR(f, m, p) _mm256_blendv_ps(f, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m))
#define V_MSTORE(p, m, v) mask_store(p, m, v)
#define V_MASKZ(m, v) _mm256_and_ps(_mm256_castsi256_ps(m), v)
#define V_MASK_MAX(s, m, a, b) _mm256_blendv_ps(s, _mm256_max_ps(a, b), _mm256_castsi256_ps(m))
#define V_ADD(a, b) _mm256_add_ps(a, b)
#define V_SUB(a, b) _mm256_sub_ps(a, b)
#define V_MUL(a, b) _mm256_mul_ps(a, b)
#define V_DIV(a, b) _mm256_div_ps(a, b)
#define V_MIN(a, b) _mm256_min_ps(a, b)
#define V_MAX(a, b) _mm256_max_ps(a, b)
#define V_FMADD(a, b, c) _mm256_fmadd_ps(a, b, c)
#define V_FNMADD(a, b, c) _mm256_fnmadd_ps(a, b, c)
#define V_ABS(a) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a)
#define V_SELECT_LT(x, y, a, b) _mm256_blendv_ps(a, b, _mm256_cmp_ps(x, y, _CMP_LT_OQ))
#define V_ROUND(x) _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define V_SCALE2(y, n) scale2(y, n)
#define V_REDUCE_ADD(v) reduce_add8(v)
#define V_REDUCE_MAX(v) reduce_max8(v)
#define V_TRANSPOSE(r) transpose8(r)
#define V_PREFETCHW(p) prefetchw(p)

// Tile shapes (16 ymm registers): the GEMM's 6 × 16 tile holds 12 accumulators, 2 B vectors
// and a broadcast (BLIS's Haswell sgemm shape; 4 × 24 would leave a masked tail panel on
// widths of 64·k); attention's register tiles take 4 rows × 2 vectors (8 accumulators), each
// 8-row tile in two; the bias gradient sums 32 columns per sweep (its masks are registers too).
#define GEMM_NV 2
#define ATT_RT 4
#define BIAS_NV 4

#include "GenericKernels.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else
typedef int icrl_kernels256_not_built;  // arm64: Dispatch.c's kernels abort
#endif
