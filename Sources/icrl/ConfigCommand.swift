import ArgumentParser
import DQN

/// `icrl config`: the resolved run configuration as JSON — what `--preset`, `--config` and
/// `--seed` add up to, in the form `--config FILE` reads back.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print a run configuration as JSON (edit it, then pass it back with --config FILE).",
        discussion: """
              icrl config --preset best > my.json        # start from our recipe
              icrl train --config my.json --minutes 30   # train with the edited copy
            Every field is documented in Sources/DQN (RunConfig, DQNConfig, RolloutConfig,
            TokenizerConfig) and Sources/NN (TransformerConfig).
            """)

    @OptionGroup var runConfig: RunConfigOptions

    func run() throws {
        print(try runConfig.load().json())
    }
}
