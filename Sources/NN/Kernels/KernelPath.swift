import CNNKernels
import Foundation

/// Which implementation runs attention, LayerNorm, GELU, rotary and decode attention: the C
/// kernels in `CNNKernels` (one width-generic source built for AVX-512 and for AVX2) or the
/// portable Swift ones beside them. The linear layers' matrix products follow `MatmulPath`,
/// which is capped by this choice.
public enum KernelPath: String, Sendable, CaseIterable {
    /// The C kernels built for AVX-512 (Intel Skylake-SP and later, AMD Zen 4 and later).
    case avx512
    /// The same C kernels built for AVX2 + FMA (Intel Haswell and later, AMD Zen 1–3).
    case avx2
    /// Swift `SIMD8` kernels that build and run on any CPU.
    case portable

    /// The best path this CPU (and OS) can run, whatever the environment says.
    public static let hardware: KernelPath =
        icrl_nn_avx512_available() != 0 ? .avx512 : icrl_nn_avx2_available() != 0 ? .avx2 : .portable

    /// The process's choice: the best path the CPU can run, capped by `ICRL_NN_KERNELS`
    /// (`avx512`, `avx2` or `portable`). A cap makes the process behave as on a CPU that has
    /// nothing better: `ICRL_NN_KERNELS=avx2` on an AVX-512 machine runs, and tests, exactly
    /// what an AVX2-only machine runs, `portable` what an arm64 one runs. A request the CPU
    /// cannot honour falls back, with a line on standard error, to the best path it can.
    ///
    /// Reading it the first time also sets the C kernels' path (`icrl_nn_set_path`), which
    /// every `icrl_*` kernel then runs on: NN reads it before it calls any of them.
    public static let current: KernelPath = {
        let path = requested()
        icrl_nn_set_path(path.cPath)
        return path
    }()

    private static func requested() -> KernelPath {
        guard let name = ProcessInfo.processInfo.environment["ICRL_NN_KERNELS"], !name.isEmpty else { return hardware }
        guard let requested = KernelPath(rawValue: name) else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("icrl: ICRL_NN_KERNELS=\(name) is not one of \(known); using \(hardware.rawValue)\n".utf8))
            return hardware
        }
        if requested.rank > hardware.rank {
            FileHandle.standardError.write(Data("icrl: ICRL_NN_KERNELS=\(name) needs a CPU this is not; using \(hardware.rawValue)\n".utf8))
            return hardware
        }
        return requested
    }

    /// Whether the C kernels may run in this process (`current.hasCKernels`): the CPU has
    /// AVX2 or AVX-512 and `ICRL_NN_KERNELS` does not cap them off. Tests compare every path
    /// for which this holds; AVX-512-only code (AMX) also needs `current == .avx512`.
    public static let available: Bool = current.hasCKernels

    /// Whether this path runs the C kernels (built for AVX-512 or AVX2) rather than the
    /// portable Swift ones.
    public var hasCKernels: Bool { self != .portable }

    /// Paths ordered from the most to the least demanding: a higher rank needs more of the CPU.
    var rank: Int {
        switch self {
        case .avx512: 2
        case .avx2: 1
        case .portable: 0
        }
    }

    /// The path's number for `icrl_nn_set_path` (2 = AVX-512, 1 = AVX2, 0 = none).
    var cPath: Int32 {
        switch self {
        case .avx512: 2
        case .avx2: 1
        case .portable: 0
        }
    }

    /// Whether attention of head size `hs` takes the fused C kernel (it needs hs % 16 == 0).
    @inline(__always)
    static func fusedAttention(headSize hs: Int) -> Bool { current.hasCKernels && hs % 16 == 0 }
}
