// GELU, LayerNorm and decode attention in AVX-512, plus the CPU check that gates every kernel here.
#include "CNNKernels.h"
#include "VectorMath512.h"
#include <math.h>
#include <stdlib.h>

#if defined(__x86_64__)

int icrl_nn_avx512_available(void) {
    __builtin_cpu_init();
    // The runtime's checks include the OS's XSAVE support for the 512-bit state.
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

ICRL_AVX512 void icrl_gelu_forward(float *out, const float *inp, long n) {
    for (long i = 0; i < n; i += 16) {
        __mmask16 m = icrl_mask(n - i);
        _mm512_mask_storeu_ps(out + i, m, icrl_gelu512(_mm512_maskz_loadu_ps(m, inp + i), NULL));
    }
}

ICRL_AVX512 void icrl_gelu_forward_slope(float *out, float *slope, const float *inp, long n) {
    for (long i = 0; i < n; i += 16) {
        __mmask16 m = icrl_mask(n - i);
        __m512 d, y = icrl_gelu512(_mm512_maskz_loadu_ps(m, inp + i), &d);
        _mm512_mask_storeu_ps(out + i, m, y);
        _mm512_mask_storeu_ps(slope + i, m, d);
    }
}

ICRL_AVX512 void icrl_gelu_backward(float *dinp, const float *slope, const float *dout, long n) {
    for (long i = 0; i < n; i += 16) {
        __mmask16 m = icrl_mask(n - i);
        _mm512_mask_storeu_ps(dinp + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, slope + i), _mm512_maskz_loadu_ps(m, dout + i)));
    }
}

/// icrl_decode_attention_append's body; new_key NULL appends nothing.
ICRL_INLINE void decode_attention(float *out, const float *q, float *keys, long w, float *values, long len, int hs,
                                  float *scores, const float *new_key, const float *new_value, long slot) {
    const float scale = 1.0f / sqrtf((float)hs);
    // Scores: four key rows per sweep so the (hs, W) block streams in order while the
    // scores stay in L1.
    for (long j = 0; j < len; j += 16) _mm512_mask_storeu_ps(scores + j, icrl_mask(len - j), _mm512_setzero_ps());
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
        // sweep): each sweep starts a new 4 KB page, where the hardware prefetcher
        // would have to find the streams again. 11% faster over a 33 MB cache.
        const char *next = (const char *)(d + 4 < hs ? r0 + 4 * w : values);
        __m512 v0 = _mm512_set1_ps(q[d] * scale);
        __m512 v1 = _mm512_set1_ps(rows > 1 ? q[d + 1] * scale : 0.0f);
        __m512 v2 = _mm512_set1_ps(rows > 2 ? q[d + 2] * scale : 0.0f);
        __m512 v3 = _mm512_set1_ps(rows > 3 ? q[d + 3] * scale : 0.0f);
        // Whole vectors, then one masked tail: computing a mask per vector cost ~5% of a
        // decode step.
        long j = 0;
        for (; j + 16 <= len; j += 16) {
            // Prefetches never fault, so running past the cache's end is harmless.
            for (int line = 0; line < 4; line++) _mm_prefetch(next + 16 * j + 64 * line, _MM_HINT_T0);
            __m512 acc = _mm512_loadu_ps(scores + j);
            acc = _mm512_fmadd_ps(v0, _mm512_loadu_ps(r0 + j), acc);
            acc = _mm512_fmadd_ps(v1, _mm512_loadu_ps(r1 + j), acc);
            acc = _mm512_fmadd_ps(v2, _mm512_loadu_ps(r2 + j), acc);
            acc = _mm512_fmadd_ps(v3, _mm512_loadu_ps(r3 + j), acc);
            _mm512_storeu_ps(scores + j, acc);
        }
        if (j < len) {
            for (int line = 0; line < 4; line++) _mm_prefetch(next + 16 * j + 64 * line, _MM_HINT_T0);
            __mmask16 m = icrl_mask(len - j);
            __m512 acc = _mm512_maskz_loadu_ps(m, scores + j);
            acc = _mm512_fmadd_ps(v0, _mm512_maskz_loadu_ps(m, r0 + j), acc);
            acc = _mm512_fmadd_ps(v1, _mm512_maskz_loadu_ps(m, r1 + j), acc);
            acc = _mm512_fmadd_ps(v2, _mm512_maskz_loadu_ps(m, r2 + j), acc);
            acc = _mm512_fmadd_ps(v3, _mm512_maskz_loadu_ps(m, r3 + j), acc);
            _mm512_mask_storeu_ps(scores + j, m, acc);
        }
    }
    icrl_softmax_row(scores, len);
    if (new_value)
        for (int d = 0; d < hs; d += 16) _mm512_mask_storeu_ps(values + slot * hs + d, icrl_mask(hs - d), _mm512_maskz_loadu_ps(icrl_mask(hs - d), new_value + d));
    // P·V, 32 dimensions (two vectors) per sweep with four partial sums each.
    int d0 = 0;
    for (; d0 + 32 <= hs; d0 += 32) {
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
        long j = 0;
        for (; j + 2 <= len; j += 2) {
            const float *x = values + j * hs + d0, *y = x + hs;
            // 1 KB ahead: the rows after this sweep's, then the next head's keys.
            for (int line = 0; line < 4; line++) _mm_prefetch((const char *)(x + 256) + 64 * line, _MM_HINT_T0);
            __m512 p = _mm512_set1_ps(scores[j]), pn = _mm512_set1_ps(scores[j + 1]);
            a0 = _mm512_fmadd_ps(p, _mm512_loadu_ps(x), a0);
            a1 = _mm512_fmadd_ps(p, _mm512_loadu_ps(x + 16), a1);
            b0 = _mm512_fmadd_ps(pn, _mm512_loadu_ps(y), b0);
            b1 = _mm512_fmadd_ps(pn, _mm512_loadu_ps(y + 16), b1);
        }
        if (j < len) {
            const float *x = values + j * hs + d0;
            __m512 p = _mm512_set1_ps(scores[j]);
            a0 = _mm512_fmadd_ps(p, _mm512_loadu_ps(x), a0);
            a1 = _mm512_fmadd_ps(p, _mm512_loadu_ps(x + 16), a1);
        }
        _mm512_storeu_ps(out + d0, _mm512_add_ps(a0, b0));
        _mm512_storeu_ps(out + d0 + 16, _mm512_add_ps(a1, b1));
    }
    for (; d0 < hs; d0 += 16) {
        __mmask16 m = icrl_mask(hs - d0);
        __m512 a0 = _mm512_setzero_ps();
        for (long j = 0; j < len; j++)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(scores[j]), _mm512_maskz_loadu_ps(m, values + j * hs + d0), a0);
        _mm512_mask_storeu_ps(out + d0, m, a0);
    }
}

ICRL_AVX512 void icrl_decode_attention(float *out, const float *q, const float *keys, long w, const float *values,
                                       long len, int hs, float *scores) {
    // Nothing is written to the cache when no key is appended.
    decode_attention(out, q, (float *)keys, w, (float *)values, len, hs, scores, NULL, NULL, 0);
}

ICRL_AVX512 void icrl_decode_attention_append(float *out, const float *q, float *keys, long w, float *values, long len,
                                              int hs, float *scores, const float *new_key, const float *new_value,
                                              long slot) {
    decode_attention(out, q, keys, w, values, len, hs, scores, new_key, new_value, slot);
}

ICRL_AVX512 void icrl_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                                        const float *bias, long n, int c, float eps) {
    const float inv_c = 1.0f / (float)c;
    for (long r = 0; r < n; r++) {
        const float *x = inp + r * c;
        float *y = out + r * c;
        __m512 acc = _mm512_setzero_ps();
        for (int j = 0; j < c; j += 16) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(icrl_mask(c - j), x + j));
        float m = _mm512_reduce_add_ps(acc) * inv_c;
        // Variance of centred values: no E[x²] − m² cancellation.
        __m512 vm = _mm512_set1_ps(m);
        acc = _mm512_setzero_ps();
        for (int j = 0; j < c; j += 16) {
            __mmask16 k = icrl_mask(c - j);
            __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + j), vm);
            acc = _mm512_fmadd_ps(d, d, acc);
        }
        float s = 1.0f / sqrtf(_mm512_reduce_add_ps(acc) * inv_c + eps);
        __m512 vs = _mm512_set1_ps(s);
        for (int j = 0; j < c; j += 16) {
            __mmask16 k = icrl_mask(c - j);
            __m512 xhat = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), vm), vs);
            __m512 v = _mm512_fmadd_ps(xhat, _mm512_maskz_loadu_ps(k, weight + j), _mm512_maskz_loadu_ps(k, bias + j));
            _mm512_mask_storeu_ps(y + j, k, v);
        }
        if (mean) mean[r] = m;
        if (rstd) rstd[r] = s;
    }
}

ICRL_AVX512 void icrl_layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                                         const float *weight, const float *mean, const float *rstd, long n, int c) {
    const float inv_c = 1.0f / (float)c;
    for (long r = 0; r < n; r++) {
        const float *x = inp + r * c, *dy = dout + r * c;
        float *dx = dinp + r * c;
        __m512 vm = _mm512_set1_ps(mean[r]), vs = _mm512_set1_ps(rstd[r]);
        // The two means of the normalised input's gradient: along the mean and along x̂.
        __m512 sum_g = _mm512_setzero_ps(), sum_gx = _mm512_setzero_ps();
        for (int j = 0; j < c; j += 16) {
            __mmask16 k = icrl_mask(c - j);
            __m512 xhat = _mm512_maskz_mul_ps(k, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), vm), vs);
            __m512 d = _mm512_maskz_loadu_ps(k, dy + j);
            __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, weight + j), d);
            sum_g = _mm512_add_ps(sum_g, g);
            sum_gx = _mm512_fmadd_ps(g, xhat, sum_gx);
            _mm512_mask_storeu_ps(dbias + j, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, dbias + j), d));
            _mm512_mask_storeu_ps(dweight + j, k, _mm512_fmadd_ps(xhat, d, _mm512_maskz_loadu_ps(k, dweight + j)));
        }
        __m512 mean_g = _mm512_set1_ps(_mm512_reduce_add_ps(sum_g) * inv_c);
        __m512 mean_gx = _mm512_set1_ps(_mm512_reduce_add_ps(sum_gx) * inv_c);
        for (int j = 0; j < c; j += 16) {
            __mmask16 k = icrl_mask(c - j);
            __m512 xhat = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), vm), vs);
            __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, weight + j), _mm512_maskz_loadu_ps(k, dy + j));
            __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_sub_ps(g, mean_g), _mm512_mul_ps(xhat, mean_gx)), vs);
            _mm512_mask_storeu_ps(dx + j, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, dx + j), v));
        }
    }
}

ICRL_AVX512 void icrl_bias_backward(float *dbias, const float *dout, long n, int oc) {
    // 64 columns at a time with the sums in registers: dout is read once, dbias touched once.
    for (int j = 0; j < oc; j += 64) {
        __mmask16 k0 = icrl_mask(oc - j), k1 = icrl_mask(oc - j - 16), k2 = icrl_mask(oc - j - 32), k3 = icrl_mask(oc - j - 48);
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (long r = 0; r < n; r++) {
            const float *d = dout + r * oc + j;
            a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(k0, d));
            a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(k1, d + 16));
            a2 = _mm512_add_ps(a2, _mm512_maskz_loadu_ps(k2, d + 32));
            a3 = _mm512_add_ps(a3, _mm512_maskz_loadu_ps(k3, d + 48));
        }
        _mm512_mask_storeu_ps(dbias + j, k0, _mm512_add_ps(_mm512_maskz_loadu_ps(k0, dbias + j), a0));
        _mm512_mask_storeu_ps(dbias + j + 16, k1, _mm512_add_ps(_mm512_maskz_loadu_ps(k1, dbias + j + 16), a1));
        _mm512_mask_storeu_ps(dbias + j + 32, k2, _mm512_add_ps(_mm512_maskz_loadu_ps(k2, dbias + j + 32), a2));
        _mm512_mask_storeu_ps(dbias + j + 48, k3, _mm512_add_ps(_mm512_maskz_loadu_ps(k3, dbias + j + 48), a3));
    }
}

ICRL_AVX512 void icrl_rotary(float *x, long row_stride, long rows, int chunks, int head_size, const float *cos,
                             const float *sin, long cos_row_stride, int inverse) {
    const int half = head_size / 2;
    for (long r = 0; r < rows; r++) {
        const float *c = cos + r * cos_row_stride, *s = sin + r * cos_row_stride;
        for (int chunk = 0; chunk < chunks; chunk++) {
            float *p = x + r * row_stride + (long)chunk * head_size;
            for (int i = 0; i < half; i += 16) {
                __mmask16 m = icrl_mask(half - i);
                __m512 x1 = _mm512_maskz_loadu_ps(m, p + i), x2 = _mm512_maskz_loadu_ps(m, p + half + i);
                __m512 vc = _mm512_maskz_loadu_ps(m, c + i), vs = _mm512_maskz_loadu_ps(m, s + i);
                // Forward (x₁ cos − x₂ sin, x₂ cos + x₁ sin); inverse: sin negated.
                if (inverse) vs = _mm512_sub_ps(_mm512_setzero_ps(), vs);
                _mm512_mask_storeu_ps(p + i, m, _mm512_sub_ps(_mm512_mul_ps(x1, vc), _mm512_mul_ps(x2, vs)));
                _mm512_mask_storeu_ps(p + half + i, m, _mm512_add_ps(_mm512_mul_ps(x2, vc), _mm512_mul_ps(x1, vs)));
            }
        }
    }
}

ICRL_AVX512 static float stream_sum_avx512(const float *a, long n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (long i = 0; i < n; i += 64) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(a + i));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(a + i + 16));
        s2 = _mm512_add_ps(s2, _mm512_loadu_ps(a + i + 32));
        s3 = _mm512_add_ps(s3, _mm512_loadu_ps(a + i + 48));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

#endif

/// Eight independent sums: without them the loop is bound by add latency, not memory.
static float stream_sum_portable(const float *a, long n) {
    float s[8] = {0};
    for (long i = 0; i < n; i += 8)
        for (int k = 0; k < 8; k++) s[k] += a[i + k];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

float icrl_stream_sum(const float *a, long n) {
#if defined(__x86_64__)
    if (icrl_nn_avx512_available()) return stream_sum_avx512(a, n);
#endif
    return stream_sum_portable(a, n);
}

#if !defined(__x86_64__)

int icrl_nn_avx512_available(void) { return 0; }
void icrl_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                            const float *bias, long n, int c, float eps) {
    (void)out; (void)mean; (void)rstd; (void)inp; (void)weight; (void)bias; (void)n; (void)c; (void)eps; abort();
}
void icrl_layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                             const float *weight, const float *mean, const float *rstd, long n, int c) {
    (void)dinp; (void)dweight; (void)dbias; (void)dout; (void)inp; (void)weight; (void)mean; (void)rstd; (void)n; (void)c;
    abort();
}
void icrl_rotary(float *x, long row_stride, long rows, int chunks, int head_size, const float *cos,
                 const float *sin, long cos_row_stride, int inverse) {
    (void)x; (void)row_stride; (void)rows; (void)chunks; (void)head_size; (void)cos; (void)sin; (void)cos_row_stride;
    (void)inverse;
    abort();
}
void icrl_bias_backward(float *dbias, const float *dout, long n, int oc) { (void)dbias; (void)dout; (void)n; (void)oc; abort(); }
void icrl_gelu_forward(float *out, const float *inp, long n) { (void)out; (void)inp; (void)n; abort(); }
void icrl_gelu_backward(float *dinp, const float *slope, const float *dout, long n) { (void)dinp; (void)slope; (void)dout; (void)n; abort(); }
void icrl_gelu_forward_slope(float *out, float *slope, const float *inp, long n) {
    (void)out; (void)slope; (void)inp; (void)n; abort();
}
void icrl_decode_attention(float *out, const float *q, const float *keys, long w, const float *values,
                           long len, int hs, float *scores) {
    (void)out; (void)q; (void)keys; (void)w; (void)values; (void)len; (void)hs; (void)scores; abort();
}
void icrl_decode_attention_append(float *out, const float *q, float *keys, long w, float *values, long len, int hs,
                                  float *scores, const float *new_key, const float *new_value, long slot) {
    (void)out; (void)q; (void)keys; (void)w; (void)values; (void)len; (void)hs; (void)scores; (void)new_key;
    (void)new_value; (void)slot;
    abort();
}

#endif
