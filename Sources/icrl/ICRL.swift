import ArgumentParser

/// The `icrl` command line: training, cluster processes, evaluation and benchmarks.
@main
struct ICRL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "icrl",
        abstract: "In-context reinforcement learning: a small transformer trained by distributed DQN on FrozenLake.",
        discussion: """
            Typical use:
              icrl maps --suite in-dist --count 5          # look at the maps we train and test on
              icrl eval --agent oracle --suite in-dist     # classical baselines on held-out maps
              icrl train --preset best --minutes 60        # train the transformer (learner + actors)
              icrl eval --agent oracle --checkpoint models/icrl-best.safetensors --suite ood
              icrl bench transport --json                  # throughput figures as JSON
            Every subcommand has its own --help.
            """,
        subcommands: [
            // Subcommands register here, one line each.
            BenchCommand.self,
            TrainCommand.self,
            LearnerCommand.self,
            CheckRanksCommand.self,
            ActorCommand.self,
            CollectCommand.self,
            MapsCommand.self,
            EvalCommand.self,
            PlayCommand.self,
            TopCommand.self,
            TrajectoriesCommand.self,
            QTraceCommand.self,
            ConfigCommand.self,
            LSACommand.self,
            KeygenCommand.self,
        ]
    )

    static func main() {
        KernelSelection.reexecWithFastestKernelsIfNeeded()
        main(nil)
    }
}
