// Vector helpers shared by the AVX-512 kernels: exp and tanh with the same polynomial
// forms as Sources/NN/Kernels/VectorMath.swift, so both kernel paths round alike.
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

/// e^x to about 2 ulp (Cephes expf), inputs clamped to [-87, 88].
ICRL_INLINE __m512 icrl_exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 z = _mm512_mul_ps(r, r);
    __m512 y = _mm512_set1_ps(1.9875691500e-4f);
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.3981999507e-3f));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(8.3334519073e-3f));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(4.1665795894e-2f));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.6666665459e-1f));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(5.0000001201e-1f));
    y = _mm512_fmadd_ps(y, z, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(y, n);
}

/// tanh(x) to a few ulp: Eigen's rational approximation on [-7.9, 7.9], x below 4e-4.
ICRL_INLINE __m512 icrl_tanh512(__m512 input) {
    const __m512 bound = _mm512_set1_ps(7.90531110f);
    __m512 x = _mm512_min_ps(_mm512_max_ps(input, _mm512_sub_ps(_mm512_setzero_ps(), bound)), bound);
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.76076847742355e-16f), _mm512_set1_ps(2.00018790482477e-13f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-8.60467152213735e-11f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(5.12229709037114e-08f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(1.48572235717979e-05f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(6.37261928875436e-04f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(4.89352455891786e-03f));
    p = _mm512_mul_ps(x, p);
    __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(1.19825839466702e-06f), _mm512_set1_ps(1.18534705686654e-04f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(2.26843463243900e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(4.89352518554385e-03f));
    __m512 result = _mm512_div_ps(p, q);
    __mmask16 tiny = _mm512_cmp_ps_mask(_mm512_abs_ps(input), _mm512_set1_ps(0.0004f), _CMP_LT_OQ);
    return _mm512_mask_blend_ps(tiny, result, input);
}

/// GELU (tanh form) of x; with `slope`, also gelu'(x). The one definition every AVX-512
/// GELU uses (the elementwise kernels and the GEMM epilogue), so all round alike.
ICRL_INLINE __m512 icrl_gelu512(__m512 x, __m512 *slope) {
    const __m512 k0 = _mm512_set1_ps(0.7978845608028654f), k1 = _mm512_set1_ps(0.044715f), half = _mm512_set1_ps(0.5f);
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 t = icrl_tanh512(_mm512_mul_ps(k0, _mm512_fmadd_ps(_mm512_mul_ps(k1, x2), x, x)));
    __m512 h = _mm512_mul_ps(half, _mm512_add_ps(one, t));
    if (slope) {
        // gelu'(x) = ½(1 + t) + ½x(1 − t²)·k0·(1 + 3·k1·x²)
        __m512 sech2 = _mm512_fnmadd_ps(t, t, one);
        __m512 inner = _mm512_mul_ps(k0, _mm512_fmadd_ps(_mm512_set1_ps(3.0f * 0.044715f), x2, one));
        *slope = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(half, x), sech2), inner, h);
    }
    return _mm512_mul_ps(x, h);
}

/// a[j] = e^(a[j] − max) for j < n; returns the sum.
ICRL_INLINE float icrl_exp_sum_row(float *a, long n, float max) {
    __m512 vmax = _mm512_set1_ps(max), sum = _mm512_setzero_ps();
    for (long j = 0; j < n; j += 16) {
        __mmask16 m = icrl_mask(n - j);
        __m512 e = _mm512_maskz_mov_ps(m, icrl_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + j), vmax)));
        _mm512_mask_storeu_ps(a + j, m, e);
        sum = _mm512_add_ps(sum, e);
    }
    return _mm512_reduce_add_ps(sum);
}

/// a[j] *= k for j < n.
ICRL_INLINE void icrl_scale_row(float *a, long n, float k) {
    __m512 vk = _mm512_set1_ps(k);
    for (long j = 0; j < n; j += 16) {
        __mmask16 m = icrl_mask(n - j);
        _mm512_mask_storeu_ps(a + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + j), vk));
    }
}

/// Softmax of a[0, n) in place (n >= 1).
ICRL_INLINE void icrl_softmax_row(float *a, long n) {
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (long j = 0; j < n; j += 16) {
        __mmask16 m = icrl_mask(n - j);
        mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), m, a + j));
    }
    __m512 vmax = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
    __m512 sum = _mm512_setzero_ps();
    for (long j = 0; j < n; j += 16) {
        __mmask16 m = icrl_mask(n - j);
        __m512 e = icrl_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + j), vmax));
        e = _mm512_maskz_mov_ps(m, e);
        _mm512_mask_storeu_ps(a + j, m, e);
        sum = _mm512_add_ps(sum, e);
    }
    __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (long j = 0; j < n; j += 16) {
        __mmask16 m = icrl_mask(n - j);
        _mm512_mask_storeu_ps(a + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + j), inv));
    }
}

#endif
#endif
