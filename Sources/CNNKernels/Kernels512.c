// The generic kernels (GenericKernels.h) built for AVX-512 (F, DQ, BW, VL) + FMA: the vector
// layer in 512-bit intrinsics, 16 lanes, opmask registers for the masks. Every function of this
// unit gets the AVX-512 target, so the package still builds for generic x86-64 and Dispatch.c
// calls these only where icrl_nn_avx512_available(). Names end in _avx512.
#include "KernelList.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "VectorMath512.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,fma")
#endif

#define ICRL_ISA(name) name##_avx512
#define VW 16
typedef __m512 vf;
typedef __mmask16 vmask;
#define V_INLINE static inline __attribute__((always_inline))

#define V_ZERO() _mm512_setzero_ps()
#define V_SET1(x) _mm512_set1_ps(x)
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_LOADA(p) _mm512_load_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps(p, v)
#define V_STOREA(p, v) _mm512_store_ps(p, v)
#define V_STREAM(p, v) _mm512_stream_ps(p, v)
#define V_MASK(n) icrl_mask(n)
#define V_MASK_ALL ((__mmask16)0xFFFF)
#define V_MLOAD(m, p) _mm512_maskz_loadu_ps(m, p)
#define V_MLOAD_OR(f, m, p) _mm512_mask_loadu_ps(f, m, p)
#define V_MSTORE(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define V_MASKZ(m, v) _mm512_maskz_mov_ps(m, v)
#define V_MASK_MAX(s, m, a, b) _mm512_mask_max_ps(s, m, a, b)
#define V_ADD(a, b) _mm512_add_ps(a, b)
#define V_SUB(a, b) _mm512_sub_ps(a, b)
#define V_MUL(a, b) _mm512_mul_ps(a, b)
#define V_DIV(a, b) _mm512_div_ps(a, b)
#define V_MIN(a, b) _mm512_min_ps(a, b)
#define V_MAX(a, b) _mm512_max_ps(a, b)
#define V_FMADD(a, b, c) _mm512_fmadd_ps(a, b, c)
#define V_FNMADD(a, b, c) _mm512_fnmadd_ps(a, b, c)
#define V_ABS(a) _mm512_abs_ps(a)
#define V_SELECT_LT(x, y, a, b) _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, y, _CMP_LT_OQ), a, b)
#define V_ROUND(x) _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define V_SCALE2(y, n) _mm512_scalef_ps(y, n)
#define V_REDUCE_ADD(v) _mm512_reduce_add_ps(v)
#define V_REDUCE_MAX(v) _mm512_reduce_max_ps(v)
#define V_TRANSPOSE(r) transpose16(r)
#define V_PREFETCHW(p) icrl_prefetchw(p)

/// icrl_transpose16x16 on float rows (the shuffles work on dwords; the casts are free).
V_INLINE void transpose16(vf r[16]) {
    __m512i x[16];
    for (int i = 0; i < 16; i++) x[i] = _mm512_castps_si512(r[i]);
    icrl_transpose16x16(x);
    for (int i = 0; i < 16; i++) r[i] = _mm512_castsi512_ps(x[i]);
}

// Tile shapes (32 zmm registers): the GEMM's 6 × 64 tile holds 24 accumulators, 4 B vectors
// and a broadcast; attention's 8-row tiles hold 16 accumulators (8 rows × 2 vectors).
#define GEMM_NV 4
#define ATT_RT 8
#define BIAS_NV 4

#include "GenericKernels.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else
typedef int icrl_kernels512_not_built;  // arm64: Dispatch.c's kernels abort
#endif
