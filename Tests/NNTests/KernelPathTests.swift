import CNNKernels
import Foundation
import Testing
@testable import NN

/// `ICRL_NN_KERNELS` caps the kernel path, so one machine can test what a lesser CPU runs
/// (`scripts/test_kernel_paths.sh` reruns the suites under every path the CPU can run).
@Suite("Kernel path selection")
struct KernelPathTests {
    @Test("the process runs the path ICRL_NN_KERNELS asks for, when the CPU can run it")
    func forcedPathIsHonoured() {
        let requested = ProcessInfo.processInfo.environment["ICRL_NN_KERNELS"].flatMap(KernelPath.init(rawValue:))
        if let requested, requested.rank <= KernelPath.hardware.rank {
            #expect(KernelPath.current == requested)
        } else {
            #expect(KernelPath.current == KernelPath.hardware)
        }
    }

    @Test("a capped path caps the matrix products too")
    func matmulFollowsTheCap() {
        #expect(KernelPath.available == KernelPath.current.hasCKernels)
        switch KernelPath.current {
        case .portable:
            #expect(MatmulPath.current == .openblas)
            #expect(MatmulPath.allCases.filter(\.isAvailable) == [.openblas])
        case .avx2:
            // The fp32 GEMMs have an AVX2 build; the AMX ones are AVX-512 only. OpenBLAS
            // is the default there (faster in the train step), fp32 on request.
            #expect(MatmulPath.allCases.filter(\.isAvailable) == [.fp32, .openblas])
            let requested = ProcessInfo.processInfo.environment["ICRL_NN_MATMUL"]
            #expect(MatmulPath.current == (requested == "fp32" ? .fp32 : .openblas))
            // The decoder's one-row-per-sequence products take the tile unless a path was asked for.
            #expect(MatmulPath.decoding == (requested == nil ? .fp32 : MatmulPath.current))
        case .avx512:
            #expect(MatmulPath.fp32.isAvailable)
        }
        if KernelPath.current != .avx2 { #expect(MatmulPath.decoding == MatmulPath.current) }
    }

    @Test("the C kernels run the process's path, and the GEMM panels follow it")
    func cKernelsFollowThePath() {
        // C first: a kernel called before Swift chose the path must honour ICRL_NN_KERNELS too.
        let cPath = icrl_nn_path()
        #expect(cPath == KernelPath.current.cPath)
        if KernelPath.hardware == .avx512 { #expect(icrl_nn_avx2_available() != 0, "an AVX-512 CPU runs the AVX2 path too") }
        if KernelPath.current.hasCKernels {
            let panel = KernelPath.current == .avx512 ? 64 : 16
            #expect(icrl_linear_packed_size(8, 20) == (20 + panel - 1) / panel * panel * 8)
        }
    }
}
