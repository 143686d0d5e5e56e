import Foundation
import Testing
import NN

/// Runs `Benchmarks/numpy_reference.py` on a fixture written by `NNParity`: an independent
/// numpy implementation must reproduce our Q-values from our checkpoint to 1e-4.
/// Needs `python3` with numpy on PATH (CI installs it).
@Suite("numpy parity")
struct NumpyParityTests {
    @Test("numpy reproduces our Q-values from our checkpoint", arguments: TransformerConfig.Positional.allCases)
    func numpyParity(positional: TransformerConfig.Positional) throws {
        var config = TransformerConfig.reference
        config.positional = positional
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nn-parity-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try NNParity.writeFixture(to: folder, config: config, batch: 2, time: 200)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/numpy_reference.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--dir", folder.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, """
            numpy parity failed (exit \(process.terminationStatus)). It needs python3 with numpy \
            (pip install numpy). Output: \(text)
            """)
        #expect(text.contains("\"ok\": true"))
    }
}
