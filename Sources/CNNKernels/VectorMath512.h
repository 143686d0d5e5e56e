// AVX-512 helpers shared by the AVX-512 build of the generic kernels (Kernels512.c) and the
// AMX GEMMs (MatmulAMX.c): lane masks, a write prefetch and a 16 × 16 transpose. The vector
// math itself (exp, tanh, GELU, softmax) is width-generic, in GenericVectorMath.h.
#ifndef ICRL_VECTORMATH512_H
#define ICRL_VECTORMATH512_H

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#define ICRL_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))
#define ICRL_INLINE static inline __attribute__((always_inline)) ICRL_AVX512

/// Lanes [0, n) of a 16-lane vector (none for n <= 0, all for n >= 16).
ICRL_INLINE __mmask16 icrl_mask(long n) {
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/// Asks for the line at p with intent to write (PREFETCHW, on every AVX-512 CPU), through
/// asm so that callers need no extra target feature.
ICRL_INLINE void icrl_prefetchw(const void *p) { __asm__ volatile("prefetchw %0" : : "m"(*(const char *)p)); }

/// Transposes a 16 × 16 matrix of dwords held as 16 row vectors.
ICRL_INLINE void icrl_transpose16x16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    // u[4g + c] holds, in 128-bit lane l, column 4l + c' of rows 4g..4g+3 (c' = order of c).
    for (int g = 0; g < 16; g += 8) {
        for (int c = 0; c < 4; c++) {
            t[g + c] = _mm512_shuffle_i32x4(u[g + c], u[g + 4 + c], 0x88);
            t[g + 4 + c] = _mm512_shuffle_i32x4(u[g + c], u[g + 4 + c], 0xDD);
        }
    }
    for (int c = 0; c < 8; c++) {
        r[c] = _mm512_shuffle_i32x4(t[c], t[8 + c], 0x88);
        r[8 + c] = _mm512_shuffle_i32x4(t[c], t[8 + c], 0xDD);
    }
}

#endif
#endif
