import CNNKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) private func cosine(_ x: Double) -> Double { cos(x) }
@inline(__always) private func sine(_ x: Double) -> Double { sin(x) }

/// Cosines and sines of rotary angles `position · θ^(-2i / headSize)`, computed in Double
/// so that large absolute positions (a long-lived KV cache) stay accurate in Float.
struct RotaryTable {
    /// Half the head size: number of rotated pairs per head.
    let half: Int
    /// Rows in the table.
    let positions: Int
    /// (positions, half)
    let cos: [Float]
    /// (positions, half)
    let sin: [Float]
    /// (half), `θ^(-2i / headSize)`.
    let frequencies: [Double]

    init(headSize: Int, positions: Int, base: Double) {
        half = headSize / 2
        self.positions = positions
        frequencies = (0..<half).map { i in pow(base, -Double(2 * i) / Double(headSize)) }
        var c = [Float](repeating: 0, count: positions * half), s = c
        for p in 0..<positions {
            for i in 0..<half {
                let angle = Double(p) * frequencies[i]
                c[p * half + i] = Float(cosine(angle))
                s[p * half + i] = Float(sine(angle))
            }
        }
        cos = c
        sin = s
    }

    /// Writes one row of cosines and sines for an arbitrary absolute position.
    ///
    /// - cos, sin: (half)
    func angles(position: Int, cos c: UnsafeMutablePointer<Float>, sin s: UnsafeMutablePointer<Float>) {
        if position < positions {
            cos.withUnsafeBufferPointer { c.update(from: $0.baseAddress! + position * half, count: half) }
            sin.withUnsafeBufferPointer { s.update(from: $0.baseAddress! + position * half, count: half) }
            return
        }
        for i in 0..<half {
            let angle = Double(position) * frequencies[i]
            c[i] = Float(cosine(angle))
            s[i] = Float(sine(angle))
        }
    }
}

/// Rotary embedding, rotate-half convention: in every head chunk, element `i` pairs with
/// `i + half`, `(x₁, x₂) → (x₁ cos − x₂ sin, x₂ cos + x₁ sin)`. Applied in place; the
/// training pass keeps only the rotated q and k because the rotation is orthogonal and
/// the backward pass can undo it.
///
/// - x: (rows, rowStride), the first `chunks · headSize` columns of each row are rotated
///   (q and k of a qkv row are `2·heads` consecutive chunks)
/// - cos, sin: (rows, headSize/2); row r uses `cos + r·cosRowStride` (stride 0 repeats one row)
func rotaryForward(
    x: UnsafeMutablePointer<Float>, rowStride: Int, rows: Int, chunks: Int, headSize: Int,
    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, cosRowStride: Int
) {
    if KernelPath.current.hasCKernels {
        return icrl_rotary(x, rowStride, rows, Int32(chunks), Int32(headSize), cos, sin, cosRowStride, 0)
    }
    rotaryForwardPortable(x: x, rowStride: rowStride, rows: rows, chunks: chunks, headSize: headSize,
                          cos: cos, sin: sin, cosRowStride: cosRowStride)
}

/// The portable `rotaryForward`.
func rotaryForwardPortable(
    x: UnsafeMutablePointer<Float>, rowStride: Int, rows: Int, chunks: Int, headSize: Int,
    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, cosRowStride: Int
) {
    let half = headSize / 2
    for r in 0..<rows {
        let c = cos + r * cosRowStride, s = sin + r * cosRowStride
        for chunk in 0..<chunks {
            let p = x + r * rowStride + chunk * headSize
            for i in 0..<half {
                let x1 = p[i], x2 = p[i + half]
                p[i] = x1 * c[i] - x2 * s[i]
                p[i + half] = x2 * c[i] + x1 * s[i]
            }
        }
    }
}

/// Rotary backward: the transpose (inverse) rotation applied in place to the gradient.
///
/// - dx: (rows, rowStride), as in `rotaryForward`
/// - cos, sin: (rows, headSize/2)
func rotaryBackward(
    dx: UnsafeMutablePointer<Float>, rowStride: Int, rows: Int, chunks: Int, headSize: Int,
    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, cosRowStride: Int
) {
    if KernelPath.current.hasCKernels {
        return icrl_rotary(dx, rowStride, rows, Int32(chunks), Int32(headSize), cos, sin, cosRowStride, 1)
    }
    rotaryBackwardPortable(dx: dx, rowStride: rowStride, rows: rows, chunks: chunks, headSize: headSize,
                           cos: cos, sin: sin, cosRowStride: cosRowStride)
}

/// The portable `rotaryBackward`.
func rotaryBackwardPortable(
    dx: UnsafeMutablePointer<Float>, rowStride: Int, rows: Int, chunks: Int, headSize: Int,
    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, cosRowStride: Int
) {
    let half = headSize / 2
    for r in 0..<rows {
        let c = cos + r * cosRowStride, s = sin + r * cosRowStride
        for chunk in 0..<chunks {
            let p = dx + r * rowStride + chunk * headSize
            for i in 0..<half {
                let d1 = p[i], d2 = p[i + half]
                p[i] = d1 * c[i] + d2 * s[i]
                p[i + half] = d2 * c[i] - d1 * s[i]
            }
        }
    }
}
