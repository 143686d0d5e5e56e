import ArgumentParser
import Foundation
import FrozenLake

/// `icrl bench env`: FrozenLake steps/s against Gymnasium's, measured in the same run.
struct EnvBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Environment steps/s (4x4 slippery, random actions) vs Gymnasium's FrozenLake-v1.",
        discussion: """
            Gymnasium is measured by Benchmarks/gymnasium_env_steps.py in a child process when
            python3 can import gymnasium (pip install gymnasium); otherwise only our figure is printed.
            """
    )

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 3

    @Option(help: "Python interpreter for the Gymnasium peer.")
    var python = "python3"

    @OptionGroup var output: BenchOutputOptions

    func run() throws {
        let ours = benchmarkEnvSteps(seconds: seconds)
        var figures: [String: Any] = [
            "bench": "env",
            "env": "FrozenLake 4x4 slippery, random actions",
            "steps_per_s": ours.stepsPerSecond,
        ]
        if let peer = Self.gymnasium(python: python, seconds: seconds) {
            figures["gymnasium_steps_per_s"] = peer
            figures["ratio_vs_gymnasium"] = ours.stepsPerSecond / peer
        } else {
            figures["gymnasium_steps_per_s"] = "unavailable (pip install gymnasium)"
        }
        try output.emit(figures)
    }

    /// Gymnasium's steps/s from the peer script, or nil when it cannot run.
    static func gymnasium(python: String, seconds: Double) -> Double? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Benchmarks/gymnasium_env_steps.py").standardized
        let local = URL(fileURLWithPath: "Benchmarks/gymnasium_env_steps.py")
        let path = FileManager.default.fileExists(atPath: local.path) ? local.path : script.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, path, "--seconds", String(seconds)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["steps_per_second"] as? Double
    }
}
