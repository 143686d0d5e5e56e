import COpenBLAS

/// Attention of one query over a cache: `out = softmax(scale · K q) · V`, two OpenBLAS
/// matrix–vector products around a vectorised softmax.
///
/// - out: (hs)
/// - q: (hs)
/// - keys, values: (len, hs), consecutive cache slots (their order does not matter)
/// - scores: (len) scratch
func decodeAttention(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    length len: Int, headSize hs: Int, scores: UnsafeMutablePointer<Float>
) {
    let scale = 1 / Float(hs).squareRoot()
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(len), Int32(hs), scale, keys, Int32(hs), q, 1, 0, scores, 1)
    softmaxInPlace(scores, len)
    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(len), Int32(hs), 1, values, Int32(hs), scores, 1, 0, out, 1)
}

/// Naive reference of `decodeAttention`, same shapes; scalar loops only.
func decodeAttentionNaive(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    length len: Int, headSize hs: Int, scores: UnsafeMutablePointer<Float>
) {
    let scale = 1 / Float(hs).squareRoot()
    var m = -Float.infinity
    for j in 0..<len {
        var dot: Float = 0
        for d in 0..<hs { dot += q[d] * keys[j * hs + d] }
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
