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
        #expect(KernelPath.available == (KernelPath.current == .avx512))
        if KernelPath.current == .portable {
            #expect(MatmulPath.current == .openblas)
            #expect(MatmulPath.allCases.filter(\.isAvailable) == [.openblas])
        }
    }
}
