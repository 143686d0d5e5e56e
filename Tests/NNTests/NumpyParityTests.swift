import Foundation
import Testing
import NN

/// Independent Python implementations must reproduce our Q-values from our checkpoint to
/// 1e-4: `Benchmarks/numpy_reference.py` always (CI needs python3 with numpy), and
/// `Benchmarks/pytorch_reference.py` where torch is importable.
@Suite("Python parity")
struct NumpyParityTests {
    static let benchmarks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Benchmarks")

    /// Runs `python3 arguments…`; returns the exit status and the combined output.
    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    static var torchImportable: Bool { (try? python(["-c", "import torch"]).status) == 0 }

    /// A fixture folder for the reference architecture with the given positions.
    func fixture(_ positional: TransformerConfig.Positional) throws -> URL {
        var config = TransformerConfig.reference
        config.positional = positional
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nn-parity-\(UUID().uuidString)")
        try NNParity.writeFixture(to: folder, config: config, batch: 2, time: 200)
        return folder
    }

    @Test("numpy reproduces our Q-values from our checkpoint", arguments: TransformerConfig.Positional.allCases)
    func numpyParity(positional: TransformerConfig.Positional) throws {
        let folder = try fixture(positional)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, output) = try Self.python([Self.benchmarks.appendingPathComponent("numpy_reference.py").path, "--dir", folder.path])
        #expect(status == 0, "numpy parity failed (exit \(status)); it needs python3 with numpy (pip install numpy). Output: \(output)")
        #expect(output.contains("\"ok\": true"))
    }

    @Test("PyTorch reproduces our Q-values from our checkpoint", .enabled(if: torchImportable), arguments: TransformerConfig.Positional.allCases)
    func torchParity(positional: TransformerConfig.Positional) throws {
        let folder = try fixture(positional)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, output) = try Self.python([Self.benchmarks.appendingPathComponent("pytorch_reference.py").path,
                                               "--dir", folder.path, "--no-timing"])
        #expect(status == 0, "PyTorch parity failed (exit \(status)). Output: \(output)")
        #expect(output.contains("\"parity_ok\": true"))
    }
}
