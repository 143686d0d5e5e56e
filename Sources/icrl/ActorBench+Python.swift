import Cluster
import DQN
import Foundation
import NN
import Transport

extension ActorBench {
    /// The Swift actor's loop without sockets — tokens, KV-cache decode, environment steps,
    /// chunk building and protobuf encoding — for 64 in-dist environments of the `best`
    /// recipe played by a random reference model (ε 0.05): env steps per second. The
    /// Python actor's benchmark times the same loop (`python3 -m icrl_actor.bench`).
    static func swiftRolloutStepsPerSecond(seconds: Double, environments: Int = 64) throws -> Double {
        var config = RunConfig.preset(.best)
        config.rollout.environments = environments
        config.rollout.modelWeight = 1
        config.rollout.oracleWeight = 0
        let model = try Transformer(config: config.model, seed: 1)
        let policy = try DecoderPolicy(model: model, sequences: environments)
        let worker = try RolloutWorker(config: config.rollout, tokenizer: Tokenizer(config: config.tokenizer), incarnation: 7, seed: 1)
        var builders = (0..<environments).map { _ in
            ChunkBuilder(actorID: "bench", incarnation: 7, configFingerprint: 0, capacity: config.rollout.chunkSteps)
        }
        var sequence: UInt64 = 0
        var bytes = 0
        let start = Date()
        var steps = 0
        while Date().timeIntervalSince(start) < seconds {
            worker.step(policy: policy, epsilon: 0.05) { s in
                for chunk in builders[s.slot].add(s, policyVersion: 0, sequence: &sequence) {
                    bytes += WireCodec.encode(chunk).count
                }
            }
            steps += environments
        }
        precondition(bytes > 0, "the rollout produced no chunks")
        return Double(steps) / Date().timeIntervalSince(start)
    }

    /// Runs `python3 -m icrl_actor.bench` (the installed package, or ./python) and returns its
    /// figures; throws with its output when it fails.
    static func pythonFigures(steps: Int, seconds: Double) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "icrl_actor.bench", "--steps", String(steps), "--seconds", String(seconds)]
        var environment = ProcessInfo.processInfo.environment
        if FileManager.default.fileExists(atPath: "python/icrl_actor/bench.py") {
            environment["PYTHONPATH"] = "python" + (environment["PYTHONPATH"].map { ":" + $0 } ?? "")
        }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw BenchError(message: """
                python3 -m icrl_actor.bench failed (exit \(process.terminationStatus)): \
                \(String(decoding: errors, as: UTF8.self).suffix(600)); install the package with pip install ./python
                """)
        }
        return object
    }
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
