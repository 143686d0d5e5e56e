// Vector math shared by the generic kernels (included by GenericKernels.h): exp and tanh with
// the same polynomial forms as Sources/NN/Kernels/VectorMath.swift, so that every kernel path
// rounds alike, lane by lane.

/// e^x to about 2 ulp (Cephes expf), inputs clamped to [-87, 88].
V_INLINE vf v_exp(vf x) {
    x = V_MIN(V_MAX(x, V_SET1(-87.0f)), V_SET1(88.0f));
    vf n = V_ROUND(V_MUL(x, V_SET1(1.44269504f)));
    vf r = V_FNMADD(n, V_SET1(0.693359375f), x);
    r = V_FNMADD(n, V_SET1(-2.12194440e-4f), r);
    vf z = V_MUL(r, r);
    vf y = V_SET1(1.9875691500e-4f);
    y = V_FMADD(y, r, V_SET1(1.3981999507e-3f));
    y = V_FMADD(y, r, V_SET1(8.3334519073e-3f));
    y = V_FMADD(y, r, V_SET1(4.1665795894e-2f));
    y = V_FMADD(y, r, V_SET1(1.6666665459e-1f));
    y = V_FMADD(y, r, V_SET1(5.0000001201e-1f));
    y = V_FMADD(y, z, V_ADD(r, V_SET1(1.0f)));
    // n is in [-126, 127]: 2ⁿ is a normal float, so y · 2ⁿ rounds once on every path.
    return V_SCALE2(y, n);
}

/// tanh(x) to a few ulp: Eigen's rational approximation on [-7.9, 7.9], x below 4e-4.
V_INLINE vf v_tanh(vf input) {
    const vf bound = V_SET1(7.90531110f);
    vf x = V_MIN(V_MAX(input, V_SUB(V_ZERO(), bound)), bound);
    vf x2 = V_MUL(x, x);
    vf p = V_FMADD(x2, V_SET1(-2.76076847742355e-16f), V_SET1(2.00018790482477e-13f));
    p = V_FMADD(x2, p, V_SET1(-8.60467152213735e-11f));
    p = V_FMADD(x2, p, V_SET1(5.12229709037114e-08f));
    p = V_FMADD(x2, p, V_SET1(1.48572235717979e-05f));
    p = V_FMADD(x2, p, V_SET1(6.37261928875436e-04f));
    p = V_FMADD(x2, p, V_SET1(4.89352455891786e-03f));
    p = V_MUL(x, p);
    vf q = V_FMADD(x2, V_SET1(1.19825839466702e-06f), V_SET1(1.18534705686654e-04f));
    q = V_FMADD(x2, q, V_SET1(2.26843463243900e-03f));
    q = V_FMADD(x2, q, V_SET1(4.89352518554385e-03f));
    vf result = V_DIV(p, q);
    return V_SELECT_LT(V_ABS(input), V_SET1(0.0004f), result, input);
}

/// GELU (tanh form) of x; with `slope`, also gelu'(x). The one definition every GELU of a
/// path uses (the elementwise kernels and the GEMM epilogue), so all round alike.
V_INLINE vf v_gelu(vf x, vf *slope) {
    const vf k0 = V_SET1(0.7978845608028654f), k1 = V_SET1(0.044715f), half = V_SET1(0.5f);
    const vf one = V_SET1(1.0f);
    vf x2 = V_MUL(x, x);
    vf t = v_tanh(V_MUL(k0, V_FMADD(V_MUL(k1, x2), x, x)));
    vf h = V_MUL(half, V_ADD(one, t));
    if (slope) {
        // gelu'(x) = ½(1 + t) + ½x(1 − t²)·k0·(1 + 3·k1·x²)
        vf sech2 = V_FNMADD(t, t, one);
        vf inner = V_MUL(k0, V_FMADD(V_SET1(3.0f * 0.044715f), x2, one));
        *slope = V_FMADD(V_MUL(V_MUL(half, x), sech2), inner, h);
    }
    return V_MUL(x, h);
}

/// a[j] = e^(a[j] − max) for j < n; returns the sum.
V_INLINE float exp_sum_row(float *a, long n, float max) {
    vf vmax = V_SET1(max), sum = V_ZERO();
    for (long j = 0; j < n; j += VW) {
        vmask m = V_MASK(n - j);
        vf e = V_MASKZ(m, v_exp(V_SUB(V_MLOAD(m, a + j), vmax)));
        V_MSTORE(a + j, m, e);
        sum = V_ADD(sum, e);
    }
    return V_REDUCE_ADD(sum);
}

/// a[j] *= k for j < n.
V_INLINE void scale_row(float *a, long n, float k) {
    vf vk = V_SET1(k);
    for (long j = 0; j < n; j += VW) {
        vmask m = V_MASK(n - j);
        V_MSTORE(a + j, m, V_MUL(V_MLOAD(m, a + j), vk));
    }
}

/// Softmax of a[0, n) in place (n >= 1).
V_INLINE void softmax_row(float *a, long n) {
    vf mx = V_SET1(-INFINITY);
    for (long j = 0; j < n; j += VW) {
        vmask m = V_MASK(n - j);
        mx = V_MAX(mx, V_MLOAD_OR(V_SET1(-INFINITY), m, a + j));
    }
    vf vmax = V_SET1(V_REDUCE_MAX(mx));
    vf sum = V_ZERO();
    for (long j = 0; j < n; j += VW) {
        vmask m = V_MASK(n - j);
        vf e = v_exp(V_SUB(V_MLOAD(m, a + j), vmax));
        e = V_MASKZ(m, e);
        V_MSTORE(a + j, m, e);
        sum = V_ADD(sum, e);
    }
    vf inv = V_SET1(1.0f / V_REDUCE_ADD(sum));
    for (long j = 0; j < n; j += VW) {
        vmask m = V_MASK(n - j);
        V_MSTORE(a + j, m, V_MUL(V_MLOAD(m, a + j), inv));
    }
}

/// Σ_{j < n} a[j]·b[j].
V_INLINE float dot_row(const float *a, const float *b, long n) {
    vf acc = V_ZERO();
    for (long j = 0; j < n; j += VW) {
        vmask m = V_MASK(n - j);
        acc = V_FMADD(V_MLOAD(m, a + j), V_MLOAD(m, b + j), acc);
    }
    return V_REDUCE_ADD(acc);
}
