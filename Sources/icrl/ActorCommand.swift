import ArgumentParser
import Cluster
import DQN
import Foundation
import Logging

/// `icrl actor`: one rollout process of a cluster.
struct ActorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor",
        abstract: "Run an actor: play FrozenLake trials with the learner's model and ship the experience.",
        discussion: """
            The actor takes its configuration and weights from the learner, so the learner's
            address is all it needs. It waits for a learner that is not up yet and rejoins one
            that restarted. Options below change this actor's rollouts only.
              icrl actor --learner tcp://10.0.0.5:5555 --id node7-a
              icrl actor --learner tcp://10.0.0.5:5555 --oracle 1 --model 0   # a teacher-only actor
            """
    )

    @Option(help: "The learner's address, tcp://HOST:PORT (PORT+1 and PORT+2 are used too).")
    var learner = "tcp://127.0.0.1:5555"

    @Option(help: "Actor name in the learner's logs (default: host/pid).")
    var id: String?

    @Option(help: "Seed of this actor's maps and exploration (default: random, logged; give distinct seeds for a reproducible run).")
    var seed: UInt64?

    @Option(help: "Environments stepped together (default: the learner's config).")
    var environments: Int?

    @Option(help: "Behaviour weights of this actor's trials (default: the learner's config).")
    var model: Double?
    @Option(help: "Weight of trials played by uniformly random actions.")
    var random: Double?
    @Option(help: "Weight of trials played by the tabular Q-learning teacher.")
    var qlearning: Double?
    @Option(help: "Weight of trials played by the oracle teacher (cautious when the run config says so: rollout.oracleUnknownStepCost).")
    var oracle: Double?

    @OptionGroup(title: "Authentication") var curve: ActorCurveOptions

    @Option(help: "Stop after this many minutes (default: until the learner says stop).")
    var minutes: Double?

    func validate() throws {
        _ = try Endpoints(base: learner)
        if let environments, !(1...4096).contains(environments) { throw ValidationError("--environments must be in 1...4096") }
        for (name, value) in [("model", model), ("random", random), ("qlearning", qlearning), ("oracle", oracle)] {
            if let value, value < 0 { throw ValidationError("--\(name) weight must be ≥ 0") }
        }
    }

    func run() throws {
        Signals.installStopHandlers()
        Logger(label: "icrl.actor").info("\(KernelSelection.choice)")
        var options = ActorService.Options(
            endpoints: try Endpoints(base: learner), actorID: id ?? "\(ProcessInfo.processInfo.hostName)/\(getpid())",
            seed: seed ?? UInt64.random(in: 1...UInt64.max))
        let (environments, model, random, qlearning, oracle) = (self.environments, self.model, self.random, self.qlearning, self.oracle)
        options.rolloutOverrides = { rollout in
            if let environments { rollout.environments = environments }
            if let model { rollout.modelWeight = model }
            if let random { rollout.randomWeight = random }
            if let qlearning { rollout.qlearningWeight = qlearning }
            if let oracle { rollout.oracleWeight = oracle }
        }
        options.maxSeconds = minutes.map { $0 * 60 }
        options.curve = try curve.settings()
        let service = ActorService(options: options, logger: Logger(label: "icrl.actor"))
        try service.run(stop: stopRequested)
    }
}
