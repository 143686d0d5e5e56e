import CNNKernels
import Foundation

/// Which implementation runs attention, GELU and decode attention: the AVX-512 kernels in
/// `CNNKernels` or the portable Swift ones beside them. Matrix products of the linear layers
/// always go through OpenBLAS.
public enum KernelPath: String, Sendable {
    /// Hand-written AVX-512 (Intel Skylake-SP and later, AMD Zen 4 and later).
    case avx512
    /// Swift `SIMD8` kernels that build and run on any CPU.
    case portable

    /// The process's choice: `avx512` when the CPU and OS support it, unless the environment
    /// sets `ICRL_NN_KERNELS=portable` (to compare the two, or to rule the kernels out).
    public static let current: KernelPath = {
        if ProcessInfo.processInfo.environment["ICRL_NN_KERNELS"] == "portable" { return .portable }
        return available ? .avx512 : .portable
    }()

    /// Whether this CPU can run the AVX-512 kernels at all (tests compare both paths).
    public static let available: Bool = icrl_nn_avx512_available() != 0

    /// Whether attention of head size `hs` takes the AVX-512 path (it needs hs % 16 == 0).
    @inline(__always)
    static func fusedAttention(headSize hs: Int) -> Bool { current == .avx512 && hs % 16 == 0 }
}
