// AVX-512 and AVX2 kernels for the NN module's hot spots: fused causal attention (training
// forward and backward), GELU, LayerNorm, rotary, KV-cache decode attention and the linear
// layers' GEMMs.
//
// Each kernel is written once, width-generic (GenericKernels.h), and built per instruction set
// (Kernels512.c, Kernels256.c); the functions below forward to the build of the process's
// path, chosen once: by icrl_nn_set_path, else the best the CPU runs. Each has a portable Swift
// twin in Sources/NN/Kernels and a naive reference in Sources/NN/Reference; NN calls these
// only when `KernelPath.current` has C kernels (the `ICRL_NN_KERNELS` cap). Called on path 0
// they abort. Shapes follow the Swift kernels' notes. Every function here is single-threaded;
// NN's WorkerPool shards the batch.
#ifndef ICRL_CNNKERNELS_H
#define ICRL_CNNKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU and OS run AVX-512 (F, DQ, BW, VL) code, else 0.
int icrl_nn_avx512_available(void);

/// 1 when this CPU runs AVX2 and FMA and the OS saves the YMM state (XCR0), else 0.
int icrl_nn_avx2_available(void);

/// Sets the process's kernel path: 2 = AVX-512, 1 = AVX2, 0 = none (the kernels abort). A path
/// the CPU cannot run is lowered to the best it can. Call it before any kernel runs (NN does,
/// when `KernelPath.current` is first read): icrl_linear_packed_size and the panels of
/// icrl_linear_pack depend on the path. Unset, the path is the best the CPU runs.
void icrl_nn_set_path(int path);

/// The process's kernel path (2, 1 or 0), as set or defaulted.
int icrl_nn_path(void);

/// Causal multi-head attention forward over packed qkv rows.
///
/// - out: (B, T, C), head h written to columns h*hs ..< (h+1)*hs
/// - att: probabilities of (sequence s, head h) at att + (s*H + h)*att_stride, a (T, T)
///   row-major matrix; row i holds keys 0...i and zeros up to the end of its 8-row tile
///   (keys < min(8*(i/8 + 1), T)), written with streaming stores; att_stride 0 keeps none
///   (inference: att is unused)
/// - qkv: (B, T, 3C), rows [q | k | v], q and k already rotated
/// Needs hs = C/H to be a multiple of 16.
void icrl_attention_forward(float *out, float *att, long att_stride, const float *qkv,
                            int batch, int time, int channels, int heads);

/// Attention backward; overwrites dqkv (all three parts).
///
/// - dqkv: (B, T, 3C)
/// - scratch: (T, T), dS of one (sequence, head)
/// - dout: (B, T, C)
/// - qkv: (B, T, 3C) and att: (B, H, T, T) as in the forward pass
void icrl_attention_backward(float *dqkv, float *scratch, const float *dout, const float *qkv,
                             const float *att, int batch, int time, int channels, int heads);

/// GELU (tanh approximation) forward; out may alias inp. out, inp: (n)
void icrl_gelu_forward(float *out, const float *inp, long n);

/// GELU forward for training: out = gelu(x), slope = gelu'(x); slope may alias inp.
void icrl_gelu_forward_slope(float *out, float *slope, const float *inp, long n);

/// GELU backward: dinp = slope * dout (slope from icrl_gelu_forward_slope); dinp may alias dout.
void icrl_gelu_backward(float *dinp, const float *slope, const float *dout, long n);

/// One query over a cache: out = softmax(scale * K^T q) * V.
///
/// - out, q: (hs)
/// - keys: (hs, W) transposed keys with row stride w; slots 0..<len used
/// - values: (W, hs); rows 0..<len used
/// - scores: (len) scratch
void icrl_decode_attention(float *out, const float *q, const float *keys, long w, const float *values,
                           long len, int hs, float *scores);

/// icrl_decode_attention after appending one key and value at `slot` (< len): keys[d, slot]
/// = new_key[d] and values[slot, :] = new_value, each written just before its lines are
/// read. new_key, new_value: (hs)
void icrl_decode_attention_append(float *out, const float *q, float *keys, long w, float *values, long len, int hs,
                                  float *scores, const float *new_key, const float *new_value, long slot);

/// LayerNorm forward over rows of c channels (biased variance, eps inside the root).
///
/// - out, inp: (n, c); mean, rstd: (n), written when not NULL; weight, bias: (c)
void icrl_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                            const float *bias, long n, int c, float eps);

/// LayerNorm backward: accumulates into dinp (n, c), dweight and dbias (c).
void icrl_layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                             const float *weight, const float *mean, const float *rstd, long n, int c);

/// Rotary embedding in place (rotate-half: element i of each head chunk pairs with
/// i + head_size/2), or its inverse (the backward pass) when `inverse`: x: (rows, row_stride),
/// the first chunks · head_size columns rotated; cos, sin: row r at r · cos_row_stride.
void icrl_rotary(float *x, long row_stride, long rows, int chunks, int head_size, const float *cos,
                 const float *sin, long cos_row_stride, int inverse);

/// Bias gradient: dbias[j] += Σ_r dout[r, j]. dout: (n, oc); dbias: (oc)
void icrl_bias_backward(float *dbias, const float *dout, long n, int oc);

/// Σ a[i] for i < n, reading a as fast as the memory system allows (the widest vectors the
/// CPU has, whatever the path): the benchmarks' yardstick for memory-bound work. n is a
/// multiple of 64.
float icrl_stream_sum(const float *a, long n);

/// Linear layer forward: out = inp · weightᵀ (+ bias) (+ residual).
///
/// - out: (n, oc); residual: (n, oc) or NULL, may be out itself
/// - inp: (n, c); weight: (oc, c); bias: (oc) or NULL
/// Packs weightᵀ into a per-thread buffer on each call.
void icrl_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                         const float *residual, long n, int c, int oc);

/// Floats that icrl_linear_pack writes for a (oc, c) weight: oc rounded up to the path's
/// panel width (64 on AVX-512, 16 on AVX2), times c.
long icrl_linear_packed_size(int c, int oc);

/// Packs weightᵀ (weight: (oc, c)) into the panels (64 columns on AVX-512, 16 on AVX2)
/// icrl_linear_forward_packed reads, so callers that reuse one weight for many calls (the
/// KV-cache decoder) pack once. Panels are for the path they were packed on.
void icrl_linear_pack(float *packed, const float *weight, int c, int oc);

/// icrl_linear_forward with weightᵀ already packed by icrl_linear_pack.
void icrl_linear_forward_packed(float *out, const float *inp, const float *packed, const float *bias,
                                const float *residual, long n, int c, int oc);

/// icrl_linear_forward_packed followed by GELU, fused: out = gelu(inp · weightᵀ + bias)
/// and, when slope is not NULL, slope = gelu'(the same pre-activation), rounded exactly like
/// icrl_gelu_forward and icrl_gelu_forward_slope. out, slope: (n, oc).
void icrl_linear_gelu_forward_packed(float *out, float *slope, const float *inp, const float *packed,
                                     const float *bias, long n, int c, int oc);

/// Linear backward, input part: dinp (n, c) = dout (n, oc) · weight (oc, c), overwritten.
void icrl_linear_backward_input(float *dinp, const float *dout, const float *weight, long n, int c, int oc);
/// icrl_linear_backward_input with its result multiplied elementwise by mul (n, c) in the
/// tile epilogue: a GELU backward (mul = the slope) without another pass over dinp.
void icrl_linear_backward_input_mul(float *dinp, const float *dout, const float *weight, const float *mul, long n,
                                    int c, int oc);

/// Linear backward, weight part: dweight (oc, c) += doutᵀ · inp, with dout (n, oc), inp (n, c).
void icrl_linear_backward_weight(float *dweight, const float *dout, const float *inp, long n, int c, int oc);

/// 1 when this CPU has AMX-BF16 and AVX512-BF16 and the OS lets this process use the tile
/// state (on Linux, asks for it once: arch_prctl ARCH_REQ_XCOMP_PERM).
int icrl_nn_amx_available(void);

/// `icrl_linear_forward` on AMX tiles in three bf16 passes (bf16x3: ~16 significant bits
/// per product, fp32 accumulation). Needs icrl_nn_amx_available().
void icrl_linear_forward_amx(float *out, const float *inp, const float *weight, const float *bias,
                             const float *residual, long n, int c, int oc);

/// `icrl_linear_backward_input` on AMX tiles, bf16x3.
void icrl_linear_backward_input_amx(float *dinp, const float *dout, const float *weight, long n, int c, int oc);

#ifdef __cplusplus
}
#endif

#endif
