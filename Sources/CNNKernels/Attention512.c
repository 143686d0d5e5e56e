// Fused causal attention for training, one (sequence, head) at a time.
//
// Why not OpenBLAS here: each head's products have an inner dimension of hs = 32, so a
// GEMM call spends more on packing and C traffic than on arithmetic (17 GFLOP/s measured
// through cblas_sgemm against ~120 for the linear layers). These kernels keep the packed
// keys in L1 and compute scores, softmax and P·V for an 8-row tile while it is hot.
//
// Tiles: query rows in tiles of 8; a tile needs keys [0, min(i0 + 8, T)). Row i of P keeps
// keys 0...i and zeros up to the end of its tile, which the key-side backward (tiles of 8
// keys, the same alignment) relies on.
#include "CNNKernels.h"
#include "VectorMath512.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)

#define TILE 8

/// s[r, j] = scale · a_r · bt[:, j] for rows r < rows and keys j in [j0, min(j0 + 32, jend)).
/// a_r = a + r·lda (hs values); bt: (hs, ldbt) transposed keys, readable to j0 + 32.
/// With `vmax` (8 vectors), also folds each row's causal scores (keys j ≤ diag + r) into its
/// running lane-wise maximum, so the softmax needs no separate max pass.
ICRL_INLINE void scores_tile_n(float *s, long lds, const float *a, long lda, int rows,
                               const float *bt, long ldbt, long j0, long jend, int hs, float scale,
                               __m512 *vmax, long diag, const int nv) {
    // Every loop over the tile's rows is unrolled in full (rows past `rows` skipped by a
    // test per row), so the accumulators stay in registers: with the epilogue looping to a
    // run-time `rows`, clang kept them on the stack.
    const float *ar[TILE];
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE; r++) ar[r] = a + (r < rows ? r : 0) * lda;
    __m512 acc0[TILE], acc1[TILE];
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE; r++) {
        acc0[r] = _mm512_setzero_ps();
        acc1[r] = _mm512_setzero_ps();
    }
    const float *b = bt + j0;
    for (int d = 0; d < hs; d++) {
        __m512 b0 = _mm512_loadu_ps(b + d * ldbt), b1 = nv == 2 ? _mm512_loadu_ps(b + d * ldbt + 16) : b0;
        #pragma clang loop unroll(full)
        for (int r = 0; r < TILE; r++) {
            __m512 x = _mm512_set1_ps(ar[r][d]);
            acc0[r] = _mm512_fmadd_ps(x, b0, acc0[r]);
            if (nv == 2) acc1[r] = _mm512_fmadd_ps(x, b1, acc1[r]);
        }
    }
    __mmask16 m0 = icrl_mask(jend - j0), m1 = icrl_mask(jend - j0 - 16);
    __m512 vs = _mm512_set1_ps(scale);
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE; r++) {
        // A guarded body rather than a `break`: a loop with a run-time exit is not unrolled.
        if (r < rows) {
            __m512 s0 = _mm512_mul_ps(acc0[r], vs), s1 = _mm512_mul_ps(acc1[r], vs);
            _mm512_mask_storeu_ps(s + r * lds + j0, m0, s0);
            _mm512_mask_storeu_ps(s + r * lds + j0 + 16, m1, s1);
            if (vmax) {
                long causal = diag + r + 1 - j0;
                vmax[r] = _mm512_mask_max_ps(vmax[r], icrl_mask(causal), vmax[r], s0);
                vmax[r] = _mm512_mask_max_ps(vmax[r], icrl_mask(causal - 16), vmax[r], s1);
            }
        }
    }
}

/// scores_tile_n over 32 keys, or 16 when no more remain (the causal edge of a tile): the
/// masked half would otherwise cost as much as a full one.
ICRL_INLINE void scores_tile(float *s, long lds, const float *a, long lda, int rows,
                             const float *bt, long ldbt, long j0, long jend, int hs, float scale,
                             __m512 *vmax, long diag) {
    if (jend - j0 > 16)
        scores_tile_n(s, lds, a, lda, rows, bt, ldbt, j0, jend, hs, scale, vmax, diag, 2);
    else
        scores_tile_n(s, lds, a, lda, rows, bt, ldbt, j0, jend, hs, scale, vmax, diag, 1);
}

/// out_r[d0, d0 + 16·nv) = Σ_{j in [jbegin, jend)} coef(r, j) · v_j[d0, …) for rows r < rows,
/// where out_r = out + r·ldo, coef(r, j) = c[r·cr + j·cj] and v_j = v + j·ldv. `nv` (1 or 2)
/// is a constant after inlining.
ICRL_INLINE void combine_pass(float *out, long ldo, const float *c, long cr, long cj, int rows,
                              const float *v, long ldv, long jbegin, long jend, int d0, const int nv,
                              const float *rowscale) {
    const float *cp[TILE];
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE; r++) cp[r] = c + (r < rows ? r : 0) * cr;
    __m512 acc0[TILE], acc1[TILE];
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE; r++) {
        acc0[r] = _mm512_setzero_ps();
        acc1[r] = _mm512_setzero_ps();
    }
    for (long j = jbegin; j < jend; j++) {
        const float *vr = v + j * ldv + d0;
        __m512 b0 = _mm512_loadu_ps(vr);
        __m512 b1 = nv == 2 ? _mm512_loadu_ps(vr + 16) : _mm512_setzero_ps();
        long cjj = j * cj;
        #pragma clang loop unroll(full)
        for (int r = 0; r < TILE; r++) {
            __m512 x = _mm512_set1_ps(cp[r][cjj]);
            acc0[r] = _mm512_fmadd_ps(x, b0, acc0[r]);
            if (nv == 2) acc1[r] = _mm512_fmadd_ps(x, b1, acc1[r]);
        }
    }
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE; r++) {
        if (r < rows) {
            __m512 k = _mm512_set1_ps(rowscale ? rowscale[r] : 1.0f);
            _mm512_storeu_ps(out + r * ldo + d0, _mm512_mul_ps(acc0[r], k));
            if (nv == 2) _mm512_storeu_ps(out + r * ldo + d0 + 16, _mm512_mul_ps(acc1[r], k));
        }
    }
}

/// All hs dimensions of `combine_pass`, 32 at a time (hs is a multiple of 16); output row r
/// is multiplied by rowscale[r] when `rowscale` is not NULL.
ICRL_INLINE void combine(float *out, long ldo, const float *c, long cr, long cj, int rows,
                         const float *v, long ldv, long jbegin, long jend, int hs, const float *rowscale) {
    int d0 = 0;
    for (; d0 + 32 <= hs; d0 += 32) combine_pass(out, ldo, c, cr, cj, rows, v, ldv, jbegin, jend, d0, 2, rowscale);
    if (d0 < hs) combine_pass(out, ldo, c, cr, cj, rows, v, ldv, jbegin, jend, d0, 1, rowscale);
}

/// bt (hs, ldbt) = the hs columns of x's t rows (stride ldx), transposed; columns t..<ldbt zero.
/// hs must be a multiple of 16 and ldbt of 16, at least t rounded up to 16.
ICRL_INLINE void pack_transposed(float *bt, long ldbt, const float *x, long ldx, int t, int hs) {
    // 16 × 16 blocks transposed in registers (scalar stores cost ~7% of the forward kernel);
    // rows past t load as zeros.
    for (int j0 = 0; j0 < t; j0 += 16) {
        for (int d0 = 0; d0 < hs; d0 += 16) {
            __m512i r[16];
            for (int jj = 0; jj < 16; jj++)
                r[jj] = j0 + jj < t ? _mm512_castps_si512(_mm512_loadu_ps(x + (long)(j0 + jj) * ldx + d0)) : _mm512_setzero_si512();
            icrl_transpose16x16(r);
            for (int dd = 0; dd < 16; dd++) _mm512_store_si512((__m512i *)(bt + (d0 + dd) * ldbt + j0), r[dd]);
        }
    }
    for (int d = 0; d < hs; d++)
        for (long j = (t + 15) / 16 * 16; j < ldbt; j += 16) _mm512_store_ps(bt + d * ldbt + j, _mm512_setzero_ps());
}

/// Row stride of packed transposed keys or values: T rounded up to the 32-key chunks the
/// score tiles read, plus 16 so that rows a power of two apart do not share L1 sets (the
/// packing writes a column of 32 rows at a time).
static inline long packed_stride(int t) { return (t + 31) / 32 * 32 + 16; }

/// Scratch for packed keys or values, 64-byte aligned; a failed allocation stops the
/// process with a message rather than writing through NULL.
static float *packed_buffer(int hs, long tp) {
    float *p = aligned_alloc(64, (size_t)hs * (size_t)tp * sizeof(float));
    if (!p) {
        fputs("icrl: out of memory for the attention kernels' packed keys\n", stderr);
        abort();
    }
    return p;
}

/// Σ_{j < n} a[j]·b[j].
ICRL_INLINE float dot_row(const float *a, const float *b, long n) {
    __m512 acc = _mm512_setzero_ps();
    for (long j = 0; j < n; j += 16) {
        __mmask16 m = icrl_mask(n - j);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + j), _mm512_maskz_loadu_ps(m, b + j), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

/// Copies `rows` finished rows of P, keys [0, jend), from the tile buffer to the saved
/// probabilities. Streaming stores where rows are 64-byte aligned: P is read again only in
/// the backward pass, and 1 MB per block and layer written through the cache would evict
/// the activations the next kernels are about to read.
ICRL_INLINE void save_tile(float *p, long t, const float *tile, long ldt, int rows, long jend) {
    for (int r = 0; r < rows; r++) {
        float *dst = p + r * t;
        const float *src = tile + r * ldt;
        long j = 0;
        if (((uintptr_t)dst & 63) == 0)
            for (; j + 16 <= jend; j += 16) _mm512_stream_ps(dst + j, _mm512_load_ps(src + j));
        for (; j < jend; j += 16) _mm512_mask_storeu_ps(dst + j, icrl_mask(jend - j), _mm512_load_ps(src + j));
    }
}

ICRL_AVX512 void icrl_attention_forward(float *out, float *att, long att_stride, const float *qkv,
                                        int batch, int time, int channels, int heads) {
    const int t = time, c = channels, h = heads, hs = c / h;
    const long c3 = 3L * c, tp = packed_stride(t);
    const float scale = 1.0f / sqrtf((float)hs);
    float *kt = packed_buffer(hs, tp);
    // One 8-row tile of scores and probabilities, kept in L1 (the same padded stride as the
    // packed keys, a multiple of 16 floats, so its rows stay 64-byte aligned).
    float *tile = packed_buffer(TILE, tp);
    for (int s = 0; s < batch; s++) {
        for (int head = 0; head < h; head++) {
            const float *q = qkv + s * t * c3 + head * hs, *k = q + c, *v = q + 2 * c;
            float *p = att_stride ? att + (s * h + head) * att_stride : NULL;
            float *o = out + (long)s * t * c + head * hs;
            pack_transposed(kt, tp, k, c3, t, hs);
            for (int i0 = 0; i0 < t; i0 += TILE) {
                int rows = t - i0 < TILE ? t - i0 : TILE;
                long jend = i0 + rows;
                __m512 vmax[TILE];
                #pragma clang loop unroll(full)
                for (int r = 0; r < TILE; r++) vmax[r] = _mm512_set1_ps(-INFINITY);
                for (long j0 = 0; j0 < jend; j0 += 32)
                    scores_tile(tile, tp, q + i0 * c3, c3, rows, kt, tp, j0, jend, hs, scale, vmax, i0);
                float rowmax[TILE];
                #pragma clang loop unroll(full)
                for (int r = 0; r < TILE; r++) rowmax[r] = _mm512_reduce_max_ps(vmax[r]);
                // Softmax: one exp-and-sum pass per row. Training keeps normalised
                // probabilities for the backward pass; inference (att_stride 0) scales the
                // output rows instead.
                float inv[TILE];
                for (int r = 0; r < rows; r++) {
                    long i = i0 + r;
                    float *row = tile + r * tp;
                    inv[r] = 1.0f / icrl_exp_sum_row(row, i + 1, rowmax[r]);
                    if (p) icrl_scale_row(row, i + 1, inv[r]);
                    _mm512_mask_storeu_ps(row + i + 1, icrl_mask(jend - i - 1), _mm512_setzero_ps());
                }
                // The next tile's output lines, for writing: in training they sit in an
                // activation buffer last touched a step ago.
                for (long r = i0 + TILE; r < i0 + 2 * TILE && r < t; r++)
                    for (int d = 0; d < hs; d += 16) icrl_prefetchw(o + r * c + d);
                combine(o + (long)i0 * c, c, tile, tp, 1, rows, v, c3, 0, jend, hs, p ? NULL : inv);
                if (p) save_tile(p + (long)i0 * t, t, tile, tp, rows, jend);
            }
        }
    }
    _mm_sfence();
    free(tile);
    free(kt);
}

ICRL_AVX512 void icrl_attention_backward(float *dqkv, float *scratch, const float *dout, const float *qkv,
                                         const float *att, int batch, int time, int channels, int heads) {
    const int t = time, c = channels, h = heads, hs = c / h;
    const long c3 = 3L * c, tp = packed_stride(t);
    const float scale = 1.0f / sqrtf((float)hs);
    float *vt = packed_buffer(hs, tp);
    float *ds = scratch;
    for (int s = 0; s < batch; s++) {
        for (int head = 0; head < h; head++) {
            const float *q = qkv + s * t * c3 + head * hs, *k = q + c, *v = q + 2 * c;
            float *dq = dqkv + s * t * c3 + head * hs, *dk = dq + c, *dv = dq + 2 * c;
            const float *p = att + (long)(s * h + head) * t * t;
            const float *d_o = dout + (long)s * t * c + head * hs;
            pack_transposed(vt, tp, v, c3, t, hs);
            for (int i0 = 0; i0 < t; i0 += TILE) {
                int rows = t - i0 < TILE ? t - i0 : TILE;
                long jend = i0 + rows;
                // dP = dO · Vᵀ on the tile's keys.
                for (long j0 = 0; j0 < jend; j0 += 32)
                    scores_tile(ds + (long)i0 * t, t, d_o + (long)i0 * c, c, rows, vt, tp, j0, jend, hs, 1.0f, NULL, 0);
                // dS = scale · P ⊙ (dP − Σⱼ P·dP), zero past the diagonal to the tile's end.
                for (int r = 0; r < rows; r++) {
                    long i = i0 + r, n = i + 1;
                    const float *pr = p + i * t;
                    float *dr = ds + i * t;
                    __m512 dot = _mm512_set1_ps(dot_row(pr, dr, n)), vs = _mm512_set1_ps(scale);
                    for (long j = 0; j < n; j += 16) {
                        __mmask16 m = icrl_mask(n - j);
                        __m512 x = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, dr + j), dot);
                        x = _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, pr + j), x), vs);
                        _mm512_mask_storeu_ps(dr + j, m, x);
                    }
                    _mm512_mask_storeu_ps(dr + n, icrl_mask(jend - n), _mm512_setzero_ps());
                }
                // dQ = dS · K.
                combine(dq + i0 * c3, c3, ds + (long)i0 * t, t, 1, rows, k, c3, 0, jend, hs, NULL);
            }
            // dK = dSᵀ · Q and dV = Pᵀ · dO, by key tile: keys [j0, j0 + 8) see queries [j0, T).
            for (int j0 = 0; j0 < t; j0 += TILE) {
                int rows = t - j0 < TILE ? t - j0 : TILE;
                combine(dk + j0 * c3, c3, ds + j0, 1, t, rows, q, c3, j0, t, hs, NULL);
                combine(dv + j0 * c3, c3, p + j0, 1, t, rows, d_o, c, j0, t, hs, NULL);
            }
        }
    }
    free(vt);
}

#else

void icrl_attention_forward(float *out, float *att, long att_stride, const float *qkv,
                            int batch, int time, int channels, int heads) {
    (void)out; (void)att; (void)att_stride; (void)qkv; (void)batch; (void)time; (void)channels; (void)heads;
    abort();
}

void icrl_attention_backward(float *dqkv, float *scratch, const float *dout, const float *qkv,
                             const float *att, int batch, int time, int channels, int heads) {
    (void)dqkv; (void)scratch; (void)dout; (void)qkv; (void)att; (void)batch; (void)time; (void)channels; (void)heads;
    abort();
}

#endif
