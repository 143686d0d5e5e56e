// GELU, LayerNorm, rotary, bias gradient, decode attention and the memory yardstick,
// width-generic (included by GenericKernels.h).

// The GEMM's GELU epilogue calls the two forward kernels row by row; `noinline` keeps them
// calls there (one copy of tanh, out of gemm_core's registers), as when they lived in a unit
// of their own.
__attribute__((noinline)) void ICRL_ISA(icrl_gelu_forward)(float *out, const float *inp, long n) {
    for (long i = 0; i < n; i += VW) {
        vmask m = V_MASK(n - i);
        V_MSTORE(out + i, m, v_gelu(V_MLOAD(m, inp + i), NULL));
    }
}

__attribute__((noinline)) void ICRL_ISA(icrl_gelu_forward_slope)(float *out, float *slope, const float *inp, long n) {
    for (long i = 0; i < n; i += VW) {
        vmask m = V_MASK(n - i);
        vf d, y = v_gelu(V_MLOAD(m, inp + i), &d);
        V_MSTORE(out + i, m, y);
        V_MSTORE(slope + i, m, d);
    }
}

void ICRL_ISA(icrl_gelu_backward)(float *dinp, const float *slope, const float *dout, long n) {
    for (long i = 0; i < n; i += VW) {
        vmask m = V_MASK(n - i);
        V_MSTORE(dinp + i, m, V_MUL(V_MLOAD(m, slope + i), V_MLOAD(m, dout + i)));
    }
}

/// icrl_decode_attention_append's body; new_key NULL appends nothing.
V_INLINE void decode_attention(float *out, const float *q, float *keys, long w, float *values, long len, int hs,
                               float *scores, const float *new_key, const float *new_value, long slot) {
    const float scale = 1.0f / sqrtf((float)hs);
    // Scores: four key rows per sweep so the (hs, W) block streams in order while the
    // scores stay in L1.
    for (long j = 0; j < len; j += VW) V_MSTORE(scores + j, V_MASK(len - j), V_ZERO());
    for (int d = 0; d < hs; d += 4) {
        int rows = hs - d < 4 ? hs - d : 4;
        float *row = keys + d * w;
        // The new key's components go in just before their rows are read: the lines are
        // on their way (prefetched by the previous sweep), where a separate pass would
        // miss the cache once per component.
        if (new_key)
            for (int r = 0; r < rows; r++) row[r * w + slot] = new_key[d + r];
        const float *r0 = row;
        const float *r1 = rows > 1 ? r0 + w : r0, *r2 = rows > 2 ? r0 + 2 * w : r0, *r3 = rows > 3 ? r0 + 3 * w : r0;
        // Software prefetch of the next sweep's four rows (the values after the last
        // sweep), 16 bytes per key: each sweep starts a new 4 KB page, where the hardware
        // prefetcher would have to find the streams again. 11% faster over a 33 MB cache.
        const char *next = (const char *)(d + 4 < hs ? r0 + 4 * w : values);
        vf v0 = V_SET1(q[d] * scale);
        vf v1 = V_SET1(rows > 1 ? q[d + 1] * scale : 0.0f);
        vf v2 = V_SET1(rows > 2 ? q[d + 2] * scale : 0.0f);
        vf v3 = V_SET1(rows > 3 ? q[d + 3] * scale : 0.0f);
        // Whole vectors, then one masked tail: computing a mask per vector cost ~5% of a
        // decode step.
        long j = 0;
        for (; j + VW <= len; j += VW) {
            // Prefetches never fault, so running past the cache's end is harmless.
            for (int line = 0; line < VW / 4; line++) _mm_prefetch(next + 16 * j + 64 * line, _MM_HINT_T0);
            vf acc = V_LOAD(scores + j);
            acc = V_FMADD(v0, V_LOAD(r0 + j), acc);
            acc = V_FMADD(v1, V_LOAD(r1 + j), acc);
            acc = V_FMADD(v2, V_LOAD(r2 + j), acc);
            acc = V_FMADD(v3, V_LOAD(r3 + j), acc);
            V_STORE(scores + j, acc);
        }
        if (j < len) {
            for (int line = 0; line < VW / 4; line++) _mm_prefetch(next + 16 * j + 64 * line, _MM_HINT_T0);
            vmask m = V_MASK(len - j);
            vf acc = V_MLOAD(m, scores + j);
            acc = V_FMADD(v0, V_MLOAD(m, r0 + j), acc);
            acc = V_FMADD(v1, V_MLOAD(m, r1 + j), acc);
            acc = V_FMADD(v2, V_MLOAD(m, r2 + j), acc);
            acc = V_FMADD(v3, V_MLOAD(m, r3 + j), acc);
            V_MSTORE(scores + j, m, acc);
        }
    }
    softmax_row(scores, len);
    if (new_value)
        for (int d = 0; d < hs; d += VW) V_MSTORE(values + slot * hs + d, V_MASK(hs - d), V_MLOAD(V_MASK(hs - d), new_value + d));
    // P·V, 32 dimensions (32 / VW vectors) per sweep, with two partial sums each (even and
    // odd cache rows).
    enum { PV_NV = 32 / VW };
    int d0 = 0;
    for (; d0 + 32 <= hs; d0 += 32) {
        vf a[PV_NV], b[PV_NV];
        #pragma clang loop unroll(full)
        for (int v = 0; v < PV_NV; v++) a[v] = b[v] = V_ZERO();
        long j = 0;
        for (; j + 2 <= len; j += 2) {
            const float *x = values + j * hs + d0, *y = x + hs;
            // 1 KB ahead: the rows after this sweep's, then the next head's keys.
            for (int line = 0; line < 4; line++) _mm_prefetch((const char *)(x + 256) + 64 * line, _MM_HINT_T0);
            vf p = V_SET1(scores[j]), pn = V_SET1(scores[j + 1]);
            #pragma clang loop unroll(full)
            for (int v = 0; v < PV_NV; v++) a[v] = V_FMADD(p, V_LOAD(x + VW * v), a[v]);
            #pragma clang loop unroll(full)
            for (int v = 0; v < PV_NV; v++) b[v] = V_FMADD(pn, V_LOAD(y + VW * v), b[v]);
        }
        if (j < len) {
            const float *x = values + j * hs + d0;
            vf p = V_SET1(scores[j]);
            #pragma clang loop unroll(full)
            for (int v = 0; v < PV_NV; v++) a[v] = V_FMADD(p, V_LOAD(x + VW * v), a[v]);
        }
        #pragma clang loop unroll(full)
        for (int v = 0; v < PV_NV; v++) V_STORE(out + d0 + VW * v, V_ADD(a[v], b[v]));
    }
    for (; d0 < hs; d0 += VW) {
        vmask m = V_MASK(hs - d0);
        vf a0 = V_ZERO();
        for (long j = 0; j < len; j++) a0 = V_FMADD(V_SET1(scores[j]), V_MLOAD(m, values + j * hs + d0), a0);
        V_MSTORE(out + d0, m, a0);
    }
}

void ICRL_ISA(icrl_decode_attention)(float *out, const float *q, const float *keys, long w, const float *values,
                                     long len, int hs, float *scores) {
    // Nothing is written to the cache when no key is appended.
    decode_attention(out, q, (float *)keys, w, (float *)values, len, hs, scores, NULL, NULL, 0);
}

void ICRL_ISA(icrl_decode_attention_append)(float *out, const float *q, float *keys, long w, float *values, long len,
                                            int hs, float *scores, const float *new_key, const float *new_value,
                                            long slot) {
    decode_attention(out, q, keys, w, values, len, hs, scores, new_key, new_value, slot);
}

void ICRL_ISA(icrl_layernorm_forward)(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                                      const float *bias, long n, int c, float eps) {
    const float inv_c = 1.0f / (float)c;
    for (long r = 0; r < n; r++) {
        const float *x = inp + r * c;
        float *y = out + r * c;
        vf acc = V_ZERO();
        for (int j = 0; j < c; j += VW) acc = V_ADD(acc, V_MLOAD(V_MASK(c - j), x + j));
        float m = V_REDUCE_ADD(acc) * inv_c;
        // Variance of centred values: no E[x²] − m² cancellation.
        vf vm = V_SET1(m);
        acc = V_ZERO();
        for (int j = 0; j < c; j += VW) {
            vmask k = V_MASK(c - j);
            vf d = V_MASKZ(k, V_SUB(V_MLOAD(k, x + j), vm));
            acc = V_FMADD(d, d, acc);
        }
        float s = 1.0f / sqrtf(V_REDUCE_ADD(acc) * inv_c + eps);
        vf vs = V_SET1(s);
        for (int j = 0; j < c; j += VW) {
            vmask k = V_MASK(c - j);
            vf xhat = V_MUL(V_SUB(V_MLOAD(k, x + j), vm), vs);
            vf v = V_FMADD(xhat, V_MLOAD(k, weight + j), V_MLOAD(k, bias + j));
            V_MSTORE(y + j, k, v);
        }
        if (mean) mean[r] = m;
        if (rstd) rstd[r] = s;
    }
}

void ICRL_ISA(icrl_layernorm_backward)(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                                       const float *weight, const float *mean, const float *rstd, long n, int c) {
    const float inv_c = 1.0f / (float)c;
    for (long r = 0; r < n; r++) {
        const float *x = inp + r * c, *dy = dout + r * c;
        float *dx = dinp + r * c;
        vf vm = V_SET1(mean[r]), vs = V_SET1(rstd[r]);
        // The two means of the normalised input's gradient: along the mean and along x̂.
        vf sum_g = V_ZERO(), sum_gx = V_ZERO();
        for (int j = 0; j < c; j += VW) {
            vmask k = V_MASK(c - j);
            vf xhat = V_MASKZ(k, V_MUL(V_SUB(V_MLOAD(k, x + j), vm), vs));
            vf d = V_MLOAD(k, dy + j);
            vf g = V_MUL(V_MLOAD(k, weight + j), d);
            sum_g = V_ADD(sum_g, g);
            sum_gx = V_FMADD(g, xhat, sum_gx);
            V_MSTORE(dbias + j, k, V_ADD(V_MLOAD(k, dbias + j), d));
            V_MSTORE(dweight + j, k, V_FMADD(xhat, d, V_MLOAD(k, dweight + j)));
        }
        vf mean_g = V_SET1(V_REDUCE_ADD(sum_g) * inv_c);
        vf mean_gx = V_SET1(V_REDUCE_ADD(sum_gx) * inv_c);
        for (int j = 0; j < c; j += VW) {
            vmask k = V_MASK(c - j);
            vf xhat = V_MUL(V_SUB(V_MLOAD(k, x + j), vm), vs);
            vf g = V_MUL(V_MLOAD(k, weight + j), V_MLOAD(k, dy + j));
            vf v = V_MUL(V_SUB(V_SUB(g, mean_g), V_MUL(xhat, mean_gx)), vs);
            V_MSTORE(dx + j, k, V_ADD(V_MLOAD(k, dx + j), v));
        }
    }
}

void ICRL_ISA(icrl_bias_backward)(float *dbias, const float *dout, long n, int oc) {
    // BIAS_NV vectors of columns at a time with the sums in registers: dout is read once,
    // dbias touched once.
    enum { STRIP = BIAS_NV * VW };
    for (int j = 0; j < oc; j += STRIP) {
        vmask k[BIAS_NV];
        vf a[BIAS_NV];
        #pragma clang loop unroll(full)
        for (int v = 0; v < BIAS_NV; v++) {
            k[v] = V_MASK(oc - j - VW * v);
            a[v] = V_ZERO();
        }
        for (long r = 0; r < n; r++) {
            const float *d = dout + r * oc + j;
            #pragma clang loop unroll(full)
            for (int v = 0; v < BIAS_NV; v++) a[v] = V_ADD(a[v], V_MLOAD(k[v], d + VW * v));
        }
        #pragma clang loop unroll(full)
        for (int v = 0; v < BIAS_NV; v++)
            V_MSTORE(dbias + j + VW * v, k[v], V_ADD(V_MLOAD(k[v], dbias + j + VW * v), a[v]));
    }
}

void ICRL_ISA(icrl_rotary)(float *x, long row_stride, long rows, int chunks, int head_size, const float *cos,
                           const float *sin, long cos_row_stride, int inverse) {
    const int half = head_size / 2;
    for (long r = 0; r < rows; r++) {
        const float *c = cos + r * cos_row_stride, *s = sin + r * cos_row_stride;
        for (int chunk = 0; chunk < chunks; chunk++) {
            float *p = x + r * row_stride + (long)chunk * head_size;
            for (int i = 0; i < half; i += VW) {
                vmask m = V_MASK(half - i);
                vf x1 = V_MLOAD(m, p + i), x2 = V_MLOAD(m, p + half + i);
                vf vc = V_MLOAD(m, c + i), vs = V_MLOAD(m, s + i);
                // Forward (x₁ cos − x₂ sin, x₂ cos + x₁ sin); inverse: sin negated.
                if (inverse) vs = V_SUB(V_ZERO(), vs);
                V_MSTORE(p + i, m, V_SUB(V_MUL(x1, vc), V_MUL(x2, vs)));
                V_MSTORE(p + half + i, m, V_ADD(V_MUL(x2, vc), V_MUL(x1, vs)));
            }
        }
    }
}

float ICRL_ISA(icrl_stream_sum)(const float *a, long n) {
    // 64 floats (four lines) per step in independent sums, added pairwise at the end.
    enum { SUM_NV = 64 / VW };
    vf s[SUM_NV];
    #pragma clang loop unroll(full)
    for (int v = 0; v < SUM_NV; v++) s[v] = V_ZERO();
    for (long i = 0; i < n; i += 64) {
        #pragma clang loop unroll(full)
        for (int v = 0; v < SUM_NV; v++) s[v] = V_ADD(s[v], V_LOAD(a + i + VW * v));
    }
    #pragma clang loop unroll(full)
    for (int width = SUM_NV / 2; width >= 1; width /= 2) {
        #pragma clang loop unroll(full)
        for (int v = 0; v < width; v++) s[v] = V_ADD(s[2 * v], s[2 * v + 1]);
    }
    return V_REDUCE_ADD(s[0]);
}
