import CNNKernels
import Testing
@testable import NN

/// Every layer's backward pass against central finite differences of its naive Double
/// forward pass, for L = Σ w·out with random w.
@Suite("Layer gradients")
struct LayerGradientTests {
    @Test("embedding tables (and learned positions)")
    func embedding() {
        var random = TestRandom(1)
        let c = 8, n = 6, vocab = [5, 3], offsets = [0, 5 * c], positionOffset = 8 * c, context = 4
        let params = random.floats(8 * c + context * c)
        let tokens: [Int32] = (0..<n).flatMap { r in [Int32(r % 5), Int32((r * 2) % 3)] }
        let positions: [Int32] = (0..<n).map { Int32($0 % context) }
        let w = random.floats(n * c)
        var out = [Float](repeating: 0, count: n * c)
        embeddingForward(out: &out, tokens: tokens, rows: n, parameters: params, tableOffsets: offsets, vocabularies: vocab,
                         positionOffset: positionOffset, positions: positions, channels: c)
        var grad = [Float](repeating: 0, count: params.count)
        embeddingBackward(gradients: &grad, dout: w, tokens: tokens, rows: n, tableOffsets: offsets,
                          positionOffset: positionOffset, positions: positions, channels: c)
        let loss: ([Double]) -> Double = { p in
            let tables = [Array(p[0..<(5 * c)]), Array(p[(5 * c)..<(8 * c)])]
            let y = ReferenceKernels.embedding(tokens: tokens, rows: n, tables: tables, positionTable: Array(p[(8 * c)...]),
                                               positions: positions.map(Int.init), channels: c)
            return weightedSum(y, w)
        }
        let p = params.map(Double.init)
        let numeric = p.indices.map { centralDifference(p, $0, loss) }
        #expect(gradientErrorRatio(grad, numeric) <= 1)
        #expect(maxAbsDiff(out, ReferenceKernels.embedding(tokens: tokens, rows: n, tables: [Array(p[0..<(5 * c)]), Array(p[(5 * c)..<(8 * c)])],
                                                          positionTable: Array(p[(8 * c)...]), positions: positions.map(Int.init), channels: c)) < 1e-6)
    }

    /// Both kernel paths (the C kernels where this process runs them); 20 channels leave a
    /// masked tail.
    @Test("layernorm: input, gain and bias", arguments: LayerNormCase.all)
    func layerNorm(_ k: LayerNormCase) {
        var random = TestRandom(2)
        let n = 5, c = k.channels, eps = 1e-5
        let x = random.floats(n * c, scale: 2), weight = random.floats(c).map { $0 + 1 }, bias = random.floats(c)
        let w = random.floats(n * c)
        var out = [Float](repeating: 0, count: n * c), mean = [Float](repeating: 0, count: n), rstd = mean
        var dx = [Float](repeating: 0, count: n * c), dw = [Float](repeating: 0, count: c), db = dw
        switch k.path {
        case .portable:
            layerNormForwardPortable(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: weight, bias: bias, rows: n, channels: c, epsilon: Float(eps))
            layerNormBackwardPortable(dinp: &dx, dweight: &dw, dbias: &db, dout: w, inp: x, weight: weight, mean: mean, rstd: rstd, rows: n, channels: c)
        case .avx512, .avx2:
            icrl_layernorm_forward(&out, &mean, &rstd, x, weight, bias, n, Int32(c), Float(eps))
            icrl_layernorm_backward(&dx, &dw, &db, w, x, weight, mean, rstd, n, Int32(c))
        }
        let xd = x.map(Double.init), wd = weight.map(Double.init), bd = bias.map(Double.init)
        let ref = ReferenceKernels.layerNorm(xd, weight: wd, bias: bd, rows: n, channels: c, epsilon: eps)
        #expect(maxAbsDiff(out, ref) < 1e-5)
        let numX = xd.indices.map { centralDifference(xd, $0) { weightedSum(ReferenceKernels.layerNorm($0, weight: wd, bias: bd, rows: n, channels: c, epsilon: eps), w) } }
        let numW = wd.indices.map { centralDifference(wd, $0) { weightedSum(ReferenceKernels.layerNorm(xd, weight: $0, bias: bd, rows: n, channels: c, epsilon: eps), w) } }
        let numB = bd.indices.map { centralDifference(bd, $0) { weightedSum(ReferenceKernels.layerNorm(xd, weight: wd, bias: $0, rows: n, channels: c, epsilon: eps), w) } }
        #expect(gradientErrorRatio(dx, numX) <= 1)
        #expect(gradientErrorRatio(dw, numW) <= 1)
        #expect(gradientErrorRatio(db, numB) <= 1)
    }

    /// Every matmul path this CPU runs; bf16x3 keeps ~16 bits per product, so its forward
    /// values get a wider bound (the gradients are checked the same way for all).
    static let linearCases: [((Int, Int, Int), MatmulPath)] = MatmulPath.allCases.filter(\.isAvailable)
        .flatMap { path in [(7, 12, 20), (9, 16, 4)].map { ($0, path) } }

    @Test("linear layer and Q head: input, weight and bias", arguments: linearCases)
    func linear(shape: (Int, Int, Int), path: MatmulPath) {
        let (n, c, oc) = shape
        var random = TestRandom(3)
        let x = random.floats(n * c), weight = random.floats(oc * c), bias = random.floats(oc)
        let residual = random.floats(n * oc)
        let w = random.floats(n * oc)
        var out = [Float](repeating: 0, count: n * oc)
        linearForward(out: &out, inp: x, weight: weight, bias: bias, residual: residual, rows: n, inChannels: c, outChannels: oc, path: path)
        let xd = x.map(Double.init), wd = weight.map(Double.init), bd = bias.map(Double.init)
        var ref = ReferenceKernels.linear(xd, weight: wd, bias: bd, rows: n, inChannels: c, outChannels: oc)
        for i in ref.indices { ref[i] += Double(residual[i]) }
        #expect(maxAbsDiff(out, ref) < (path == .bf16x3 ? 2e-4 : 1e-5))
        var dx = [Float](repeating: 0, count: n * c), dw = [Float](repeating: 0, count: oc * c), db = [Float](repeating: 0, count: oc)
        linearBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: w, inp: x, weight: weight, rows: n, inChannels: c, outChannels: oc, path: path)
        let f: ([Double], [Double], [Double]) -> Double = { weightedSum(ReferenceKernels.linear($0, weight: $1, bias: $2, rows: n, inChannels: c, outChannels: oc), w) }
        #expect(gradientErrorRatio(dx, xd.indices.map { centralDifference(xd, $0) { f($0, wd, bd) } }) <= 1)
        #expect(gradientErrorRatio(dw, wd.indices.map { centralDifference(wd, $0) { f(xd, $0, bd) } }) <= 1)
        #expect(gradientErrorRatio(db, bd.indices.map { centralDifference(bd, $0) { f(xd, wd, $0) } }) <= 1)
    }

    @Test("GELU (tanh approximation)")
    func gelu() {
        var random = TestRandom(4)
        let x = random.floats(37, scale: 3), w = random.floats(37)
        var out = [Float](repeating: 0, count: 37), dx = out, slope = out, inferenceOut = out
        geluForward(out: &out, slope: &slope, inp: x, count: 37)
        geluForward(out: &inferenceOut, inp: x, count: 37)
        geluBackward(dinp: &dx, slope: slope, dout: w, count: 37)
        #expect(inferenceOut == out)
        let xd = x.map(Double.init)
        #expect(maxAbsDiff(out, ReferenceKernels.gelu(xd)) < 1e-6)
        #expect(gradientErrorRatio(dx, xd.indices.map { centralDifference(xd, $0) { weightedSum(ReferenceKernels.gelu($0), w) } }) <= 1)
    }

    /// Portable: T = 7 is one attention block; T = 70 spans blocks of 32, 32 and 6. C kernels
    /// (head sizes 16 and 32): T = 7, 9, 40 and 70 cover partial and full 8-row tiles and
    /// key chunks past 32 (AVX-512) or 16 (AVX2).
    @Test("causal attention with rotary, gradient w.r.t. pre-rotary qkv", arguments: AttentionCase.all)
    func attention(_ k: AttentionCase) {
        var random = TestRandom(5)
        let t = k.time, b = 2, c = k.channels, h = k.heads, hs = c / h, n = b * t
        let qkv0 = random.floats(n * 3 * c)
        let w = random.floats(n * c)
        let table = RotaryTable(headSize: hs, positions: t, base: 10_000)
        var qkv = qkv0
        for s in 0..<b {
            qkv.withUnsafeMutableBufferPointer { p in
                rotaryForward(x: p.baseAddress! + s * t * 3 * c, rowStride: 3 * c, rows: t, chunks: 2 * h, headSize: hs,
                              cos: table.cos, sin: table.sin, cosRowStride: table.half)
            }
        }
        var out = [Float](repeating: 0, count: n * c), att = [Float](repeating: 0, count: b * h * t * t)
        var dqkv = [Float](repeating: 0, count: n * 3 * c), scratch = [Float](repeating: 0, count: t * t)
        k.forward(&out, &att, qkv, b, t, c, h)
        k.backward(&dqkv, &scratch, w, qkv, att, b, t, c, h)
        for s in 0..<b {
            dqkv.withUnsafeMutableBufferPointer { p in
                rotaryBackward(dx: p.baseAddress! + s * t * 3 * c, rowStride: 3 * c, rows: t, chunks: 2 * h, headSize: hs,
                               cos: table.cos, sin: table.sin, cosRowStride: table.half)
            }
        }
        let positions = (0..<n).map { $0 % t }
        let f: ([Double]) -> [Double] = { x in
            ReferenceKernels.attention(ReferenceKernels.rotary(x, rows: n, channels: c, heads: h, positions: positions, base: 10_000),
                                       batch: b, time: t, channels: c, heads: h)
        }
        let xd = qkv0.map(Double.init)
        #expect(maxAbsDiff(out, f(xd)) < 1e-5)
        // Sample the inputs of the larger cases: each difference costs two naive passes.
        let indices = xd.count <= 400 ? Array(xd.indices) : (0..<48).map { ($0 * 7919) % xd.count }
        let numeric = indices.map { centralDifference(xd, $0) { weightedSum(f($0), w) } }
        #expect(gradientErrorRatio(indices.map { dqkv[$0] }, numeric) <= 1)
    }
}

/// A LayerNorm width and the kernel path under test.
struct LayerNormCase: CustomTestStringConvertible, Sendable {
    let channels: Int
    let path: KernelPath

    var testDescription: String { "\(path) C=\(channels)" }

    static let all: [LayerNormCase] = [16, 20].flatMap { c in
        ([KernelPath.portable] + (KernelPath.available ? [KernelPath.current] : [])).map { LayerNormCase(channels: c, path: $0) }
    }
}

/// One attention configuration and the kernel pair under test.
struct AttentionCase: CustomTestStringConvertible, Sendable {
    let time: Int, channels: Int, heads: Int
    let path: KernelPath

    var testDescription: String { "\(path) T=\(time) C=\(channels) H=\(heads)" }

    static let all: [AttentionCase] =
        [7, 70].map { AttentionCase(time: $0, channels: 8, heads: 2, path: .portable) }
        + (KernelPath.available
            ? [7, 9, 70].map { AttentionCase(time: $0, channels: 32, heads: 2, path: KernelPath.current) }
            + [9, 40].map { AttentionCase(time: $0, channels: 64, heads: 2, path: KernelPath.current) }
            : [])

    func forward(_ out: inout [Float], _ att: inout [Float], _ qkv: [Float], _ b: Int, _ t: Int, _ c: Int, _ h: Int) {
        switch path {
        case .portable: attentionForwardPortable(out: &out, att: &att, attStride: t * t, qkv: qkv, batch: b, time: t, channels: c, heads: h)
        case .avx512, .avx2: icrl_attention_forward(&out, &att, t * t, qkv, Int32(b), Int32(t), Int32(c), Int32(h))
        }
    }

    func backward(_ dqkv: inout [Float], _ scratch: inout [Float], _ dout: [Float], _ qkv: [Float], _ att: [Float],
                  _ b: Int, _ t: Int, _ c: Int, _ h: Int) {
        switch path {
        case .portable:
            attentionBackwardPortable(dqkv: &dqkv, scratch: &scratch, dout: dout, qkv: qkv, att: att, batch: b, time: t, channels: c, heads: h)
        case .avx512, .avx2: icrl_attention_backward(&dqkv, &scratch, dout, qkv, att, Int32(b), Int32(t), Int32(c), Int32(h))
        }
    }
}
