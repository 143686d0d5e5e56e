// GEMMs for the linear layers, shaped for a transformer's small inner dimensions,
// width-generic (included by GenericKernels.h).
//
// OpenBLAS packs both operands on every call; with inner dimensions of 128 that packing
// and its per-call set-up cost about a third of the linear layers' time here (session 4
// profile). These kernels need no packing of the activations: a register tile of 6 rows ×
// PANEL columns (6 × 64 on AVX-512, 6 × 16 on AVX2) broadcasts A straight from its rows (or
// columns, for the weight gradient) and streams B rows, which are either the weight matrix
// itself or, for the forward pass, its transpose packed once per call into PANEL-column
// panels. Bias and residual are added in the epilogue.

enum { TILE_ROWS = 6, PANEL = GEMM_NV * VW, PANEL_LINES = PANEL / 16, ROW_BLOCK = 192, DEPTH_BLOCK = 128 };

/// Where one call's B operand lives: panel p (PANEL columns) starts at b + p * panel_stride,
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

/// A tile's load of VW floats: masked (m) in a panel narrower than PANEL, whole otherwise.
V_INLINE vf tile_load(int masked, vmask m, const float *p) { return masked ? V_MLOAD(m, p) : V_LOAD(p); }

/// A tile's store of VW floats, masked like tile_load.
V_INLINE void tile_store(int masked, float *p, vmask m, vf v) {
    if (masked)
        V_MSTORE(p, m, v);
    else
        V_STORE(p, v);
}

/// acc (rows × PANEL) += A (rows, depth) · B (depth, PANEL) and the epilogue, for one tile.
/// A's element (i, k) is a[i * rs + k * cs]; `masked` selects masked B loads and stores
/// for a panel narrower than PANEL (lanes from `cols`). Inlined with constant rows/masked.
V_INLINE void gemm_tile(int rows, int masked, int layout, long depth, const float *a, long rs, long cs,
                        const float *b, long ldb, float *c, long ldc, long cols, const float *bias,
                        const float *residual, long ldr, const float *mul, int load_c, const char *pf, long pf_step) {
    // Every loop over the tile's rows and columns is unrolled in full, so `acc` stays in
    // registers: with the epilogue's loops left rolled, clang kept `acc` on the stack (a
    // 1.5 KB memset and 24 spills per tile call; the train step measured 3–12% slower).
    vf acc[TILE_ROWS][GEMM_NV];
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE_ROWS; r++)
        #pragma clang loop unroll(full)
        for (int j = 0; j < GEMM_NV; j++) acc[r][j] = V_ZERO();
    vmask mk[GEMM_NV];
    #pragma clang loop unroll(full)
    for (int j = 0; j < GEMM_NV; j++) mk[j] = masked ? V_MASK(cols - VW * j) : V_MASK_ALL;
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
        vf bv[GEMM_NV];
        #pragma clang loop unroll(full)
        for (int j = 0; j < GEMM_NV; j++) bv[j] = tile_load(masked, mk[j], bk + VW * j);
        #pragma clang loop unroll(full)
        for (int r = 0; r < TILE_ROWS; r++) {
            if (r >= rows) break;
            vf av = V_SET1(layout == 2 ? a[k * cs + r] : ar[r][k * cs]);
            #pragma clang loop unroll(full)
            for (int j = 0; j < GEMM_NV; j++) acc[r][j] = V_FMADD(av, bv[j], acc[r][j]);
        }
    }
    #pragma clang loop unroll(full)
    for (int r = 0; r < TILE_ROWS; r++) {
        if (r >= rows) break;
        float *cr = c + r * ldc;
        #pragma clang loop unroll(full)
        for (int j = 0; j < GEMM_NV; j++) {
            vf v = acc[r][j];
            if (load_c) v = V_ADD(v, tile_load(masked, mk[j], cr + VW * j));
            if (bias) v = V_ADD(v, tile_load(masked, mk[j], bias + VW * j));
            if (residual) v = V_ADD(v, tile_load(masked, mk[j], residual + r * ldr + VW * j));
            if (mul) v = V_MUL(v, tile_load(masked, mk[j], mul + r * ldc + VW * j));
            tile_store(masked, cr + VW * j, mk[j], v);
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
static void gemm_tile_any(int rows, long cols, long depth, const float *a, long rs, long cs,
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

#undef TILE_SWITCH
#undef TILE_CASE

/// GELU in place over a finished tile (still in L1), gelu' into `slope` when not NULL: the
/// elementwise kernels row by row, so every GELU rounds alike and the 36 tile
/// specialisations do not each inline a tanh.
static void gelu_tile(float *c, float *slope, long ldc, int rows, long cols) {
    long n = cols < PANEL ? cols : PANEL;
    for (int r = 0; r < rows; r++) {
        if (slope)
            ICRL_ISA(icrl_gelu_forward_slope)(c + r * ldc, slope + r * ldc, c + r * ldc, n);
        else
            ICRL_ISA(icrl_gelu_forward)(c + r * ldc, c + r * ldc, n);
    }
}

/// Asks for the next tile's output lines, with intent to write, while this one computes.
/// A training forward pass writes its outputs into activation buffers last touched a whole
/// step ago; without this, each tile's stores waited on those lines (the epilogue showed
/// as ~1% of a step, against ~0.2% in the inference pass, whose outputs stay in L2).
V_INLINE void prefetch_tile_for_write(float *c, long ldc, long cols) {
    long lines = cols < PANEL ? (cols + 15) / 16 : PANEL_LINES;
    for (int r = 0; r < TILE_ROWS; r++)
        for (long q = 0; q < lines; q++) V_PREFETCHW(c + r * ldc + 16 * q);
}

/// C (m, n) = A (m, depth) · B (depth, n) with the epilogue; depth is split into blocks
/// of `depth_block` (the epilogue's bias and residual join on the last block only).
///
/// Row blocks of 192 keep A's rows in L2 while every B panel passes over them.
static void gemm_core(long m, long n, long depth, const float *a, long rs, long cs, BOperand bop,
                      float *c, long ldc, Epilogue ep, long depth_block) {
    for (long k0 = 0; k0 < depth; k0 += depth_block) {
        long kk = depth - k0 < depth_block ? depth - k0 : depth_block;
        int last = k0 + kk >= depth, load_c = ep.load_c || k0 > 0;
        for (long m0 = 0; m0 < m; m0 += ROW_BLOCK) {
            long m1 = m0 + ROW_BLOCK < m ? m0 + ROW_BLOCK : m;
            for (long p = 0; p * PANEL < n; p++) {
                long j0 = p * PANEL, cols = n - j0;
                const float *bp = bop.b + p * bop.panel_stride + k0 * bop.ldb;
                // The next panel's kk rows, when it is a packed panel (ldb = PANEL: contiguous
                // rows of PANEL floats, PANEL_LINES lines each, kk · PANEL_LINES lines in all):
                // the first PANEL_LINES tiles prefetch a contiguous share each, one line per step.
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
                    int active = packed_next && m0 == 0 && quarter < PANEL_LINES;
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

long ICRL_ISA(icrl_linear_packed_size)(int c, int oc) { return (oc + PANEL - 1) / PANEL * PANEL * (long)c; }

void ICRL_ISA(icrl_linear_pack)(float *packed, const float *weight, int c, int oc) {
    long panels = (oc + PANEL - 1) / PANEL;
    // Panel p holds weightᵀ's columns PANEL·p ..< PANEL·(p + 1): row k = weight[PANEL·p + j][k],
    // zeros past oc and past c. VW × VW blocks transpose in registers.
    for (long j0 = 0; j0 < panels * PANEL; j0 += VW) {
        float *dst = packed + (j0 / PANEL) * PANEL * (long)c + j0 % PANEL;
        for (long k0 = 0; k0 < c; k0 += VW) {
            vf rows[VW];
            for (int jj = 0; jj < VW; jj++)
                rows[jj] = j0 + jj < oc ? V_MLOAD(V_MASK(c - k0), weight + (j0 + jj) * (long)c + k0) : V_ZERO();
            V_TRANSPOSE(rows);
            for (long kk = 0; kk < VW && k0 + kk < c; kk++) V_STORE(dst + (k0 + kk) * PANEL, rows[kk]);
        }
    }
}

void ICRL_ISA(icrl_linear_forward_packed)(float *out, const float *inp, const float *packed, const float *bias,
                                          const float *residual, long n, int c, int oc) {
    if (n <= 0 || oc <= 0) return;
    BOperand bop = {packed, PANEL, PANEL * (long)c};
    Epilogue ep = {0, bias, residual, oc, 0, NULL, NULL};
    gemm_core(n, oc, c, inp, c, 1, bop, out, oc, ep, c > 0 ? c : 1);
}

void ICRL_ISA(icrl_linear_gelu_forward_packed)(float *out, float *slope, const float *inp, const float *packed,
                                               const float *bias, long n, int c, int oc) {
    if (n <= 0 || oc <= 0) return;
    BOperand bop = {packed, PANEL, PANEL * (long)c};
    Epilogue ep = {0, bias, NULL, oc, 1, slope, NULL};
    gemm_core(n, oc, c, inp, c, 1, bop, out, oc, ep, c > 0 ? c : 1);
}

void ICRL_ISA(icrl_linear_forward)(float *out, const float *inp, const float *weight, const float *bias,
                                   const float *residual, long n, int c, int oc) {
    if (n <= 0 || oc <= 0) return;
    float *packed = pack_buffer(ICRL_ISA(icrl_linear_packed_size)(c, oc));
    ICRL_ISA(icrl_linear_pack)(packed, weight, c, oc);
    ICRL_ISA(icrl_linear_forward_packed)(out, inp, packed, bias, residual, n, c, oc);
}

/// Copies rows × cols of a row-major matrix (leading dimension ld) into PANEL-column panels:
/// panel p's row k is src[k][PANEL·p ..< PANEL·(p + 1)], zeros past cols. Read in place, a
/// panel's rows are `ld` floats apart; at ld = 128 or 512 floats they fall into a few L1
/// sets and evict each other (on AVX2 a 16-column panel uses one line of each 512-byte
/// row), so every tile fetched its panel again. Packed, the panel is contiguous: no set
/// conflicts, and the prefetcher streams it. Measured on the data-gradient GEMM
/// (scripts/matmul_kernels.sh, medians of alternating runs): AVX2 +19%, AVX-512 +10%.
static BOperand pack_rows(const float *src, long rows, long cols, long ld) {
    long panels = (cols + PANEL - 1) / PANEL;
    float *dst = pack_buffer(panels * PANEL * rows);
    for (long p = 0; p < panels; p++) {
        long j0 = p * PANEL;
        float *panel = dst + p * PANEL * rows;
        for (long k = 0; k < rows; k++) {
            const float *row = src + k * ld + j0;
            #pragma clang loop unroll(full)
            for (int j = 0; j < GEMM_NV; j++) V_STORE(panel + k * PANEL + VW * j, V_MLOAD(V_MASK(cols - j0 - VW * j), row + VW * j));
        }
    }
    BOperand bop = {dst, PANEL, PANEL * rows};
    return bop;
}

void ICRL_ISA(icrl_linear_backward_input_mul)(float *dinp, const float *dout, const float *weight, const float *mul,
                                              long n, int c, int oc) {
    if (n <= 0 || c <= 0) return;
    BOperand bop = pack_rows(weight, oc, c, c);
    Epilogue ep = {0, NULL, NULL, 0, 0, NULL, mul};
    gemm_core(n, c, oc, dout, oc, 1, bop, dinp, c, ep, oc > 0 ? oc : 1);
}

void ICRL_ISA(icrl_linear_backward_input)(float *dinp, const float *dout, const float *weight, long n, int c, int oc) {
    ICRL_ISA(icrl_linear_backward_input_mul)(dinp, dout, weight, NULL, n, c, oc);
}

void ICRL_ISA(icrl_linear_backward_weight)(float *dweight, const float *dout, const float *inp, long n, int c, int oc) {
    if (n <= 0 || c <= 0 || oc <= 0) return;
    // dweight (oc, c) += doutᵀ (oc, n) · inp (n, c): A's element (i, k) is dout[k * oc + i].
    // Read in place: packing the whole input (n rows) per call cost more than it saved, and
    // packing each depth block of 128 rows measured within noise (AVX2 +2%, AVX-512 −1%).
    BOperand bop = {inp, c, PANEL};
    Epilogue ep = {1, NULL, NULL, 0, 0, NULL, NULL};
    gemm_core(oc, c, n, dout, 1, oc, bop, dweight, c, ep, DEPTH_BLOCK);
}
