import ArgumentParser
import Cluster
import DQN
import Foundation
import FrozenLake
import NN
import Transport

/// `icrl collect`: experience to a file instead of a learner — for offline training
/// (`icrl learner --dataset FILE`) and the data-quality experiment.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Play trials with a behaviour mix and write the experience to a file (same messages as on the wire).",
        discussion: """
            The file holds length-delimited icrl.Envelope messages (protobuf's delimited framing),
            the chunks an actor would send. Train from it with icrl learner --dataset FILE.
              icrl collect --steps 2000000 --random 1 --out data/low.pb                 # random-heavy
              icrl collect --steps 2000000 --qlearning 1 --random 1 --out data/mid.pb
              icrl collect --steps 2000000 --oracle 1 --out data/high.pb                # success-heavy
            """
    )

    @OptionGroup var runConfig: RunConfigOptions

    @Option(help: "Experience file to write.")
    var out: String

    @Option(help: "Environment steps to collect.")
    var steps: Int = 1_000_000

    @Option(help: "Weight of trials played by uniformly random actions.")
    var random: Double = 0
    @Option(help: "Weight of trials played by the tabular Q-learning teacher.")
    var qlearning: Double = 1
    @Option(help: "Weight of trials played by the oracle (cautious under --preset best: rollout.oracleUnknownStepCost).")
    var oracle: Double = 0
    @Option(help: "Weight of trials played ε-greedily by a trained model (needs --checkpoint).")
    var model: Double = 0
    @Option(help: "Model for the model behaviour.")
    var checkpoint: String?
    @Option(help: "ε of the model behaviour.")
    var epsilon: Double = 0.1

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        guard random >= 0, qlearning >= 0, oracle >= 0, model >= 0, random + qlearning + oracle + model > 0 else {
            throw ValidationError("give at least one behaviour a positive weight, e.g. --qlearning 1")
        }
        if model > 0, checkpoint == nil { throw ValidationError("--model needs --checkpoint FILE") }
    }

    func run() throws {
        var config = try runConfig.load()
        config.rollout.randomWeight = random
        config.rollout.qlearningWeight = qlearning
        config.rollout.oracleWeight = oracle
        config.rollout.modelWeight = model
        let tokenizer = Tokenizer(config: config.tokenizer)
        var policy: DecoderPolicy?
        if model > 0, let checkpoint {
            let transformer = try Checkpoint.loadModel(from: URL(fileURLWithPath: checkpoint))
            guard transformer.config.fingerprint == config.model.fingerprint else {
                throw ValidationError("\(checkpoint) holds another model than the run config; pass that run's --config")
            }
            policy = try DecoderPolicy(model: transformer, sequences: config.rollout.environments, run: config)
        }
        let incarnation = UInt64.random(in: 1...UInt64.max)
        let worker = try RolloutWorker(config: config.rollout, tokenizer: tokenizer, incarnation: incarnation, seed: config.seed)
        let writer = try ExperienceFile.Writer(url: URL(fileURLWithPath: out))
        var builders = (0..<config.rollout.environments).map { _ in
            ChunkBuilder(actorID: "collect", incarnation: incarnation, configFingerprint: config.fingerprint, capacity: config.rollout.chunkSteps)
        }
        for i in builders.indices { builders[i].beginTrial() }
        var sequence: UInt64 = 0
        var chunks: [ExperienceChunk] = []
        var lastReport = Date()
        while worker.stepsTaken < steps {
            worker.step(policy: policy, epsilon: epsilon) { s in
                chunks += builders[s.slot].add(s, policyVersion: 0, sequence: &sequence)
            }
            for chunk in chunks { try writer.append(.experience(chunk)) }
            chunks.removeAll(keepingCapacity: true)
            if Date().timeIntervalSince(lastReport) > 5 {
                lastReport = Date()
                print("collected \(worker.stepsTaken) / \(steps) steps")
            }
        }
        // Open trials are written as far as they got (not marked done).
        for i in builders.indices {
            if let last = builders[i].finish(sequence: &sequence) {
                var open = last
                open.trialDone = false
                try writer.append(.experience(open))
            }
        }
        try writer.close()
        let episodes = worker.episodes.values.reduce(0, +), wins = worker.successes.values.reduce(0, +)
        print("wrote \(writer.messages) chunks, \(worker.stepsTaken) steps, \(episodes) episodes (success \(String(format: "%.3f", Double(wins) / Double(max(1, episodes))))) to \(out)")
    }
}
