import DQN
import Foundation
import FrozenLake
import NN

extension LearnerService {
    /// `RUN/checkpoints/latest.safetensors`.
    public static func latestCheckpoint(in runFolder: URL) -> URL {
        runFolder.appendingPathComponent("checkpoints/latest.safetensors")
    }

    /// Writes online and target networks, AdamW state, counters and the run config,
    /// atomically: a crash mid-write leaves the previous checkpoint intact.
    func writeCheckpoint() throws {
        guard let folder = options.runFolder else { return }
        let url = Self.latestCheckpoint(in: folder)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let steps = state.shared.withLock { $0.stepsReceived }
        try Checkpoint.write(
            to: url, online: learner.online, target: learner.target, optimizer: learner.optimizer,
            counters: ["updates": learner.updates, "env_steps_received": steps],
            extra: ["run_config": options.config.json(), "rng": "xoshiro256:\(options.config.seed):updates"])
    }

    /// Restores a run from its latest checkpoint: weights, target, optimizer, update count.
    /// The sampling RNG continues deterministically from (seed, updates).
    /// Returns the number of updates restored.
    func restoreCheckpoint(from url: URL) throws -> Int {
        let info = try Checkpoint.restore(from: url, online: learner.online, target: learner.target, optimizer: learner.optimizer)
        if let json = info.extra["run_config"], let saved = try? RunConfig.from(json: json), saved.fingerprint != options.config.fingerprint {
            throw ResumeError(message: "checkpoint \(url.path) was written for another model or tokenizer; resume with its own config (--config RUN/config.json)")
        }
        let updates = info.counters["updates"] ?? 0
        learner.updates = updates
        rng = Xoshiro256(seed: options.config.seed, stream: 7, UInt64(updates))
        state.shared.withLock { $0.stepsReceived = info.counters["env_steps_received"] ?? 0 }
        state.stepsAccepted.store(info.counters["env_steps_received"] ?? 0, ordering: .relaxed)
        return updates
    }

    public struct ResumeError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
