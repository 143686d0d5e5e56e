import Foundation

/// Picks OpenBLAS's fastest kernels for this CPU before any BLAS call.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent AVX-512 CPUs (Sapphire Rapids,
/// Zen 4/5) and falls back to its Haswell (AVX2) kernels; `OPENBLAS_CORETYPE=SkylakeX`
/// selects the AVX-512 ones, 1.7–1.9× faster on transformer-sized sgemm. OpenBLAS reads
/// the variable once, when the library loads — before `main` — so the only way to apply
/// it is to set it and re-execute this same binary.
///
/// An `OPENBLAS_CORETYPE` inherited from the environment is replaced when it names other
/// kernels than the fastest for this CPU: shared machines and CI images set it globally
/// (this project's machine sets `Haswell`), and a trainer silently running 1.7× slower
/// serves nobody. To choose the kernels yourself — e.g. the same ones on every node of
/// a mixed cluster, for bit-identical runs — set `ICRL_OPENBLAS_CORETYPE=<name>`, or
/// `ICRL_OPENBLAS_CORETYPE=inherit` to keep the environment's `OPENBLAS_CORETYPE`.
/// `ICRL_NO_REEXEC=1` turns all of this off. What was chosen, and what it replaced, is
/// in ``choice``, which the learner logs and the benchmarks print.
enum KernelSelection {
    /// Set on re-execution: the inherited `OPENBLAS_CORETYPE` that was replaced.
    static let replacedVariable = "ICRL_REPLACED_OPENBLAS_CORETYPE"

    static func reexecWithFastestKernelsIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["ICRL_NO_REEXEC"] == nil else { return }
        let inherited = environment["OPENBLAS_CORETYPE"]
        let wanted: String?
        switch environment["ICRL_OPENBLAS_CORETYPE"] {
        case "inherit"?: wanted = nil
        case let explicit? where !explicit.isEmpty: wanted = explicit
        default: wanted = preferredCoreType()
        }
        guard let wanted, wanted.lowercased() != inherited?.lowercased() else { return }
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        if let inherited { setenv(replacedVariable, inherited, 1) }
        // Guards against a loop if exec of ourselves somehow returns here.
        setenv("ICRL_NO_REEXEC", "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // exec failed (no /proc): carry on with the kernels OpenBLAS already chose.
        if let inherited { setenv("OPENBLAS_CORETYPE", inherited, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        unsetenv(replacedVariable)
    }

    /// One line for logs: which kernels were requested and why.
    static var choice: String {
        let environment = ProcessInfo.processInfo.environment
        let core = environment["OPENBLAS_CORETYPE"] ?? "OpenBLAS's own detection"
        if let replaced = environment[replacedVariable] {
            return "OpenBLAS kernels \(core) (replaced OPENBLAS_CORETYPE=\(replaced) from the environment; set ICRL_OPENBLAS_CORETYPE to choose)"
        }
        return "OpenBLAS kernels \(core)"
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
