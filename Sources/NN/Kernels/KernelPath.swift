import CNNKernels
import Foundation

/// Which implementation runs attention, LayerNorm, GELU, rotary and decode attention: the
/// AVX-512 kernels in `CNNKernels` or the portable Swift ones beside them. The linear layers'
/// matrix products follow `MatmulPath`, which is capped by this choice.
public enum KernelPath: String, Sendable, CaseIterable {
    /// Hand-written AVX-512 (Intel Skylake-SP and later, AMD Zen 4 and later).
    case avx512
    /// Swift `SIMD8` kernels that build and run on any CPU.
    case portable

    /// The best path this CPU (and OS) can run, whatever the environment says.
    public static let hardware: KernelPath = icrl_nn_avx512_available() != 0 ? .avx512 : .portable

    /// The process's choice: the best path the CPU can run, capped by `ICRL_NN_KERNELS`
    /// (`avx512` or `portable`). A cap makes the process behave as on a CPU that has nothing
    /// better: `ICRL_NN_KERNELS=portable` on an AVX-512 machine runs, and tests, exactly what
    /// an AVX2-only or arm64 machine runs. A request the CPU cannot honour falls back, with a
    /// line on standard error, to the best path it can.
    public static let current: KernelPath = {
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
    }()

    /// Whether the AVX-512 kernels may run in this process: the CPU has them and
    /// `ICRL_NN_KERNELS` does not cap them off. Tests compare every path for which this holds.
    public static let available: Bool = current == .avx512

    /// Paths ordered from the most to the least demanding: a higher rank needs more of the CPU.
    var rank: Int {
        switch self {
        case .avx512: 1
        case .portable: 0
        }
    }

    /// Whether attention of head size `hs` takes the AVX-512 path (it needs hs % 16 == 0).
    @inline(__always)
    static func fusedAttention(headSize hs: Int) -> Bool { current == .avx512 && hs % 16 == 0 }
}
