import Foundation
import CNNKernels
import Testing
@testable import NN

/// Every matmul path this CPU runs (`MatmulPath`) against a Float64 reference, on shapes
/// with ragged tails (rows not a multiple of the 6- or 32-row blocks, columns not a
/// multiple of 16 or 64, inner dimensions not a multiple of 32) and on the reference
/// config's shapes. The error is measured relative to Σ|a·b| of each output, the scale a
/// rounding error of the products lives on.
@Suite("Linear-layer matmul paths")
struct MatmulKernelTests {
    /// Per-path bound on |error| / Σ|a·b|. fp32 kernels measure ~2e-7; bf16x3 keeps ~16
    /// bits per product and measures up to ~1.2e-5 (see `MatmulPath.bf16x3`).
    static func tolerance(_ path: MatmulPath) -> Double { path == .bf16x3 ? 1e-4 : 2e-6 }

    static let shapes: [(rows: Int, inChannels: Int, outChannels: Int)] = [
        (7, 20, 13), (1, 5, 3), (13, 16, 64), (33, 128, 4), (100, 130, 70), (64, 128, 384), (40, 512, 128),
        (300, 24, 40),
    ]

    static var cases: [(MatmulPath, Int)] {
        MatmulPath.allCases.filter(\.isAvailable).flatMap { path in shapes.indices.map { (path, $0) } }
    }

    @Test("forward: out = inp · weightᵀ + bias + residual, in place over the residual too", arguments: cases)
    func forward(path: MatmulPath, shape index: Int) {
        let (n, c, oc) = Self.shapes[index]
        var random = TestRandom(400 + UInt64(index))
        let inp = random.floats(n * c), weight = random.floats(oc * c), bias = random.floats(oc)
        let residual = random.floats(n * oc)
        var (expected, scale) = Self.reference(n, oc, c, { inp[$0 * c + $1] }, { weight[$1 * c + $0] })
        for i in 0..<n {
            for j in 0..<oc {
                expected[i * oc + j] += Double(bias[j]) + Double(residual[i * oc + j])
                scale[i * oc + j] += abs(Double(bias[j])) + abs(Double(residual[i * oc + j]))
            }
        }
        var out = [Float](repeating: .nan, count: n * oc), inPlace = residual
        linearForward(out: &out, inp: inp, weight: weight, bias: bias, residual: residual,
                      rows: n, inChannels: c, outChannels: oc, path: path)
        inPlace.withUnsafeMutableBufferPointer { io in
            linearForward(out: io.baseAddress!, inp: inp, weight: weight, bias: bias, residual: io.baseAddress!,
                          rows: n, inChannels: c, outChannels: oc, path: path)
        }
        #expect(Self.worst(out, expected, scale) <= Self.tolerance(path), "\(path) \(n)×\(c)→\(oc)")
        #expect(out == inPlace, "residual aliasing the output gives the same result")
    }

    @Test("backward: dinp overwritten, dweight and dbias accumulated", arguments: cases)
    func backward(path: MatmulPath, shape index: Int) {
        let (n, c, oc) = Self.shapes[index]
        var random = TestRandom(500 + UInt64(index))
        let inp = random.floats(n * c), weight = random.floats(oc * c), dout = random.floats(n * oc)
        let dweightStart = random.floats(oc * c), dbiasStart = random.floats(oc)
        var dinp = [Float](repeating: .nan, count: n * c), dweight = dweightStart, dbias = dbiasStart
        linearBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight,
                       rows: n, inChannels: c, outChannels: oc, path: path)
        let (dinpExpected, dinpScale) = Self.reference(n, c, oc, { dout[$0 * oc + $1] }, { weight[$0 * c + $1] })
        var (dweightExpected, dweightScale) = Self.reference(oc, c, n, { dout[$1 * oc + $0] }, { inp[$0 * c + $1] })
        for i in dweightStart.indices {
            dweightExpected[i] += Double(dweightStart[i])
            dweightScale[i] += abs(Double(dweightStart[i]))
        }
        let dbiasExpected = (0..<oc).map { j in Double(dbiasStart[j]) + (0..<n).reduce(0.0) { $0 + Double(dout[$1 * oc + j]) } }
        #expect(Self.worst(dinp, dinpExpected, dinpScale) <= Self.tolerance(path), "\(path) dinp \(n)×\(c)←\(oc)")
        // The weight gradient runs on fp32 kernels in every mode.
        #expect(Self.worst(dweight, dweightExpected, dweightScale) <= 2e-6, "\(path) dweight")
        #expect(maxAbsDiff(dbias, dbiasExpected) < 1e-4)
        // A GELU's backward folded into the GEMM: exactly the product, rounded once more.
        let slope = random.floats(n * c)
        var scaled = [Float](repeating: .nan, count: n * c)
        linearBackward(dinp: &scaled, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight,
                       rows: n, inChannels: c, outChannels: oc, dinpScale: slope, path: path)
        #expect(scaled == zip(dinp, slope).map { $0 * $1 }, "\(path) dinp ⊙ dinpScale")
    }

    @Test("the paths agree with each other on a reference-size layer to the parity bound")
    func modelAgreesAcrossPaths() throws {
        let paths = MatmulPath.allCases.filter(\.isAvailable)
        var random = TestRandom(600)
        let (n, c, oc) = (48, 128, 384)
        let inp = random.floats(n * c), weight = random.floats(oc * c, scale: 0.1), bias = random.floats(oc)
        let outputs = paths.map { path -> [Float] in
            var out = [Float](repeating: 0, count: n * oc)
            linearForward(out: &out, inp: inp, weight: weight, bias: bias, residual: nil,
                          rows: n, inChannels: c, outChannels: oc, path: path)
            return out
        }
        for (path, out) in zip(paths, outputs) { #expect(maxAbsDiff(out, outputs.last!.map(Double.init)) < 1e-4, "\(path)") }
    }

    @Test("GELU fused into the packed GEMM's epilogue equals the GEMM then GELU, bit for bit",
          .enabled(if: KernelPath.available, "the fused epilogue is a C kernel and this process runs none"),
          arguments: shapes.indices)
    func fusedGELU(shape index: Int) throws {
        let (n, c, oc) = Self.shapes[index]
        var random = TestRandom(700 + UInt64(index))
        let inp = random.floats(n * c), weight = random.floats(oc * c), bias = random.floats(oc)
        var panels = [Float](repeating: 0, count: icrl_linear_packed_size(Int32(c), Int32(oc)))
        icrl_linear_pack(&panels, weight, Int32(c), Int32(oc))
        var pre = [Float](repeating: .nan, count: n * oc)
        linearForward(out: &pre, inp: inp, weight: weight, bias: bias, residual: nil, rows: n, inChannels: c, outChannels: oc, path: .fp32)
        var expected = pre, expectedSlope = pre, expectedPlain = pre
        geluForward(out: &expected, slope: &expectedSlope, inp: pre, count: n * oc)
        geluForward(out: &expectedPlain, inp: pre, count: n * oc)
        var out = [Float](repeating: .nan, count: n * oc), slope = out, plain = out
        panels.withUnsafeBufferPointer { packed in
            linearGELUForward(out: &out, slope: &slope, inp: inp, weight: weight, panels: packed.baseAddress!, bias: bias,
                              rows: n, inChannels: c, outChannels: oc)
            linearGELUForward(out: &plain, slope: nil, inp: inp, weight: weight, panels: packed.baseAddress!, bias: bias,
                              rows: n, inChannels: c, outChannels: oc)
        }
        #expect(out == expected, "\(n)×\(c)→\(oc) gelu")
        #expect(slope == expectedSlope, "\(n)×\(c)→\(oc) slope")
        #expect(plain == expectedPlain, "\(n)×\(c)→\(oc) inference form")
        // And the unfused fallback (no panels) is the process's GEMM path then GELU (OpenBLAS
        // on AVX2, where it is the default).
        var fallbackPre = [Float](repeating: .nan, count: n * oc)
        linearForward(out: &fallbackPre, inp: inp, weight: weight, bias: bias, residual: nil, rows: n, inChannels: c, outChannels: oc)
        var fallbackExpected = fallbackPre, fallbackExpectedSlope = fallbackPre
        geluForward(out: &fallbackExpected, slope: &fallbackExpectedSlope, inp: fallbackPre, count: n * oc)
        var fallback = [Float](repeating: .nan, count: n * oc), fallbackSlope = fallback
        linearGELUForward(out: &fallback, slope: &fallbackSlope, inp: inp, weight: weight, panels: nil, bias: bias,
                          rows: n, inChannels: c, outChannels: oc)
        #expect(fallback == fallbackExpected && fallbackSlope == fallbackExpectedSlope)
        if MatmulPath.current == .fp32 { #expect(fallback == expected, "on the fp32 path the fallback equals the fused kernel") }
    }

    /// Σ_k a(i, k)·b(k, j) in Float64 for i < m, j < n (row-major), and Σ_k |a(i, k)·b(k, j)|.
    static func reference(_ m: Int, _ n: Int, _ depth: Int, _ a: (Int, Int) -> Float, _ b: (Int, Int) -> Float)
        -> (sum: [Double], scale: [Double]) {
        var sum = [Double](repeating: 0, count: m * n), scale = sum
        for i in 0..<m {
            for j in 0..<n {
                for k in 0..<depth {
                    let product = Double(a(i, k)) * Double(b(k, j))
                    sum[i * n + j] += product
                    scale[i * n + j] += abs(product)
                }
            }
        }
        return (sum, scale)
    }

    /// max |got − expected| / scale over the elements.
    static func worst(_ got: [Float], _ expected: [Double], _ scale: [Double]) -> Double {
        zip(zip(got, expected), scale).map { pair, s in abs(Double(pair.0) - pair.1) / max(s, 1e-30) }.max() ?? 0
    }
}
