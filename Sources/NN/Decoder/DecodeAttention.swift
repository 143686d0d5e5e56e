import CNNKernels

/// Attention of one query over a cache: `out = softmax(scale · Kᵀq) · V`.
///
/// Keys are stored transposed, `(hs, W)` — row d holds component d of every cached key — so
/// the scores are `hs` sequential broadcast-multiply-add sweeps with no horizontal sums; values stay `(W, hs)` so P·V is a sweep over slots adding scaled rows. The cache
/// is read exactly once, which is what bounds decoding (per step it is megabytes, far past
/// L2). Hand-written rather than two `sgemv` calls: at 32×256 the calls' fixed costs and
/// the 32-long dot products of `sgemv_t` cost more than the arithmetic.
///
/// - out: (hs)
/// - q: (hs)
/// - keys: (hs, W) with row stride `stride` = W; slots `0..<len` are used
/// - values: (W, hs); rows `0..<len` are used
/// - scores: (len) scratch
func decodeAttention(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, keys: UnsafePointer<Float>, stride w: Int,
    values: UnsafePointer<Float>, length len: Int, headSize hs: Int, scores: UnsafeMutablePointer<Float>
) {
    if KernelPath.current.hasCKernels {
        return icrl_decode_attention(out, q, keys, w, values, len, Int32(hs), scores)
    }
    decodeAttentionPortable(out: out, q: q, keys: keys, stride: w, values: values, length: len, headSize: hs, scores: scores)
}

/// `decodeAttention` after appending one token's key and value to the cache at `slot`
/// (< `len`): `keys[d, slot] = key[d]`, `values[slot] = value`. The C kernel writes
/// each key component just before its row is read, while the line is arriving anyway; a
/// separate pass costs one cache miss per component (32 per head and token).
///
/// - key, value: (hs)
func decodeAttention(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, keys: UnsafeMutablePointer<Float>, stride w: Int,
    values: UnsafeMutablePointer<Float>, length len: Int, headSize hs: Int, scores: UnsafeMutablePointer<Float>,
    appending key: UnsafePointer<Float>, _ value: UnsafePointer<Float>, slot: Int
) {
    precondition(slot >= 0 && slot < len, "the appended slot must be one the attention reads")
    if KernelPath.current.hasCKernels {
        return icrl_decode_attention_append(out, q, keys, w, values, len, Int32(hs), scores, key, value, slot)
    }
    for d in 0..<hs { keys[d * w + slot] = key[d] }
    (values + slot * hs).update(from: value, count: hs)
    decodeAttentionPortable(out: out, q: q, keys: keys, stride: w, values: values, length: len, headSize: hs, scores: scores)
}

/// The portable `decodeAttention` (Swift `SIMD8`), same shapes.
func decodeAttentionPortable(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, keys: UnsafePointer<Float>, stride w: Int,
    values: UnsafePointer<Float>, length len: Int, headSize hs: Int, scores: UnsafeMutablePointer<Float>
) {
    typealias V = VectorMath.V
    let scale = 1 / Float(hs).squareRoot()
    // Four key rows per sweep, so the (hs, W) block streams through memory in order
    // (prefetch-friendly) while the scores, kept in L1, are loaded and stored once per
    // four components instead of once per component.
    let body = len / 8 * 8
    scores.update(repeating: 0, count: len)
    var d = 0
    while d < hs {
        let rows = min(4, hs - d)
        let r0 = keys + d * w
        let q0 = q[d] * scale
        let q1 = rows > 1 ? q[d + 1] * scale : 0, q2 = rows > 2 ? q[d + 2] * scale : 0, q3 = rows > 3 ? q[d + 3] * scale : 0
        // Rows past the head size read row 0 again with a zero weight: no branch in the loop.
        let r1 = rows > 1 ? r0 + w : r0, r2 = rows > 2 ? r0 + 2 * w : r0, r3 = rows > 3 ? r0 + 3 * w : r0
        let v0 = V(repeating: q0), v1 = V(repeating: q1), v2 = V(repeating: q2), v3 = V(repeating: q3)
        var j = 0
        while j < body {
            var acc = VectorMath.load(scores + j)
            acc += v0 * VectorMath.load(r0 + j)
            acc += v1 * VectorMath.load(r1 + j)
            acc += v2 * VectorMath.load(r2 + j)
            acc += v3 * VectorMath.load(r3 + j)
            VectorMath.store(acc, scores + j)
            j += 8
        }
        while j < len {
            scores[j] += q0 * r0[j] + q1 * r1[j] + q2 * r2[j] + q3 * r3[j]
            j += 1
        }
        d += rows
    }
    softmaxInPlace(scores, len)
    var d0 = 0
    while d0 + 32 <= hs {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        for j in 0..<len {
            let p = V(repeating: scores[j])
            let row = values + j * hs + d0
            a0 += p * VectorMath.load(row)
            a1 += p * VectorMath.load(row + 8)
            a2 += p * VectorMath.load(row + 16)
            a3 += p * VectorMath.load(row + 24)
        }
        VectorMath.store(a0, out + d0)
        VectorMath.store(a1, out + d0 + 8)
        VectorMath.store(a2, out + d0 + 16)
        VectorMath.store(a3, out + d0 + 24)
        d0 += 32
    }
    while d0 + 8 <= hs {
        var a0 = V()
        for j in 0..<len { a0 += V(repeating: scores[j]) * VectorMath.load(values + j * hs + d0) }
        VectorMath.store(a0, out + d0)
        d0 += 8
    }
    while d0 < hs {
        var acc: Float = 0
        for j in 0..<len { acc += scores[j] * values[j * hs + d0] }
        out[d0] = acc
        d0 += 1
    }
}

/// Naive reference of `decodeAttention`, same shapes; scalar loops only.
func decodeAttentionNaive(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, keys: UnsafePointer<Float>, stride w: Int,
    values: UnsafePointer<Float>, length len: Int, headSize hs: Int, scores: UnsafeMutablePointer<Float>
) {
    let scale = 1 / Float(hs).squareRoot()
    var m = -Float.infinity
    for j in 0..<len {
        var dot: Float = 0
        for d in 0..<hs { dot += q[d] * keys[d * w + j] }
        scores[j] = dot * scale
        m = max(m, scores[j])
    }
    var sum: Float = 0
    for j in 0..<len {
        scores[j] = (scores[j] - m).exponential
        sum += scores[j]
    }
    for d in 0..<hs {
        var acc: Float = 0
        for j in 0..<len { acc += scores[j] / sum * values[j * hs + d] }
        out[d] = acc
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Float {
    /// libm's `expf`, for the naive kernels.
    fileprivate var exponential: Float { expf(self) }
}
