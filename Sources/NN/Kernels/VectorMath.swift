/// Vectorised primitives for the element-wise kernels.
///
/// The package is built for baseline x86-64, so `SIMD8<Float>` lowers to pairs of SSE
/// registers; the wins here are avoiding libm calls per element (a `tanhf` call per GELU
/// activation would cost more than the whole MLP's GEMMs) and breaking the dependency
/// chain of float reductions, which LLVM will not reorder on its own.
enum VectorMath {
    typealias V = SIMD8<Float>
    static let width = 8

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// `e^x` to about 2 ulp (Cephes `expf`: range reduction by ln 2 in two parts and a
    /// degree-5 polynomial). Inputs are clamped to [-87, 88]; below that the result is
    /// ~1e-38 instead of 0, which no caller can tell apart.
    @inline(__always) static func exp(_ input: V) -> V {
        let x0 = clamp(input, -87, 88)
        // Round to nearest by adding 1.5·2^23: the sum's low mantissa bits are then n itself,
        // which also gives 2^n below without a float→int conversion (libm's rintf per lane
        // is what the generic `rounded` lowers to).
        let magic: Float = 12_582_912
        let shifted = x0 * 1.442_695_04 + magic
        let n = shifted - magic
        var x = x0 - n * 0.693_359_375
        x = x - n * -2.121_944_4e-4
        let z = x * x
        var y: V = V(repeating: 1.987_569_15e-4)
        y = y * x + 1.398_199_95e-3
        y = y * x + 8.333_451_9e-3
        y = y * x + 4.166_579_59e-2
        y = y * x + 1.666_666_55e-1
        y = y * x + 5.000_000_12e-1
        y = y * z + x + 1
        let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: V.self)
        return y * scale
    }

    /// Lane-wise clamp. Written with masks because the generic `clamped`/`pointwiseMin`
    /// are not specialised and cost a call per vector.
    @inline(__always) static func clamp(_ x: V, _ lo: Float, _ hi: Float) -> V {
        minimum(maximum(x, V(repeating: lo)), V(repeating: hi))
    }

    /// Lane-wise maximum (see `clamp` for why not `pointwiseMax`); lowers to `maxps`.
    @inline(__always) static func maximum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: a .< b) }

    /// Lane-wise minimum; lowers to `minps`.
    @inline(__always) static func minimum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }

    /// `tanh(x)` to a few ulp: Eigen's rational approximation on [-7.9, 7.9]
    /// (tanh is ±1 in Float beyond that).
    @inline(__always) static func tanh(_ input: V) -> V {
        let x = clamp(input, -7.905_311_1, 7.905_311_1)
        let x2 = x * x
        let a1: Float = 4.893_524_558_917_86e-03, a3: Float = 6.372_619_288_754_36e-04
        let a5: Float = 1.485_722_357_179_79e-05, a7: Float = 5.122_297_090_371_14e-08
        let a9: Float = -8.604_671_522_137_35e-11, a11: Float = 2.000_187_904_824_77e-13
        let a13: Float = -2.760_768_477_423_55e-16
        let b0: Float = 4.893_525_185_543_85e-03, b2: Float = 2.268_434_632_439_00e-03
        let b4: Float = 1.185_347_056_866_54e-04, b6: Float = 1.198_258_394_667_02e-06
        var p = x2 * a13 + a11
        p = x2 * p + a9
        p = x2 * p + a7
        p = x2 * p + a5
        p = x2 * p + a3
        p = x2 * p + a1
        p = x * p
        var q = x2 * b6 + b4
        q = x2 * q + b2
        q = x2 * q + b0
        let result = p / q
        // Below 4e-4 the rational form loses relative accuracy; tanh(x) = x there.
        return result.replacing(with: input, where: maximum(input, -input) .< 0.0004)
    }

    /// Scalar `e^x` through the vector path, so scalar tails round exactly like vector bodies.
    @inline(__always) static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }

    /// Scalar `tanh` through the vector path.
    @inline(__always) static func tanh(_ x: Float) -> Float { tanh(V(repeating: x))[0] }

    /// Σ a[i]·b[i] with eight independent partial sums.
    @inline(__always) static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        var i = 0
        while i + width <= n { acc += load(a + i) * load(b + i); i += width }
        var sum = acc.sum()
        while i < n { sum += a[i] * b[i]; i += 1 }
        return sum
    }

    /// Σ a[i].
    @inline(__always) static func sum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V()
        var i = 0
        while i + width <= n { acc += load(a + i); i += width }
        var sum = acc.sum()
        while i < n { sum += a[i]; i += 1 }
        return sum
    }

    /// max a[i] (n ≥ 1).
    @inline(__always) static func max(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var result = -Float.infinity
        if n >= width {
            var acc = load(a)
            i = width
            while i + width <= n { acc = maximum(acc, load(a + i)); i += width }
            result = acc.max()
        }
        while i < n { result = Swift.max(result, a[i]); i += 1 }
        return result
    }
}
