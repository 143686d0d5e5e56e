import CZeroMQ
import Cluster
import DQN
import Foundation
import Logging
import Synchronization
import Testing
import Transport

@Suite("CURVE keys and authentication", .serialized)
struct CurveAuthenticationTests {
    static func temporaryFolder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("icrl-\(name)-\(UUID().uuidString)")
    }

    @Test("key files: written 0600, read back, public key derived and checked, authorized-keys parsed")
    func keyFiles() throws {
        let folder = Self.temporaryFolder("keys")
        defer { try? FileManager.default.removeItem(at: folder) }
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.count == 40 && pair.secretKey.count == 40)
        let (secretURL, publicURL) = try pair.write(name: "node1", in: folder)
        let mode = try FileManager.default.attributesOfItem(atPath: secretURL.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try CurveKeyPair.read(secretFile: secretURL) == pair)
        #expect(try CurveKeyPair.readPublicKey(publicURL.path) == pair.publicKey)
        #expect(try CurveKeyPair.readPublicKey(pair.publicKey) == pair.publicKey)
        #expect(throws: CurveKeyPair.KeyError.self) { try pair.write(name: "node1", in: folder) }
        #expect(throws: CurveKeyPair.KeyError.self) { try CurveKeyPair.read(secretFile: publicURL) }

        let other = try CurveKeyPair.generate()
        let list = folder.appendingPathComponent("authorized_keys")
        try Data("# actors\n\(other.publicKey) node2\n\n".utf8 + (try Data(contentsOf: publicURL))).write(to: list)
        let keys = try CurveKeyPair.readAuthorizedKeys(list)
        #expect(keys == [try CurveKeyPair.decode(pair.publicKey), try CurveKeyPair.decode(other.publicKey)])

        // Windows line endings ("\r\n" is one Character in Swift) must not merge lines.
        try Data("# actors\r\n\(other.publicKey) node2\r\n\(pair.publicKey) node1\r\n".utf8).write(to: list)
        #expect(try CurveKeyPair.readAuthorizedKeys(list).count == 2)

        try Data("not-a-key\n".utf8).write(to: list)
        #expect(throws: CurveKeyPair.KeyError.self) { try CurveKeyPair.readAuthorizedKeys(list) }
        try Data("# nothing\n".utf8).write(to: list)
        #expect(throws: CurveKeyPair.KeyError.self) { try CurveKeyPair.readAuthorizedKeys(list) }
        #expect(throws: CurveKeyPair.KeyError.self) { try CurveKeyPair(secretKey: "short") }
    }

    @Test("a CURVE learner accepts experience from a listed key, never from an unlisted key or a plain peer")
    func onlyListedActors() throws {
        let config = RunningLearnerTests.tinyConfig()
        let folder = Self.temporaryFolder("curve")
        defer { try? FileManager.default.removeItem(at: folder) }
        let learnerKeys = try CurveKeyPair.generate()
        let listed = try CurveKeyPair.generate()
        let unlisted = try CurveKeyPair.generate()
        let port = Int.random(in: 50_001...55_000)
        var options = LearnerService.Options(
            endpoints: try Endpoints(base: "tcp://127.0.0.1:\(port)"), runFolder: folder, config: config, learnerID: "curve")
        options.maxSeconds = 60
        options.curve = CurveServerSettings(keys: learnerKeys, authorizedKeys: [try CurveKeyPair.decode(listed.publicKey)])
        let learner = InProcessLearner(options: options, label: "test.curve")
        defer { learner.stop() }
        let context = try ZMQContext()
        func sender(_ keys: CurveKeyPair?) throws -> ZMQSocket {
            let push = try ZMQSocket(context, .push)
            try push.setLinger(milliseconds: 0)
            if let keys { try push.makeCurveClient(serverKey: learnerKeys.publicKey, keys: keys) }
            try push.connect("tcp://127.0.0.1:\(port)")
            return push
        }
        let metricsURL = folder.appendingPathComponent("metrics.jsonl")
        var sequence: UInt64 = 0
        func send(_ socket: ZMQSocket, _ n: Int) throws {
            for _ in 0..<n {
                // dontWait: a refused peer's messages queue locally and are never delivered.
                _ = try socket.send(WireCodec.encode(RunningLearnerTests.chunk(config, trial: sequence, sequence: sequence)), dontWait: true)
                sequence += 1
            }
        }
        // 1. An unlisted key and a plain-TCP peer, until the learner has refused the key and
        //    written a metrics line after it (on a loaded machine start-up can take seconds).
        let intruder = try sender(unlisted)
        let plain = try sender(nil)
        defer { intruder.close(); plain.close() }
        var metrics: [String: Double] = [:]
        for _ in 0..<300 {
            try send(intruder, 2)
            try send(plain, 2)
            Thread.sleep(forTimeInterval: 0.1)
            metrics = RunningLearnerTests.lastMetrics(metricsURL)
            if metrics["transport/auth_denied", default: 0] >= 1 { break }
        }
        // A further second of sending, so frames that got through would be counted by now.
        for _ in 0..<10 {
            try send(intruder, 2)
            try send(plain, 2)
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 0.5)
        metrics = RunningLearnerTests.lastMetrics(metricsURL)
        #expect(metrics["transport/auth_denied", default: 0] >= 1, "the unlisted key's handshake is refused and counted")
        #expect(metrics["transport/chunks_received", default: -1] == 0, "no experience from unlisted or plain peers")
        #expect(metrics["transport/auth_accepted", default: -1] == 0)
        // 2. The listed key gets in.
        let actor = try sender(listed)
        defer { actor.close() }
        for _ in 0..<100 {
            try send(actor, 2)
            Thread.sleep(forTimeInterval: 0.1)
            metrics = RunningLearnerTests.lastMetrics(metricsURL)
            if metrics["transport/chunks_received", default: 0] >= 10 { break }
        }
        #expect(metrics["transport/chunks_received", default: 0] >= 10, "the listed actor's experience is accepted")
        #expect(metrics["transport/auth_accepted", default: 0] >= 1)
        #expect(metrics["rejected/total", default: 0] == 0)
    }
}
