// The kernels of CNNKernels.h, written once over a vector of VW floats and compiled once per
// instruction set: a translation unit (Kernels512.c, Kernels256.c) defines the vector layer
// below with its intrinsics, applies its target attribute to every function, and includes this
// file. Not a header to include anywhere else; it has no include guard on purpose.
//
// The vector layer (a "lane" is one float of a vector; masks select lanes [0, n)):
//
//   ICRL_ISA(name)        name with the set's suffix (icrl_gelu_forward → icrl_gelu_forward_avx2)
//   VW                    lanes per vector (16 or 8)
//   vf, vmask             the float vector and lane-mask types
//   V_INLINE              static inline, always inlined (the target comes from the unit's pragma)
//   V_ZERO() V_SET1(x)    all zeros; x in every lane
//   V_LOAD(p) V_LOADA(p)  unaligned / vector-aligned load; V_STORE(p, v), V_STOREA(p, v) likewise
//   V_STREAM(p, v)        non-temporal store, p vector-aligned
//   V_MASK(n)             lanes [0, n) for any long n (none when n <= 0, all when n >= VW)
//   V_MASK_ALL            every lane
//   V_MLOAD(m, p)         masked load, zeros outside m (no access outside m)
//   V_MLOAD_OR(f, m, p)   masked load, f's lanes outside m
//   V_MSTORE(p, m, v)     masked store (no access outside m)
//   V_MASKZ(m, v)         v with the lanes outside m zeroed
//   V_MASK_MAX(s, m, a, b) max(a, b) in m's lanes, s's elsewhere
//   V_ADD V_SUB V_MUL V_DIV V_MIN V_MAX (a, b)
//   V_FMADD(a, b, c)      a·b + c, one rounding; V_FNMADD(a, b, c) = c − a·b
//   V_ABS(a)              |a|
//   V_SELECT_LT(x, y, a, b) b where x < y (ordered), else a
//   V_ROUND(x)            to the nearest integer, ties to even
//   V_SCALE2(y, n)        y · 2ⁿ for integral n in [-126, 127]
//   V_REDUCE_ADD(v) V_REDUCE_MAX(v)   horizontal sum / maximum, a float
//   V_TRANSPOSE(r)        transposes the VW × VW matrix held as vf r[VW] (row i → column i)
//   V_PREFETCHW(p)        prefetch of p's line with intent to write
//
// Tile shapes, chosen per set for its register file (32 zmm for AVX-512, 16 ymm for AVX2):
//
//   GEMM_NV   vectors per row of the GEMM's 6-row register tile (panel width GEMM_NV·VW)
//   ATT_RT    rows of the attention register tiles (8, or 4 to process an 8-row tile in two)
//   BIAS_NV   vectors per column strip of the bias gradient
//
// Everything else (loop orders, blockings, rounding) is shared, so the paths differ only in
// lane count and in the order of horizontal sums; the elementwise kernels (GELU, rotary) and
// exp round identically on every path.

#if !defined(VW) || !defined(ICRL_ISA) || !defined(GEMM_NV) || !defined(ATT_RT) || !defined(BIAS_NV)
#error "GenericKernels.h is included by a unit that defines the vector layer (Kernels512.c, Kernels256.c)"
#endif

#include "GenericVectorMath.h"
#include "GenericElementwise.h"
#include "GenericAttention.h"
#include "GenericGemm.h"
