// The kernels of CNNKernels.h that are built once per instruction set from the generic
// sources (GenericKernels.h): Kernels512.c defines name_avx512, Kernels256.c name_avx2, and
// Dispatch.c defines the public name, which forwards to the build of the process's path.
//
// ICRL_VOID_KERNELS(X) calls X(name, (parameters), (arguments)) once per kernel that returns
// nothing; the two that return a value (icrl_linear_packed_size, icrl_stream_sum) are
// declared below by hand.
#ifndef ICRL_KERNELLIST_H
#define ICRL_KERNELLIST_H

#define ICRL_VOID_KERNELS(X)                                                                                          \
    X(icrl_attention_forward,                                                                                         \
      (float *out, float *att, long att_stride, const float *qkv, int batch, int time, int channels, int heads),     \
      (out, att, att_stride, qkv, batch, time, channels, heads))                                                      \
    X(icrl_attention_backward,                                                                                        \
      (float *dqkv, float *scratch, const float *dout, const float *qkv, const float *att, int batch, int time,      \
       int channels, int heads),                                                                                      \
      (dqkv, scratch, dout, qkv, att, batch, time, channels, heads))                                                  \
    X(icrl_gelu_forward, (float *out, const float *inp, long n), (out, inp, n))                                       \
    X(icrl_gelu_forward_slope, (float *out, float *slope, const float *inp, long n), (out, slope, inp, n))            \
    X(icrl_gelu_backward, (float *dinp, const float *slope, const float *dout, long n), (dinp, slope, dout, n))       \
    X(icrl_decode_attention,                                                                                          \
      (float *out, const float *q, const float *keys, long w, const float *values, long len, int hs, float *scores), \
      (out, q, keys, w, values, len, hs, scores))                                                                     \
    X(icrl_decode_attention_append,                                                                                   \
      (float *out, const float *q, float *keys, long w, float *values, long len, int hs, float *scores,              \
       const float *new_key, const float *new_value, long slot),                                                      \
      (out, q, keys, w, values, len, hs, scores, new_key, new_value, slot))                                           \
    X(icrl_layernorm_forward,                                                                                         \
      (float *out, float *mean, float *rstd, const float *inp, const float *weight, const float *bias, long n, int c, \
       float eps),                                                                                                    \
      (out, mean, rstd, inp, weight, bias, n, c, eps))                                                                \
    X(icrl_layernorm_backward,                                                                                        \
      (float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight,          \
       const float *mean, const float *rstd, long n, int c),                                                          \
      (dinp, dweight, dbias, dout, inp, weight, mean, rstd, n, c))                                                    \
    X(icrl_rotary,                                                                                                    \
      (float *x, long row_stride, long rows, int chunks, int head_size, const float *cos, const float *sin,          \
       long cos_row_stride, int inverse),                                                                             \
      (x, row_stride, rows, chunks, head_size, cos, sin, cos_row_stride, inverse))                                    \
    X(icrl_bias_backward, (float *dbias, const float *dout, long n, int oc), (dbias, dout, n, oc))                    \
    X(icrl_linear_forward,                                                                                            \
      (float *out, const float *inp, const float *weight, const float *bias, const float *residual, long n, int c,   \
       int oc),                                                                                                       \
      (out, inp, weight, bias, residual, n, c, oc))                                                                   \
    X(icrl_linear_pack, (float *packed, const float *weight, int c, int oc), (packed, weight, c, oc))                 \
    X(icrl_linear_forward_packed,                                                                                     \
      (float *out, const float *inp, const float *packed, const float *bias, const float *residual, long n, int c,   \
       int oc),                                                                                                       \
      (out, inp, packed, bias, residual, n, c, oc))                                                                   \
    X(icrl_linear_gelu_forward_packed,                                                                                \
      (float *out, float *slope, const float *inp, const float *packed, const float *bias, long n, int c, int oc),   \
      (out, slope, inp, packed, bias, n, c, oc))                                                                      \
    X(icrl_linear_backward_input, (float *dinp, const float *dout, const float *weight, long n, int c, int oc),      \
      (dinp, dout, weight, n, c, oc))                                                                                 \
    X(icrl_linear_backward_input_mul,                                                                                 \
      (float *dinp, const float *dout, const float *weight, const float *mul, long n, int c, int oc),                \
      (dinp, dout, weight, mul, n, c, oc))                                                                            \
    X(icrl_linear_backward_weight, (float *dweight, const float *dout, const float *inp, long n, int c, int oc),     \
      (dweight, dout, inp, n, c, oc))

#if defined(__x86_64__)
/// Per-instruction-set builds are internal to the library: only the dispatching names of
/// CNNKernels.h are exported.
#define ICRL_HIDDEN __attribute__((visibility("hidden")))

#define ICRL_DECLARE_ISA_KERNEL(name, parameters, arguments) \
    ICRL_HIDDEN void name##_avx512 parameters;               \
    ICRL_HIDDEN void name##_avx2 parameters;
ICRL_VOID_KERNELS(ICRL_DECLARE_ISA_KERNEL)
#undef ICRL_DECLARE_ISA_KERNEL

ICRL_HIDDEN long icrl_linear_packed_size_avx512(int c, int oc);
ICRL_HIDDEN long icrl_linear_packed_size_avx2(int c, int oc);
ICRL_HIDDEN float icrl_stream_sum_avx512(const float *a, long n);
ICRL_HIDDEN float icrl_stream_sum_avx2(const float *a, long n);
#endif

#endif
