import COpenBLAS
import Testing

/// Proves the system OpenBLAS links and computes what a naive loop computes,
/// transposes included, before any layer is built on it.
@Suite("OpenBLAS link")
struct OpenBLASLinkTests {
    @Test("cblas_sgemm matches a naive triple loop", arguments: [
        (CblasNoTrans, CblasNoTrans), (CblasTrans, CblasNoTrans), (CblasNoTrans, CblasTrans), (CblasTrans, CblasTrans),
    ])
    func sgemm(transA: CBLAS_TRANSPOSE, transB: CBLAS_TRANSPOSE) {
        let m = 37, n = 29, k = 41
        var seed: UInt64 = 12345
        func next() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 2001 - 1000) / 1000
        }
        let a = (0..<(m * k)).map { _ in next() }   // (m, k), or (k, m) when transposed
        let b = (0..<(k * n)).map { _ in next() }   // (k, n), or (n, k) when transposed
        var c = (0..<(m * n)).map { _ in next() }   // (m, n)
        let c0 = c
        let alpha: Float = 0.75, beta: Float = -0.5
        let ta = transA == CblasTrans, tb = transB == CblasTrans
        cblas_sgemm(CblasRowMajor, transA, transB, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(ta ? m : k), b, Int32(tb ? k : n), beta, &c, Int32(n))
        var maxError: Float = 0
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let av = ta ? a[p * m + i] : a[i * k + p]
                    let bv = tb ? b[j * k + p] : b[p * n + j]
                    sum += Double(av) * Double(bv)
                }
                let expected = Float(Double(alpha) * sum + Double(beta) * Double(c0[i * n + j]))
                maxError = max(maxError, abs(expected - c[i * n + j]))
            }
        }
        #expect(maxError < 1e-4)
    }
}
