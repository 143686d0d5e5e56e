import CNNKernels
import Foundation
import Testing
@testable import NN

/// The C kernels, on the process's path (AVX-512 or AVX2: `ICRL_NN_KERNELS=avx2` tests the
/// AVX2 build on an AVX-512 machine), against the portable Swift ones and the naive
/// references, on odd lengths that exercise the masked tails. The attention gradient checks
/// for this path are in `LayerGradientTests`.
@Suite("C kernels (AVX-512 or AVX2)", .enabled(if: KernelPath.available, "this process runs no C kernels: the CPU lacks AVX2 and AVX-512 or ICRL_NN_KERNELS caps them"))
struct AVX512KernelTests {
    @Test("GELU forward, with and without the slope, matches the portable kernel", arguments: [1, 15, 16, 37, 1000])
    func gelu(count n: Int) {
        var random = TestRandom(90 + UInt64(n))
        let x = random.floats(n, scale: 4)
        var fast = [Float](repeating: 0, count: n), portable = fast, slope = fast, training = fast
        icrl_gelu_forward(&fast, x, n)
        geluForwardPortable(out: &portable, inp: x, count: n)
        icrl_gelu_forward_slope(&training, &slope, x, n)
        // Exact slope in Double: d/dx ½x(1 + tanh u), u = k0(x + k1x³).
        let k0 = 0.797_884_560_802_865_4, k1 = 0.044_715
        let exactSlope = x.map(Double.init).map { x -> Double in
            let t = Foundation.tanh(k0 * (x + k1 * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k0 * (1 + 3 * k1 * x * x)
        }
        let reference = ReferenceKernels.gelu(x.map(Double.init))
        for i in 0..<n {
            let tolerance = 2e-6 * max(1, abs(reference[i]))
            #expect(abs(Double(fast[i]) - reference[i]) <= tolerance)
            #expect(abs(Double(portable[i]) - reference[i]) <= tolerance)
            // 1 − t² cancels where tanh saturates: a few 1e-5 in Float for either kernel.
            #expect(abs(Double(slope[i]) - exactSlope[i]) <= 1e-4)
        }
        #expect(training == fast, "the training and inference forms round alike")
        let dout = random.floats(n)
        var dinp = [Float](repeating: .nan, count: n)
        icrl_gelu_backward(&dinp, slope, dout, n)
        #expect(dinp == zip(slope, dout).map { $0 * $1 }, "GELU backward is slope ⊙ dout")
    }

    @Test("rotary forward and inverse match the portable kernels and undo each other", arguments: [8, 32, 48])
    func rotary(headSize hs: Int) {
        var random = TestRandom(95 + UInt64(hs))
        let rows = 9, chunks = 3, stride = chunks * hs + 5, half = hs / 2
        let x = random.floats(rows * stride), angles = random.floats(rows * half, scale: 3)
        let cos = angles.map { Foundation.cos($0) }, sin = angles.map { Foundation.sin($0) }
        var fast = x, portable = x
        icrl_rotary(&fast, stride, rows, Int32(chunks), Int32(hs), cos, sin, half, 0)
        rotaryForwardPortable(x: &portable, rowStride: stride, rows: rows, chunks: chunks, headSize: hs, cos: cos, sin: sin, cosRowStride: half)
        #expect(maxAbsDiff(fast, portable) <= 1e-6)
        for r in 0..<rows {
            for j in (chunks * hs)..<stride { #expect(fast[r * stride + j] == x[r * stride + j], "columns past the chunks are left alone") }
        }
        var back = fast, backPortable = fast
        icrl_rotary(&back, stride, rows, Int32(chunks), Int32(hs), cos, sin, half, 1)
        rotaryBackwardPortable(dx: &backPortable, rowStride: stride, rows: rows, chunks: chunks, headSize: hs, cos: cos, sin: sin, cosRowStride: half)
        #expect(maxAbsDiff(back, backPortable) <= 1e-6)
        #expect(maxAbsDiff(back, x) <= 1e-5, "the inverse rotation undoes the rotation")
    }

    @Test("bias gradient sums columns into what is there", arguments: [4, 20, 70, 512])
    func biasBackward(columns oc: Int) {
        var random = TestRandom(93)
        let n = 37
        let dout = random.floats(n * oc), start = random.floats(oc)
        var dbias = start
        icrl_bias_backward(&dbias, dout, n, Int32(oc))
        let expected = (0..<oc).map { j in Double(start[j]) + (0..<n).reduce(0.0) { $0 + Double(dout[$1 * oc + j]) } }
        #expect(maxAbsDiff(dbias, expected) < 1e-4)
    }

    @Test("decode attention matches the naive reference", arguments: [(45, 40), (1, 32), (255, 32), (17, 16)])
    func decode(length len: Int, headSize hs: Int) {
        var random = TestRandom(91)
        let w = (len + 15) / 16 * 16 + 3
        let q = random.floats(hs), keys = random.floats(hs * w), values = random.floats(w * hs)
        var fast = [Float](repeating: 0, count: hs), naive = fast, scores = [Float](repeating: 0, count: len)
        icrl_decode_attention(&fast, q, keys, w, values, len, Int32(hs), &scores)
        decodeAttentionNaive(out: &naive, q: q, keys: keys, stride: w, values: values, length: len, headSize: hs, scores: &scores)
        #expect(maxAbsDiff(fast, naive) < 1e-5)
    }

    @Test("fused attention equals the portable kernels at the reference head size")
    func attentionAgainstPortable() {
        var random = TestRandom(92)
        let b = 2, t = 41, c = 128, h = 4, n = b * t
        let qkv = random.floats(n * 3 * c), dout = random.floats(n * c)
        var out = [Float](repeating: 0, count: n * c), portableOut = out
        var att = [Float](repeating: 0, count: b * h * t * t), portableAtt = att
        icrl_attention_forward(&out, &att, t * t, qkv, Int32(b), Int32(t), Int32(c), Int32(h))
        attentionForwardPortable(out: &portableOut, att: &portableAtt, attStride: t * t, qkv: qkv, batch: b, time: t, channels: c, heads: h)
        #expect(maxAbsDiff(out, portableOut) < 1e-5)
        // Inference reuses one (T, T) scratch and normalises the output rows instead of P.
        var inferenceOut = out, scratchP = [Float](repeating: 0, count: t * t)
        icrl_attention_forward(&inferenceOut, &scratchP, 0, qkv, Int32(b), Int32(t), Int32(c), Int32(h))
        #expect(maxAbsDiff(inferenceOut, out) < 1e-5)
        var dqkv = [Float](repeating: 0, count: n * 3 * c), portableD = dqkv, scratch = [Float](repeating: 0, count: t * t)
        icrl_attention_backward(&dqkv, &scratch, dout, qkv, att, Int32(b), Int32(t), Int32(c), Int32(h))
        attentionBackwardPortable(dqkv: &portableD, scratch: &scratch, dout: dout, qkv: qkv, att: portableAtt,
                                  batch: b, time: t, channels: c, heads: h)
        #expect(maxAbsDiff(dqkv, portableD) < 1e-4)
    }
}
