// Fused causal attention for training, one (sequence, head) at a time, width-generic
// (included by GenericKernels.h).
//
// Why not OpenBLAS here: each head's products have an inner dimension of hs = 32, so a
// GEMM call spends more on packing and C traffic than on arithmetic (17 GFLOP/s measured
// through cblas_sgemm against ~120 for the linear layers). These kernels keep the packed
// keys in L1 and compute scores, softmax and P·V for an 8-row tile while it is hot.
//
// Tiles: query rows in tiles of 8 on every path; a tile needs keys [0, min(i0 + 8, T)). Row i
// of P keeps keys 0...i and zeros up to the end of its tile, which the key-side backward
// (tiles of 8 keys, the same alignment) relies on. The register tiles cover ATT_RT rows of
// it (8 on AVX-512; 4 on AVX2, whose 16 registers do not hold 8 rows × 2 vectors) and two
// vectors of keys or dimensions (32 keys on AVX-512, 16 on AVX2).

#define TILE 8
#define KEY_CHUNK (2 * VW)

/// Rows of an 8-row tile's register tile starting at row rr, of `rows` in the tile (the
/// tile's rows themselves when one register tile covers it).
#define SUBTILE_ROWS(rows, rr) (ATT_RT >= TILE ? (rows) : ((rows) - (rr) < ATT_RT ? (rows) - (rr) : ATT_RT))

/// s[r, j] = scale · a_r · bt[:, j] for rows r < rows (<= ATT_RT) and keys j in
/// [j0, min(j0 + VW·nv, jend)). a_r = a + r·lda (hs values); bt: (hs, ldbt) transposed keys,
/// readable to j0 + KEY_CHUNK. With `vmax` (one vector per row), also folds each row's causal
/// scores (keys j ≤ diag + r) into its running lane-wise maximum, so the softmax needs no
/// separate max pass.
V_INLINE void scores_tile_n(float *s, long lds, const float *a, long lda, int rows,
                            const float *bt, long ldbt, long j0, long jend, int hs, float scale,
                            vf *vmax, long diag, const int nv) {
    // Every loop over the tile's rows is unrolled in full (rows past `rows` skipped by a
    // test per row), so the accumulators stay in registers: with the epilogue looping to a
    // run-time `rows`, clang kept them on the stack.
    const float *ar[ATT_RT];
    #pragma clang loop unroll(full)
    for (int r = 0; r < ATT_RT; r++) ar[r] = a + (r < rows ? r : 0) * lda;
    vf acc0[ATT_RT], acc1[ATT_RT];
    #pragma clang loop unroll(full)
    for (int r = 0; r < ATT_RT; r++) {
        acc0[r] = V_ZERO();
        acc1[r] = V_ZERO();
    }
    const float *b = bt + j0;
    for (int d = 0; d < hs; d++) {
        vf b0 = V_LOAD(b + d * ldbt), b1 = nv == 2 ? V_LOAD(b + d * ldbt + VW) : b0;
        #pragma clang loop unroll(full)
        for (int r = 0; r < ATT_RT; r++) {
            vf x = V_SET1(ar[r][d]);
            acc0[r] = V_FMADD(x, b0, acc0[r]);
            if (nv == 2) acc1[r] = V_FMADD(x, b1, acc1[r]);
        }
    }
    vmask m0 = V_MASK(jend - j0), m1 = V_MASK(jend - j0 - VW);
    vf vs = V_SET1(scale);
    #pragma clang loop unroll(full)
    for (int r = 0; r < ATT_RT; r++) {
        // A guarded body rather than a `break`: a loop with a run-time exit is not unrolled.
        if (r < rows) {
            vf s0 = V_MUL(acc0[r], vs), s1 = V_MUL(acc1[r], vs);
            V_MSTORE(s + r * lds + j0, m0, s0);
            V_MSTORE(s + r * lds + j0 + VW, m1, s1);
            if (vmax) {
                long causal = diag + r + 1 - j0;
                vmax[r] = V_MASK_MAX(vmax[r], V_MASK(causal), vmax[r], s0);
                vmax[r] = V_MASK_MAX(vmax[r], V_MASK(causal - VW), vmax[r], s1);
            }
        }
    }
}

/// scores_tile_n for the `rows` (<= 8) rows of a tile over KEY_CHUNK keys, or VW when no more
/// remain (the causal edge of a tile): the masked half would otherwise cost as much as a full
/// one. vmax: TILE vectors or NULL.
V_INLINE void scores_tile(float *s, long lds, const float *a, long lda, int rows,
                          const float *bt, long ldbt, long j0, long jend, int hs, float scale,
                          vf *vmax, long diag) {
    #pragma clang loop unroll(full)
    for (int rr = 0; rr < TILE; rr += ATT_RT) {
        if (rr < rows) {
            int sub = SUBTILE_ROWS(rows, rr);
            vf *vm = vmax ? vmax + rr : NULL;
            if (jend - j0 > VW)
                scores_tile_n(s + rr * lds, lds, a + rr * lda, lda, sub, bt, ldbt, j0, jend, hs, scale, vm, diag + rr, 2);
            else
                scores_tile_n(s + rr * lds, lds, a + rr * lda, lda, sub, bt, ldbt, j0, jend, hs, scale, vm, diag + rr, 1);
        }
    }
}

/// out_r[d0, d0 + VW·nv) = Σ_{j in [jbegin, jend)} coef(r, j) · v_j[d0, …) for rows r < rows
/// (<= ATT_RT), where out_r = out + r·ldo, coef(r, j) = c[r·cr + j·cj] and v_j = v + j·ldv.
/// `nv` (1 or 2) is a constant after inlining.
V_INLINE void combine_pass(float *out, long ldo, const float *c, long cr, long cj, int rows,
                           const float *v, long ldv, long jbegin, long jend, int d0, const int nv,
                           const float *rowscale) {
    const float *cp[ATT_RT];
    #pragma clang loop unroll(full)
    for (int r = 0; r < ATT_RT; r++) cp[r] = c + (r < rows ? r : 0) * cr;
    vf acc0[ATT_RT], acc1[ATT_RT];
    #pragma clang loop unroll(full)
    for (int r = 0; r < ATT_RT; r++) {
        acc0[r] = V_ZERO();
        acc1[r] = V_ZERO();
    }
    for (long j = jbegin; j < jend; j++) {
        const float *vr = v + j * ldv + d0;
        vf b0 = V_LOAD(vr);
        vf b1 = nv == 2 ? V_LOAD(vr + VW) : V_ZERO();
        long cjj = j * cj;
        #pragma clang loop unroll(full)
        for (int r = 0; r < ATT_RT; r++) {
            vf x = V_SET1(cp[r][cjj]);
            acc0[r] = V_FMADD(x, b0, acc0[r]);
            if (nv == 2) acc1[r] = V_FMADD(x, b1, acc1[r]);
        }
    }
    #pragma clang loop unroll(full)
    for (int r = 0; r < ATT_RT; r++) {
        if (r < rows) {
            vf k = V_SET1(rowscale ? rowscale[r] : 1.0f);
            V_STORE(out + r * ldo + d0, V_MUL(acc0[r], k));
            if (nv == 2) V_STORE(out + r * ldo + d0 + VW, V_MUL(acc1[r], k));
        }
    }
}

/// All hs dimensions of `combine_pass` for the `rows` (<= 8) rows of a tile, 2·VW at a time
/// (hs is a multiple of 16); output row r is multiplied by rowscale[r] when `rowscale` is not
/// NULL.
V_INLINE void combine(float *out, long ldo, const float *c, long cr, long cj, int rows,
                      const float *v, long ldv, long jbegin, long jend, int hs, const float *rowscale) {
    #pragma clang loop unroll(full)
    for (int rr = 0; rr < TILE; rr += ATT_RT) {
        if (rr < rows) {
            int sub = SUBTILE_ROWS(rows, rr);
            float *o = out + rr * ldo;
            const float *cc = c + rr * cr, *rs = rowscale ? rowscale + rr : NULL;
            int d0 = 0;
            for (; d0 + 2 * VW <= hs; d0 += 2 * VW) combine_pass(o, ldo, cc, cr, cj, sub, v, ldv, jbegin, jend, d0, 2, rs);
            if (d0 < hs) combine_pass(o, ldo, cc, cr, cj, sub, v, ldv, jbegin, jend, d0, 1, rs);
        }
    }
}

/// bt (hs, ldbt) = the hs columns of x's t rows (stride ldx), transposed; columns t..<ldbt zero.
/// hs must be a multiple of 16 and ldbt of 16, at least t rounded up to 16; bt vector-aligned.
V_INLINE void pack_transposed(float *bt, long ldbt, const float *x, long ldx, int t, int hs) {
    // VW × VW blocks transposed in registers (scalar stores cost ~7% of the forward kernel);
    // rows past t load as zeros.
    for (int j0 = 0; j0 < t; j0 += VW) {
        for (int d0 = 0; d0 < hs; d0 += VW) {
            vf r[VW];
            for (int jj = 0; jj < VW; jj++) r[jj] = j0 + jj < t ? V_LOAD(x + (long)(j0 + jj) * ldx + d0) : V_ZERO();
            V_TRANSPOSE(r);
            for (int dd = 0; dd < VW; dd++) V_STOREA(bt + (d0 + dd) * ldbt + j0, r[dd]);
        }
    }
    for (int d = 0; d < hs; d++)
        for (long j = (t + VW - 1) / VW * VW; j < ldbt; j += VW) V_STOREA(bt + d * ldbt + j, V_ZERO());
}

/// Row stride of packed transposed keys or values: T rounded up to 32 keys (a whole number
/// of score chunks on every path), plus 16 so that rows a power of two apart do not share L1
/// sets (the packing writes a column of VW rows at a time).
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

/// Copies `rows` finished rows of P, keys [0, jend), from the tile buffer to the saved
/// probabilities. Streaming stores where rows are vector-aligned: P is read again only in
/// the backward pass, and 1 MB per block and layer written through the cache would evict
/// the activations the next kernels are about to read.
V_INLINE void save_tile(float *p, long t, const float *tile, long ldt, int rows, long jend) {
    for (int r = 0; r < rows; r++) {
        float *dst = p + r * t;
        const float *src = tile + r * ldt;
        long j = 0;
        if (((uintptr_t)dst & (sizeof(vf) - 1)) == 0)
            for (; j + VW <= jend; j += VW) V_STREAM(dst + j, V_LOADA(src + j));
        for (; j < jend; j += VW) V_MSTORE(dst + j, V_MASK(jend - j), V_LOADA(src + j));
    }
}

void ICRL_ISA(icrl_attention_forward)(float *out, float *att, long att_stride, const float *qkv,
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
                vf vmax[TILE];
                #pragma clang loop unroll(full)
                for (int r = 0; r < TILE; r++) vmax[r] = V_SET1(-INFINITY);
                for (long j0 = 0; j0 < jend; j0 += KEY_CHUNK)
                    scores_tile(tile, tp, q + i0 * c3, c3, rows, kt, tp, j0, jend, hs, scale, vmax, i0);
                float rowmax[TILE];
                #pragma clang loop unroll(full)
                for (int r = 0; r < TILE; r++) rowmax[r] = V_REDUCE_MAX(vmax[r]);
                // Softmax: one exp-and-sum pass per row. Training keeps normalised
                // probabilities for the backward pass; inference (att_stride 0) scales the
                // output rows instead.
                float inv[TILE];
                for (int r = 0; r < rows; r++) {
                    long i = i0 + r;
                    float *row = tile + r * tp;
                    inv[r] = 1.0f / exp_sum_row(row, i + 1, rowmax[r]);
                    if (p) scale_row(row, i + 1, inv[r]);
                    // Zeros to the tile's end: fewer than 8 <= VW.
                    V_MSTORE(row + i + 1, V_MASK(jend - i - 1), V_ZERO());
                }
                // The next tile's output lines, for writing: in training they sit in an
                // activation buffer last touched a step ago.
                for (long r = i0 + TILE; r < i0 + 2 * TILE && r < t; r++)
                    for (int d = 0; d < hs; d += 16) V_PREFETCHW(o + r * c + d);
                combine(o + (long)i0 * c, c, tile, tp, 1, rows, v, c3, 0, jend, hs, p ? NULL : inv);
                if (p) save_tile(p + (long)i0 * t, t, tile, tp, rows, jend);
            }
        }
    }
    _mm_sfence();
    free(tile);
    free(kt);
}

void ICRL_ISA(icrl_attention_backward)(float *dqkv, float *scratch, const float *dout, const float *qkv,
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
                for (long j0 = 0; j0 < jend; j0 += KEY_CHUNK)
                    scores_tile(ds + (long)i0 * t, t, d_o + (long)i0 * c, c, rows, vt, tp, j0, jend, hs, 1.0f, NULL, 0);
                // dS = scale · P ⊙ (dP − Σⱼ P·dP), zero past the diagonal to the tile's end.
                for (int r = 0; r < rows; r++) {
                    long i = i0 + r, n = i + 1;
                    const float *pr = p + i * t;
                    float *dr = ds + i * t;
                    vf dot = V_SET1(dot_row(pr, dr, n)), vs = V_SET1(scale);
                    for (long j = 0; j < n; j += VW) {
                        vmask m = V_MASK(n - j);
                        vf x = V_SUB(V_MLOAD(m, dr + j), dot);
                        x = V_MUL(V_MUL(V_MLOAD(m, pr + j), x), vs);
                        V_MSTORE(dr + j, m, x);
                    }
                    V_MSTORE(dr + n, V_MASK(jend - n), V_ZERO());
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

#undef TILE
#undef KEY_CHUNK
#undef SUBTILE_ROWS
