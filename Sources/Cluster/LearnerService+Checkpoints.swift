import DQN
import Foundation
import FrozenLake
import NN

extension LearnerService {
    /// `RUN/checkpoints/latest.safetensors`.
    public static func latestCheckpoint(in runFolder: URL) -> URL {
        runFolder.appendingPathComponent("checkpoints/latest.safetensors")
    }

    /// `RUN/checkpoints/replay.bin`: the replay buffer saved with each checkpoint.
    public static func replaySnapshot(in runFolder: URL) -> URL {
        runFolder.appendingPathComponent("checkpoints/replay.bin")
    }

    /// The replay shard of a data-parallel rank: `replay.bin` for rank 0 (as a single
    /// learner), `replay-rank-R.bin` for the others.
    public static func replaySnapshot(in runFolder: URL, rank: Int) -> URL {
        rank == 0 ? replaySnapshot(in: runFolder) : runFolder.appendingPathComponent("checkpoints/replay-rank-\(rank).bin")
    }

    /// Writes online and target networks, AdamW state, counters and the run config,
    /// atomically: a crash mid-write leaves the previous checkpoint intact. Then the
    /// replay buffer, also atomically, so a resumed learner keeps its experience.
    func writeCheckpoint() throws {
        guard let folder = options.runFolder else { return }
        let url = Self.latestCheckpoint(in: folder)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let steps = state.shared.withLock { $0.stepsReceived }
        try Checkpoint.write(
            to: url, online: learner.online, target: learner.target, optimizer: learner.optimizer,
            counters: ["updates": learner.updates, "env_steps_received": steps, "ranks": group?.ranks ?? 1],
            extra: ["run_config": options.config.json(), "rng": "xoshiro256:\(options.config.seed):updates"])
        try writeReplaySnapshot(to: folder)
    }

    /// This rank's replay, atomically. Copied under the lock (a memcpy of ~10 bytes a step),
    /// written outside it.
    func writeReplaySnapshot(to folder: URL) throws {
        let url = Self.replaySnapshot(in: folder, rank: group?.rank ?? 0)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let snapshot = state.shared.withLock { $0.replay.snapshot() }
        try AtomicFile.store(snapshot, to: url)
    }

    /// `RUN/checkpoints/minute-MMM.safetensors`: the weights kept at `minute` of training.
    public static func keptCheckpoint(in runFolder: URL, minute: Double) -> URL {
        let name = minute == minute.rounded() ? String(format: "%03d", Int(minute)) : String(format: "%06.2f", minute)
        return runFolder.appendingPathComponent("checkpoints/minute-\(name).safetensors")
    }

    /// Keeps the online weights (with the run config and counters, no optimizer or replay:
    /// a model to evaluate, not to resume) as they are at `minute` of training. A failed
    /// write is logged; training goes on.
    func writeKeptCheckpoint(minute: Double) {
        guard let folder = options.runFolder else { return }
        let url = Self.keptCheckpoint(in: folder, minute: minute)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let steps = state.shared.withLock { $0.stepsReceived }
            try Checkpoint.write(
                to: url, online: learner.online,
                counters: ["updates": learner.updates, "env_steps_received": steps],
                extra: ["run_config": options.config.json(), "minute": String(minute)])
            logger.info("kept the weights at minute \(minute) (\(learner.updates) updates): \(url.path)")
        } catch {
            checkpointFailures += 1
            logger.error("could not keep the weights at minute \(minute) (training continues): \(error)")
        }
    }

    /// Loads the replay saved beside the checkpoint. A missing file is not an error (older
    /// runs); a corrupt one is logged and counted, and training goes on with an empty replay
    /// rather than refusing to resume.
    func restoreReplay(from folder: URL) {
        let url = Self.replaySnapshot(in: folder, rank: group?.rank ?? 0)
        guard FileManager.default.fileExists(atPath: url.path) else {
            logger.info("no replay snapshot at \(url.path): starting with an empty replay")
            return
        }
        do {
            let bytes = try AtomicFile.read(url)
            let capacity = shard.replayCapacitySteps
            let replay = try state.shared.withLock { s throws(ReplayBuffer.SnapshotError) in
                let restored = try ReplayBuffer.restore(
                    snapshot: bytes, capacitySteps: capacity, maxTrialSteps: s.replay.maxTrialSteps, invariants: s.replay.invariants)
                s.replay = restored
                return restored
            }
            logger.info("restored the replay: \(replay.storedSteps) steps in \(replay.trialCount) trials")
        } catch {
            state.shared.withLock { $0.rejections.count("replay_snapshot") }
            logger.error("could not restore the replay from \(url.path), starting empty: \(error)")
        }
    }

    /// Restores a run from its latest checkpoint: weights, target, optimizer, update count.
    /// The sampling RNG continues deterministically from (seed, updates).
    /// Returns the number of updates restored.
    func restoreCheckpoint(from url: URL) throws -> Int {
        let info = try Checkpoint.restore(from: url, online: learner.online, target: learner.target, optimizer: learner.optimizer)
        if let json = info.extra["run_config"], let saved = try? RunConfig.from(json: json), saved.fingerprint != options.config.fingerprint {
            throw ResumeError(message: "checkpoint \(url.path) was written for another model or tokenizer; resume with its own config (--config RUN/config.json)")
        }
        let ranks = group?.ranks ?? 1, written = info.counters["ranks"] ?? 1
        guard written == ranks else {
            throw ResumeError(message: "checkpoint \(url.path) was written by \(written) learner rank(s) and this run has \(ranks); resume with the same count (mpirun -np \(written) icrl learner --resume …), since each rank's replay shard is its own file")
        }
        let updates = info.counters["updates"] ?? 0
        learner.updates = updates
        rng = Self.samplingRNG(seed: options.config.seed, rank: 0, updates: updates)
        state.shared.withLock { $0.stepsReceived = info.counters["env_steps_received"] ?? 0 }
        state.stepsAccepted.store(info.counters["env_steps_received"] ?? 0, ordering: .relaxed)
        return updates
    }

    /// The batch-sampling stream: rank 0's is a single learner's, other ranks draw their own.
    /// `updates` nil: a fresh run's.
    static func samplingRNG(seed: UInt64, rank: Int, updates: Int?) -> Xoshiro256 {
        let stream: UInt64 = rank == 0 ? 7 : 7 &+ 1000 &* UInt64(rank)
        guard let updates else { return Xoshiro256(seed: seed, stream: stream) }
        return Xoshiro256(seed: seed, stream: stream, UInt64(updates))
    }

    public struct ResumeError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
