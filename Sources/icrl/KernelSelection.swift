import Foundation

/// Picks OpenBLAS's fastest kernels for this CPU before any BLAS call.
///
/// Debian's OpenBLAS 0.3.21 does not recognise Zen 4/5 and falls back to its
/// Haswell (AVX2) kernels; `OPENBLAS_CORETYPE=SkylakeX` selects the AVX-512 ones,
/// 1.7–1.9× faster on transformer-sized sgemm. OpenBLAS reads the variable once,
/// when the library loads — before `main` — so the only way to apply it is to
/// set it and re-execute this same binary. Users can override by setting
/// `OPENBLAS_CORETYPE` themselves; `ICRL_NO_REEXEC=1` turns the re-exec off.
enum KernelSelection {
    static func reexecWithFastestKernelsIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["ICRL_NO_REEXEC"] == nil else { return }
        guard let coreType = preferredCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        // Guards against a loop if exec of ourselves somehow returns here.
        setenv("ICRL_NO_REEXEC", "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // exec failed (no /proc): carry on with the default kernels.
        unsetenv("OPENBLAS_CORETYPE")
    }

    /// `SkylakeX` when the CPU has the AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    static func preferredCoreType() -> String? {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        guard let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let needed = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]
        return needed.allSatisfy(flags.contains) ? "SkylakeX" : nil
    }
}
