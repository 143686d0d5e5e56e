import Foundation
import Testing

/// Fails while `Sources/ICRLWire` is stale relative to `Proto/icrl.proto`.
@Suite("generated protobuf-c code")
struct GeneratedCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var protocCAvailable: Bool {
        ProcessInfo.processInfo.environment["PATH", default: ""].split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/protoc-c")
        }
    }

    @Test("the committed protoc-c output matches Proto/icrl.proto", .enabled(if: protocCAvailable, "protoc-c is not installed"))
    func committedCopyIsCurrent() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("icrl-proto-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.root.appendingPathComponent("scripts/gen_proto.sh").path, out.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let pairs = [
            ("icrl.pb-c.c", "Sources/ICRLWire/icrl.pb-c.c"),
            ("icrl.pb-c.h", "Sources/ICRLWire/include/icrl.pb-c.h"),
            ("tensorboard.pb-c.c", "Sources/ICRLWire/tensorboard.pb-c.c"),
            ("tensorboard.pb-c.h", "Sources/ICRLWire/include/tensorboard.pb-c.h"),
        ]
        for (fresh, committed) in pairs {
            let a = try Data(contentsOf: out.appendingPathComponent(fresh))
            let b = try Data(contentsOf: Self.root.appendingPathComponent(committed))
            #expect(a == b, "\(committed) is stale: run `make proto` and commit the result")
        }
    }
}
