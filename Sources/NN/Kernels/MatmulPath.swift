import CNNKernels
import Foundation

/// Which kernels run the linear layers' matrix products.
///
/// `bf16x3` splits each fp32 operand into two bf16 parts and sums three tile products
/// (hi·hi + hi·lo + lo·hi) in fp32 on AMX. Each product keeps about 16 significant bits
/// instead of fp32's 24: measured against float64, its error is ~1e-6 to 1e-5 of Σ|a·b|,
/// against ~2e-7 for fp32 sgemm (`MatmulKernelTests` bounds it at 1e-4). The weight
/// gradient, a reduction over tokens, runs on the fp32 kernels in every mode. In isolation
/// bf16x3 runs the forward shapes up to ~2× faster than `fp32` (`scripts/matmul_kernels.sh`);
/// inside a train step it measured from 19% faster to 5% slower (five same-run comparisons).
public enum MatmulPath: String, Sendable, CaseIterable {
    /// AMX tiles, three bf16 passes (Intel Sapphire Rapids and later). Forward and input
    /// gradient; the weight gradient runs on `fp32`.
    case bf16x3
    /// The C fp32 kernels of the process's `KernelPath` (6 × 64 register tiles on AVX-512,
    /// 6 × 16 on AVX2; only weightᵀ is packed, once per parameter change — `PackedWeights`).
    case fp32
    /// OpenBLAS `cblas_sgemm`: any CPU, and the reference the others are tested against.
    case openblas

    /// The process's choice: `ICRL_NN_MATMUL` (`bf16x3`, `fp32` or `openblas`) when set and
    /// runnable here, else `fp32` on the AVX-512 path and `openblas` on the others.
    /// `ICRL_NN_KERNELS=portable` implies `openblas`; `bf16x3` needs the `avx512` path.
    ///
    /// On AVX2 OpenBLAS's Haswell sgemm, which packs both operands, ran the DQN train step
    /// 14% faster than our 6 × 16 tile (361 against 419 ms; decode was 6% slower, 2.25
    /// against 2.12 ms): `scripts/nn_vs_pytorch.sh`, 5 rounds, the AVX2 path on an AVX-512
    /// Xeon with OpenBLAS's Haswell kernels, 2026-12-03. The learner's step is what limits
    /// training, so AVX2 machines default to OpenBLAS; `ICRL_NN_MATMUL=fp32` picks the tile.
    public static let current: MatmulPath = {
        if KernelPath.current == .portable { return .openblas }
        if let name = ProcessInfo.processInfo.environment["ICRL_NN_MATMUL"] {
            if let requested = MatmulPath(rawValue: name), requested.isAvailable { return requested }
            let why = MatmulPath(rawValue: name) == nil ? "is not one of bf16x3, fp32, openblas" : "needs a CPU this is not"
            FileHandle.standardError.write(Data("icrl: ICRL_NN_MATMUL=\(name) \(why); using the default\n".utf8))
        }
        // bf16x3 only on request: it is not fp32, and in a train step (memory-bound in good
        // part) its gain did not hold from run to run.
        return KernelPath.current == .avx512 ? .fp32 : .openblas
    }()

    /// The KV-cache decoder's per-token products: `current`, except on the AVX2 path when
    /// `ICRL_NN_MATMUL` is not set, where they run on our tile (`fp32`) while training stays
    /// on OpenBLAS. A decode step multiplies one row per sequence (64 in `icrl bench actor`)
    /// and OpenBLAS packs that operand on every call: in a `perf record -e cpu-clock` profile
    /// of the AVX2 decode step (2026-12-03, AVX2 path on an AVX-512 Xeon) its packing took
    /// 9% of the samples and its Haswell kernel 24%; the tile reads the rows in place.
    public static let decoding: MatmulPath = {
        if KernelPath.current == .avx2, ProcessInfo.processInfo.environment["ICRL_NN_MATMUL"] == nil { return .fp32 }
        return current
    }()

    /// Whether this CPU (and OS) can run the path; tests compare every available one.
    public var isAvailable: Bool {
        switch self {
        case .bf16x3: KernelPath.current == .avx512 && icrl_nn_amx_available() != 0
        case .fp32: KernelPath.available
        case .openblas: true
        }
    }
}
