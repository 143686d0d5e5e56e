import CNNKernels

// Causal multi-head self-attention over packed qkv rows, blocked so that only the
// lower-triangular part of each score matrix is computed.
//
// Queries are split into row blocks of `attentionBlockSize(T)`; block `[r0, r1)` only
// needs keys `[0, r1)`, so with eight blocks the GEMMs do 36/64 of the dense work. Every
// product is an OpenBLAS sgemm reading q, k, v in place through leading dimensions (no
// transposed copies).

/// Rows per attention block: large enough for efficient GEMMs, small enough to skip most
/// of the masked upper triangle. The forward and backward passes must agree on it.
@inline(__always)
func attentionBlockSize(_ t: Int) -> Int { t <= 32 ? t : 32 }

/// Numerically stable softmax of `a[0..<n]` in place.
@inline(__always)
func softmaxInPlace(_ a: UnsafeMutablePointer<Float>, _ n: Int) {
    let m = VectorMath.max(a, n)
    var acc = VectorMath.V()
    var i = 0
    while i + 8 <= n {
        let e = VectorMath.exp(VectorMath.load(a + i) - m)
        VectorMath.store(e, a + i)
        acc += e
        i += 8
    }
    var sum = acc.sum()
    while i < n {
        let e = VectorMath.exp(a[i] - m)
        a[i] = e
        sum += e
        i += 1
    }
    let inv = 1 / sum
    for j in 0..<n { a[j] *= inv }
}

/// Attention forward: the fused C kernel (AVX-512 or AVX2) where `KernelPath` allows, else the
/// portable OpenBLAS-blocked one. Both leave row i of `att` valid for keys `0...i` and zero
/// to the end of its block (blocks of 8 rows in the C kernel, `attentionBlockSize(T)` portable),
/// which is all the matching backward pass reads.
///
/// - out: (B, T, C), head h written to columns `h·hs ..< (h+1)·hs`
/// - att: (B, H, T, T) softmax probabilities, row i valid for keys `0...i` and zero for the
///   rest of its block; with `attStride == 0` one (T, T) scratch is reused for every
///   (sequence, head), which is what inference does
/// - qkv: (B, T, 3C), rows `[q | k | v]` (q and k already rotated when rotary)
func attentionForward(
    out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, attStride: Int,
    qkv: UnsafePointer<Float>, batch b: Int, time t: Int, channels c: Int, heads h: Int
) {
    if KernelPath.fusedAttention(headSize: c / h) {
        icrl_attention_forward(out, att, attStride, qkv, Int32(b), Int32(t), Int32(c), Int32(h))
    } else {
        attentionForwardPortable(out: out, att: att, attStride: attStride, qkv: qkv, batch: b, time: t, channels: c, heads: h)
    }
}

/// The portable attention forward: OpenBLAS products per row block, Swift softmax.
/// Shapes as in `attentionForward`.
func attentionForwardPortable(
    out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, attStride: Int,
    qkv: UnsafePointer<Float>, batch b: Int, time t: Int, channels c: Int, heads h: Int
) {
    let hs = c / h, c3 = 3 * c
    let scale = 1 / Float(hs).squareRoot()
    let block = attentionBlockSize(t)
    for s in 0..<b {
        for head in 0..<h {
            let q = qkv + s * t * c3 + head * hs, k = q + c, v = q + 2 * c
            let p = att + (s * h + head) * attStride
            let o = out + s * t * c + head * hs
            var r0 = 0
            while r0 < t {
                let r1 = min(r0 + block, t)
                sgemm(transA: false, transB: true, m: r1 - r0, n: r1, k: hs, alpha: scale,
                      a: q + r0 * c3, lda: c3, b: k, ldb: c3, beta: 0, c: p + r0 * t, ldc: t)
                for i in r0..<r1 {
                    let row = p + i * t
                    softmaxInPlace(row, i + 1)
                    if i + 1 < r1 { (row + i + 1).update(repeating: 0, count: r1 - i - 1) }
                }
                sgemm(transA: false, transB: false, m: r1 - r0, n: hs, k: r1,
                      a: p + r0 * t, lda: t, b: v, ldb: c3, beta: 0, c: o + r0 * c, ldc: c)
                r0 = r1
            }
        }
    }
}

/// Attention backward. Overwrites `dqkv` (all three parts).
///
/// - dqkv: (B, T, 3C)
/// - scratch: (T, T), holds dP and then dS of one (sequence, head)
/// - dout: (B, T, C)
/// - qkv: (B, T, 3C), as in the forward pass
/// - att: (B, H, T, T) from the forward pass
func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
    batch b: Int, time t: Int, channels c: Int, heads h: Int
) {
    if KernelPath.fusedAttention(headSize: c / h) {
        icrl_attention_backward(dqkv, scratch, dout, qkv, att, Int32(b), Int32(t), Int32(c), Int32(h))
    } else {
        attentionBackwardPortable(dqkv: dqkv, scratch: scratch, dout: dout, qkv: qkv, att: att,
                                  batch: b, time: t, channels: c, heads: h)
    }
}

/// The portable attention backward, matching `attentionForwardPortable`. Shapes as in
/// `attentionBackward`.
func attentionBackwardPortable(
    dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
    batch b: Int, time t: Int, channels c: Int, heads h: Int
) {
    let hs = c / h, c3 = 3 * c
    let scale = 1 / Float(hs).squareRoot()
    let block = attentionBlockSize(t)
    for s in 0..<b {
        for head in 0..<h {
            let q = qkv + s * t * c3 + head * hs, k = q + c, v = q + 2 * c
            let dq = dqkv + s * t * c3 + head * hs, dk = dq + c, dv = dq + 2 * c
            let p = att + (s * h + head) * t * t
            let dO = dout + s * t * c + head * hs
            let ds = scratch
            var r0 = 0
            while r0 < t {
                let r1 = min(r0 + block, t)
                // dP = dO · Vᵀ on the causal part of the block.
                sgemm(transA: false, transB: true, m: r1 - r0, n: r1, k: hs,
                      a: dO + r0 * c, lda: c, b: v, ldb: c3, beta: 0, c: ds + r0 * t, ldc: t)
                // Softmax backward, the 1/√hs of the scores folded in:
                // dS = scale · P ⊙ (dP − Σⱼ P·dP).
                for i in r0..<r1 {
                    let pr = p + i * t, dr = ds + i * t
                    let n = i + 1
                    let dotPD = VectorMath.dot(pr, dr, n)
                    for j in 0..<n { dr[j] = pr[j] * (dr[j] - dotPD) * scale }
                    if n < r1 { (dr + n).update(repeating: 0, count: r1 - n) }
                }
                // dQ = dS · K.
                sgemm(transA: false, transB: false, m: r1 - r0, n: hs, k: r1,
                      a: ds + r0 * t, lda: t, b: k, ldb: c3, beta: 0, c: dq + r0 * c3, ldc: c3)
                r0 = r1
            }
            // Keys and values by column block: key block [c0, c1) is seen by queries [c0, T).
            var c0 = 0
            while c0 < t {
                let c1 = min(c0 + block, t)
                sgemm(transA: true, transB: false, m: c1 - c0, n: hs, k: t - c0,
                      a: ds + c0 * t + c0, lda: t, b: q + c0 * c3, ldb: c3, beta: 0, c: dk + c0 * c3, ldc: c3)
                sgemm(transA: true, transB: false, m: c1 - c0, n: hs, k: t - c0,
                      a: p + c0 * t + c0, lda: t, b: dO + c0 * c, ldb: c, beta: 0, c: dv + c0 * c3, ldc: c3)
                c0 = c1
            }
        }
    }
}
