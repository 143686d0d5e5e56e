// AVX-512 GEMMs for the linear layers, shaped for a transformer's small inner dimensions.
//
// OpenBLAS packs both operands on every call; with inner dimensions of 128 that packing
// and its per-call set-up cost about a third of the linear layers' time here (session 4
// profile). These kernels need no packing of the activations: a 6 × 64 register tile
// broadcasts A straight from its rows (or columns, for the weight gradient) and streams B
// rows, which are either the weight matrix itself or, for the forward pass, its transpose
// packed once per call into 64-column panels. Bias and residual are added in the epilogue.
#include "CNNKernels.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include "VectorMath512.h"

enum { TILE_ROWS = 6, PANEL = 64, ROW_BLOCK = 192, DEPTH_BLOCK = 128 };

/// Where one call's B operand lives: panel p (64 columns) starts at b + p * panel_stride,
/// its row k at + k * ldb.
typedef struct {
    const float *b;
    long ldb, panel_stride;
} BOperand;

/// Epilogue of one tile: c = acc (+ c when load_c) (+ bias) (+ residual) (⊙ mul), then
/// c = gelu(c) when `gelu`, with gelu'(c) into `slope` (like c, leading dimension ldc) when
/// not NULL.
typedef struct {
    int load_c;
    const float *bias;      // (n) or NULL, indexed by output column
    const float *residual;  // row-major like c with leading dimension ldr, or NULL
    long ldr;
    int gelu;
    float *slope;
    const float *mul;       // like c (leading dimension ldc), multiplied in last, or NULL
} Epilogue;

/// acc (rows × 64) += A (rows, depth) · B (depth, 64) and the epilogue, for one tile.
/// A's element (i, k) is a[i * rs + k * cs]; `masked` selects masked B loads and stores
/// for a panel narrower than 64 (lanes from `cols`). Inlined with constant rows/masked.
ICRL_INLINE void gemm_tile(int rows, int masked, int layout, long depth, const float *a, long rs, long cs,
                           const float *b, long ldb, float *c, long ldc, long cols, const float *bias,
                           const float *residual, long ldr, const float *mul, int load_c, const char *pf, long pf_step) {
    // Every loop over the tile's rows and columns is unrolled in full, so `acc` stays in
    // registers: with the epilogue's loops left rolled, clang kept `acc` on the stack (a
    // 1.5 KB memset and 24 spills per tile call; the train step measured 3–12% slower).
    __m512 acc[TILE_ROWS][4];
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE_ROWS; r++)
        #pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) acc[r][j] = _mm512_setzero_ps();
    __mmask16 mk[4];
    #pragma clang loop unroll(full)
    for (int j = 0; j < 4; j++) mk[j] = masked ? icrl_mask(cols - 16 * j) : (__mmask16)0xFFFF;
    // `layout` (a constant after inlining) spells out A's strides for the two callers, so
    // the loop addresses A with no per-step arithmetic: 1 = rows (cs = 1), 2 = columns
    // (rs = 1, the weight gradient's doutᵀ), 0 = general.
    if (layout == 1) cs = 1;
    if (layout == 2) rs = 1;
    const float *ar[TILE_ROWS];
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE_ROWS; r++) ar[r] = a + (r < rows ? r : 0) * rs;
    for (long k = 0; k < depth; k++) {
        const float *bk = b + k * ldb;
        // One line of the next B panel into L2 per step (pf_step 0 repeats a line already
        // in L1): weights evicted by a memory-bound phase (decoding's cache sweep) come
        // back while this panel computes instead of stalling the next one.
        _mm_prefetch(pf + k * pf_step, _MM_HINT_T1);
        __m512 b0, b1, b2, b3;
        if (masked) {
            b0 = _mm512_maskz_loadu_ps(mk[0], bk);
            b1 = _mm512_maskz_loadu_ps(mk[1], bk + 16);
            b2 = _mm512_maskz_loadu_ps(mk[2], bk + 32);
            b3 = _mm512_maskz_loadu_ps(mk[3], bk + 48);
        } else {
            b0 = _mm512_loadu_ps(bk);
            b1 = _mm512_loadu_ps(bk + 16);
            b2 = _mm512_loadu_ps(bk + 32);
            b3 = _mm512_loadu_ps(bk + 48);
        }
        #pragma clang loop unroll(full)
        for (int r = 0; r < TILE_ROWS; r++) {
            if (r >= rows) break;
            __m512 av = _mm512_set1_ps(layout == 2 ? a[k * cs + r] : ar[r][k * cs]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(av, b2, acc[r][2]);
            acc[r][3] = _mm512_fmadd_ps(av, b3, acc[r][3]);
        }
    }
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE_ROWS; r++) {
        if (r >= rows) break;
        float *cr = c + r * ldc;
        #pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {
            __m512 v = acc[r][j];
            if (load_c) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk[j], cr + 16 * j));
            if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk[j], bias + 16 * j));
            if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk[j], residual + r * ldr + 16 * j));
            if (mul) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(mk[j], mul + r * ldc + 16 * j));
            _mm512_mask_storeu_ps(cr + 16 * j, mk[j], v);
        }
    }
}

#define TILE_CASE(R, M, L)                                                                            \
    case R:                                                                                           \
        gemm_tile(R, M, L, depth, a, rs, cs, b, ldb, c, ldc, cols, bias, residual, ldr, mul, load_c, pf, pf_step); \
        break;
#define TILE_SWITCH(M, L)                                                                             \
    switch (rows) { TILE_CASE(6, M, L) TILE_CASE(5, M, L) TILE_CASE(4, M, L) TILE_CASE(3, M, L)       \
                    TILE_CASE(2, M, L) TILE_CASE(1, M, L) }

/// Dispatches to a tile specialised for its row count, masking and A's layout. Full
/// panels get the specialised A layouts; the masked tail panel, rarely hot, the general one.
ICRL_AVX512 static void gemm_tile_any(int rows, long cols, long depth, const float *a, long rs, long cs,
                                      const float *b, long ldb, float *c, long ldc, const float *bias,
                                      const float *residual, long ldr, const float *mul, int load_c, const char *pf,
                                      long pf_step) {
    if (cols < PANEL) {
        TILE_SWITCH(1, 0)
    } else if (cs == 1) {
        TILE_SWITCH(0, 1)
    } else if (rs == 1) {
        TILE_SWITCH(0, 2)
    } else {
        TILE_SWITCH(0, 0)
    }
}

/// GELU in place over a finished tile (still in L1), gelu' into `slope` when not NULL: the
/// elementwise kernels row by row, so every GELU rounds alike and the 36 tile
/// specialisations do not each inline a tanh.
static void gelu_tile(float *c, float *slope, long ldc, int rows, long cols) {
    long n = cols < PANEL ? cols : PANEL;
    for (int r = 0; r < rows; r++) {
        if (slope)
            icrl_gelu_forward_slope(c + r * ldc, slope + r * ldc, c + r * ldc, n);
        else
            icrl_gelu_forward(c + r * ldc, c + r * ldc, n);
    }
}

/// Asks for the next tile's output lines, with intent to write, while this one computes.
/// A training forward pass writes its outputs into activation buffers last touched a whole
/// step ago; without this, each tile's stores waited on those lines (the epilogue showed
/// as ~1% of a step, against ~0.2% in the inference pass, whose outputs stay in L2).
ICRL_INLINE void prefetch_tile_for_write(float *c, long ldc, long cols) {
    long lines = cols < PANEL ? (cols + 15) / 16 : PANEL / 16;
    for (int r = 0; r < TILE_ROWS; r++)
        for (long q = 0; q < lines; q++) icrl_prefetchw(c + r * ldc + 16 * q);
}

/// C (m, n) = A (m, depth) · B (depth, n) with the epilogue; depth is split into blocks
/// of `depth_block` (the epilogue's bias and residual join on the last block only).
///
/// Row blocks of 192 keep A's rows in L2 while every B panel passes over them.
ICRL_AVX512 static void gemm_core(long m, long n, long depth, const float *a, long rs, long cs, BOperand bop,
                                  float *c, long ldc, Epilogue ep, long depth_block) {
    for (long k0 = 0; k0 < depth; k0 += depth_block) {
        long kk = depth - k0 < depth_block ? depth - k0 : depth_block;
        int last = k0 + kk >= depth, load_c = ep.load_c || k0 > 0;
        for (long m0 = 0; m0 < m; m0 += ROW_BLOCK) {
            long m1 = m0 + ROW_BLOCK < m ? m0 + ROW_BLOCK : m;
            for (long p = 0; p * PANEL < n; p++) {
                long j0 = p * PANEL, cols = n - j0;
                const float *bp = bop.b + p * bop.panel_stride + k0 * bop.ldb;
                // The next panel's kk rows, when it is a packed panel (panel_stride > 64:
                // contiguous rows of 64 floats, 4 lines each): the first four tiles
                // prefetch a quarter each, one line per step.
                const int packed_next = bop.ldb == PANEL && (p + 1) * PANEL < n;
                // The first panel reads each tile's A rows for the first time in this row
                // block (later panels find them in L2): when those rows are contiguous, the
                // tiles that prefetch no B ask for the next tile's rows instead, spread
                // over the k loop (6 rows of kk floats in kk steps: 24 bytes a step).
                const int a_next = p == 0 && cs == 1 && rs == kk;
                const char *next = (const char *)(bop.b + (p + 1) * bop.panel_stride + k0 * bop.ldb);
                for (long i = m0; i < m1; i += TILE_ROWS) {
                    int rows = m1 - i < TILE_ROWS ? (int)(m1 - i) : TILE_ROWS;
                    long quarter = (i - m0) / TILE_ROWS;
                    int active = packed_next && m0 == 0 && quarter < 4;
                    const char *pf = active ? next + quarter * kk * 64 : (const char *)bp;
                    long pf_step = active ? 64 : 0;
                    if (!active && a_next && i + TILE_ROWS < m1) {
                        pf = (const char *)(a + (i + TILE_ROWS) * rs + k0);
                        pf_step = TILE_ROWS * (long)sizeof(float);
                    }
                    gemm_tile_any(rows, cols, kk, a + i * rs + k0 * cs, rs, cs, bp, bop.ldb, c + i * ldc + j0, ldc,
                                  last && ep.bias ? ep.bias + j0 : NULL,
                                  last && ep.residual ? ep.residual + i * ep.ldr + j0 : NULL, ep.ldr,
                                  last && ep.mul ? ep.mul + i * ldc + j0 : NULL, load_c,
                                  pf, pf_step);
                    if (last && ep.gelu)
                        gelu_tile(c + i * ldc + j0, ep.slope ? ep.slope + i * ldc + j0 : NULL, ldc, rows, cols);
                    if (i + TILE_ROWS < m1) {
                        prefetch_tile_for_write(c + (i + TILE_ROWS) * ldc + j0, ldc, cols);
                        if (last && ep.slope) prefetch_tile_for_write(ep.slope + (i + TILE_ROWS) * ldc + j0, ldc, cols);
                    }
                }
            }
        }
    }
}

/// A per-thread buffer for packed weights, grown as needed and kept for the thread's life.
static float *pack_buffer(long floats) {
    static __thread float *buffer = NULL;
    static __thread long capacity = 0;
    if (floats > capacity) {
        free(buffer);
        buffer = aligned_alloc(64, (size_t)((floats * 4 + 63) / 64 * 64));
        if (!buffer) {
            fprintf(stderr, "icrl: cannot allocate %ld bytes for GEMM packing\n", floats * 4);
            abort();
        }
        capacity = floats;
    }
    return buffer;
}

long icrl_linear_packed_size(int c, int oc) { return (oc + PANEL - 1) / PANEL * PANEL * (long)c; }

ICRL_AVX512 void icrl_linear_pack(float *packed, const float *weight, int c, int oc) {
    long panels = (oc + PANEL - 1) / PANEL;
    // Panel p holds weightᵀ's columns 64p ..< 64p + 64: row k = weight[64p + j][k], zeros
    // past oc and past c. 16 × 16 blocks transpose in registers.
    for (long j0 = 0; j0 < panels * PANEL; j0 += 16) {
        float *dst = packed + (j0 / PANEL) * PANEL * (long)c + j0 % PANEL;
        for (long k0 = 0; k0 < c; k0 += 16) {
            __m512i rows[16];
            for (int jj = 0; jj < 16; jj++)
                rows[jj] = j0 + jj < oc ? _mm512_castps_si512(_mm512_maskz_loadu_ps(icrl_mask(c - k0), weight + (j0 + jj) * (long)c + k0))
                                        : _mm512_setzero_si512();
            icrl_transpose16x16(rows);
            for (long kk = 0; kk < 16 && k0 + kk < c; kk++)
                _mm512_storeu_si512(dst + (k0 + kk) * PANEL, rows[kk]);
        }
    }
}

void icrl_linear_forward_packed(float *out, const float *inp, const float *packed, const float *bias,
                                const float *residual, long n, int c, int oc) {
    if (n <= 0 || oc <= 0) return;
    BOperand bop = {packed, PANEL, PANEL * (long)c};
    Epilogue ep = {0, bias, residual, oc, 0, NULL, NULL};
    gemm_core(n, oc, c, inp, c, 1, bop, out, oc, ep, c > 0 ? c : 1);
}

void icrl_linear_gelu_forward_packed(float *out, float *slope, const float *inp, const float *packed,
                                     const float *bias, long n, int c, int oc) {
    if (n <= 0 || oc <= 0) return;
    BOperand bop = {packed, PANEL, PANEL * (long)c};
    Epilogue ep = {0, bias, NULL, oc, 1, slope, NULL};
    gemm_core(n, oc, c, inp, c, 1, bop, out, oc, ep, c > 0 ? c : 1);
}

void icrl_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                         const float *residual, long n, int c, int oc) {
    if (n <= 0 || oc <= 0) return;
    float *packed = pack_buffer(icrl_linear_packed_size(c, oc));
    icrl_linear_pack(packed, weight, c, oc);
    icrl_linear_forward_packed(out, inp, packed, bias, residual, n, c, oc);
}

void icrl_linear_backward_input_mul(float *dinp, const float *dout, const float *weight, const float *mul, long n,
                                    int c, int oc) {
    if (n <= 0 || c <= 0) return;
    BOperand bop = {weight, c, PANEL};
    Epilogue ep = {0, NULL, NULL, 0, 0, NULL, mul};
    gemm_core(n, c, oc, dout, oc, 1, bop, dinp, c, ep, oc > 0 ? oc : 1);
}

void icrl_linear_backward_input(float *dinp, const float *dout, const float *weight, long n, int c, int oc) {
    icrl_linear_backward_input_mul(dinp, dout, weight, NULL, n, c, oc);
}

void icrl_linear_backward_weight(float *dweight, const float *dout, const float *inp, long n, int c, int oc) {
    if (n <= 0 || c <= 0 || oc <= 0) return;
    // dweight (oc, c) += doutᵀ (oc, n) · inp (n, c): A's element (i, k) is dout[k * oc + i].
    BOperand bop = {inp, c, PANEL};
    Epilogue ep = {1, NULL, NULL, 0, 0, NULL, NULL};
    gemm_core(oc, c, n, dout, 1, oc, bop, dweight, c, ep, DEPTH_BLOCK);
}

#else

long icrl_linear_packed_size(int c, int oc) { return (oc + 63) / 64 * 64 * (long)c; }
void icrl_linear_pack(float *packed, const float *weight, int c, int oc) { abort(); }
void icrl_linear_forward_packed(float *out, const float *inp, const float *packed, const float *bias,
                                const float *residual, long n, int c, int oc) { abort(); }
void icrl_linear_gelu_forward_packed(float *out, float *slope, const float *inp, const float *packed,
                                     const float *bias, long n, int c, int oc) { abort(); }
void icrl_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                         const float *residual, long n, int c, int oc) { abort(); }
void icrl_linear_backward_input(float *dinp, const float *dout, const float *weight, long n, int c, int oc) { abort(); }
void icrl_linear_backward_input_mul(float *dinp, const float *dout, const float *weight, const float *mul, long n,
                                    int c, int oc) { abort(); }
void icrl_linear_backward_weight(float *dweight, const float *dout, const float *inp, long n, int c, int oc) { abort(); }

#endif
