import ArgumentParser
import Cluster
import Collective
import DQN
import Foundation
import FrozenLake
import Logging
import NN
import Transport

/// `icrl check-ranks`: does an MPI job's data-parallel update equal one learner's?
struct CheckRanksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-ranks",
        abstract: "Check, under mpirun, that N learner ranks take the update one learner takes on the union of their windows.",
        discussion: """
            Every rank collects the same rollouts into a replay, samples the same --batch
            windows with one learner of batch B, and takes its share (B/N windows) with a
            rank learner of batch B/N, which sums its gradient over the ranks. Rank 0 prints
            one JSON line: the relative difference of the summed gradient and of the weights
            after the step from the single learner's, for --updates consecutive updates; it
            exits non-zero past --tolerance.
              mpirun -np 2 icrl check-ranks --preset best --batch 8
            (as root, or with fewer cores than ranks: mpirun --allow-run-as-root --oversubscribe)
            """
    )

    @OptionGroup var runConfig: RunConfigOptions

    @Option(help: "Windows per update summed over all ranks (B); a multiple of the rank count.")
    var batch = 8

    @Option(help: "Consecutive updates to compare.")
    var updates = 3

    @Option(help: "Environment steps of rollouts (random and oracle) to sample windows from.")
    var steps = 20_000

    @Option(help: "Largest relative difference (‖a − b‖ / ‖b‖) that passes.")
    var tolerance = 1e-5

    func validate() throws {
        guard batch > 0, updates > 0, steps > 0, tolerance > 0 else {
            throw ValidationError("--batch, --updates, --steps and --tolerance must be positive")
        }
    }

    func run() throws {
        guard MPICommunicator.launchedByMPI() else {
            throw ValidationError("start it as MPI ranks: mpirun -np 2 icrl check-ranks (add --allow-run-as-root --oversubscribe as root or on few cores)")
        }
        let communicator = try MPICommunicator.initialize()
        defer { communicator.finalize() }
        let logger = Logger(label: "icrl.check-ranks.rank\(communicator.rank)")
        let group = DataParallelGroup(communicator: communicator, logger: logger)
        guard batch % group.ranks == 0 else {
            throw ValidationError("--batch \(batch) is not a multiple of the \(group.ranks) ranks")
        }
        var config = try runConfig.load()
        let tokenizer = Tokenizer(config: config.tokenizer)
        let replay = try Self.rollouts(config: config, tokenizer: tokenizer, steps: steps)
        config.dqn.batchSize = batch
        let single = try DQNLearner(config: config.dqn, tokenizer: tokenizer, model: config.model, seed: config.seed)
        config.dqn.batchSize = batch / group.ranks
        let ranked = try DQNLearner(config: config.dqn, tokenizer: tokenizer, model: config.model, seed: config.seed)
        for learner in [single, ranked] {
            learner.teacherDynamics = EnvConfig(slippery: config.rollout.slippery, maxSteps: config.rollout.episodeStepLimit)
            try learner.target.copyParameters(from: learner.online)
        }
        ranked.reducer = group
        var rng = Xoshiro256(seed: config.seed, stream: 99)
        var rows: [[String: Double]] = []
        var worst = 0.0
        let share = batch / group.ranks
        for update in 0..<updates {
            guard single.sampleBatch(from: replay, using: &rng) else {
                throw ValidationError("the rollouts gave no windows to sample; raise --steps")
            }
            ranked.copyBatch(from: single, windows: (group.rank * share)..<((group.rank + 1) * share))
            let one = single.trainOnSampledBatch()
            let many = ranked.trainOnSampledBatch()
            let gradient = Self.relativeDifference(ranked.online.gradients, single.online.gradients)
            let weights = Self.relativeDifference(ranked.online.parameters, single.online.parameters)
            let loss = abs(Double(many.loss - one.loss)) / max(1e-12, abs(Double(one.loss)))
            worst = max(worst, gradient, weights)
            rows.append(["update": Double(update + 1), "gradient_rel_diff": gradient, "weights_rel_diff": weights,
                         "loss_rel_diff": loss, "allreduce_s": many.timings.allreduce])
        }
        // The ranks' own weights must agree too: the check the learner makes every K updates.
        let checksums = group.weightChecksums(ranked)
        guard group.rank == 0 else { return }
        let report: [String: Any] = [
            "check": "ranks", "ranks": group.ranks, "global_batch": batch, "per_rank_batch": share,
            "updates": rows, "max_rel_diff": worst, "tolerance": tolerance,
            "ranks_agree": Set(checksums).count == 1, "pass": worst <= tolerance && Set(checksums).count == 1,
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        fflush(nil)
        guard worst <= tolerance, Set(checksums).count == 1 else {
            throw ValidationError("the ranks' update differs from one learner's: max relative difference \(worst) (tolerance \(tolerance)), ranks agree: \(Set(checksums).count == 1)")
        }
    }

    /// ‖a − b‖ / ‖b‖ over two parameter-shaped buffers, in Double.
    static func relativeDifference(_ a: ParameterBuffer, _ b: ParameterBuffer) -> Double {
        var diff = 0.0, norm = 0.0
        for i in 0..<b.count {
            let x = Double(a.pointer[i]), y = Double(b.pointer[i])
            diff += (x - y) * (x - y)
            norm += y * y
        }
        return (diff / max(norm, 1e-30)).squareRoot()
    }

    /// A replay of random and oracle rollouts on the config's maps (the same on every rank:
    /// the rollouts are seeded by the config's seed).
    static func rollouts(config: RunConfig, tokenizer: Tokenizer, steps: Int) throws -> ReplayBuffer {
        var rollout = config.rollout
        rollout.modelWeight = 0
        rollout.randomWeight = 1
        rollout.oracleWeight = 1
        rollout.qlearningWeight = 0
        let incarnation: UInt64 = 1
        let worker = try RolloutWorker(config: rollout, tokenizer: tokenizer, incarnation: incarnation, seed: config.seed)
        var replay = ReplayBuffer(
            capacitySteps: steps * 2, maxTrialSteps: 1 << 16,
            invariants: TrialInvariants(tokenizer: config.tokenizer, actions: config.model.actions))
        let validator = ExperienceValidator(
            configFingerprint: config.fingerprint, maxMapSide: UInt32(min(config.tokenizer.canvas, 16)),
            maxSteps: 1 << 14, actions: UInt32(config.model.actions))
        var builders = (0..<rollout.environments).map { _ in
            ChunkBuilder(actorID: "check-ranks", incarnation: incarnation, configFingerprint: config.fingerprint, capacity: rollout.chunkSteps)
        }
        for i in builders.indices { builders[i].beginTrial() }
        var sequence: UInt64 = 0
        var chunks: [ExperienceChunk] = []
        while worker.stepsTaken < steps {
            worker.step(policy: nil, epsilon: 1) { s in
                chunks += builders[s.slot].add(s, policyVersion: 0, sequence: &sequence)
            }
            for chunk in chunks { _ = try replay.ingest(chunk, validator: validator, tokenizer: tokenizer) }
            chunks.removeAll(keepingCapacity: true)
        }
        return replay
    }
}
