import ArgumentParser
import DQN
import Foundation

/// Which configuration a run uses: a preset, a JSON file, or a preset with a few overrides.
struct RunConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Named configuration: \(RunConfig.Preset.allCases.map(\.rawValue).joined(separator: ", ")).",
                               discussion: "paper: the paper's settings as far as they transfer; best: our recipe; smoke: one fixed 4x4 map, tiny model."))
    var preset: String = RunConfig.Preset.best.rawValue

    @Option(help: "A run config JSON file (as written to a run folder's config.json); overrides --preset.")
    var config: String?

    @Option(help: "Random seed of the run (model initialisation, sampling).")
    var seed: UInt64?

    func load() throws -> RunConfig {
        var run: RunConfig
        if let path = config {
            do {
                run = try RunConfig.from(json: String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw ValidationError("cannot read run config \(path): \(error)")
            }
        } else {
            guard let preset = RunConfig.Preset(rawValue: preset) else {
                throw ValidationError("unknown preset '\(preset)'; choose one of \(RunConfig.Preset.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            run = RunConfig.preset(preset)
        }
        if let seed { run.seed = seed }
        return run
    }
}

/// `--init`: a warm start from a trained checkpoint.
struct WarmStartOptions: ParsableArguments {
    @Option(name: .customLong("init"), help: ArgumentHelp(
        "Start from this checkpoint's weights (online and target) instead of a random model: fine-tuning. Its model config must match the run's. Ignored when resuming.",
        valueName: "checkpoint.safetensors"))
    var checkpoint: String?

    @Option(name: .customLong("init-optimizer"), help: ArgumentHelp(
        "With --init: reset (a fresh AdamW with this run's warm-up; the default) or keep (the checkpoint's AdamW moments and step).",
        valueName: "reset|keep"))
    var optimizer: String = "reset"

    func validate() throws {
        guard optimizer == "reset" || optimizer == "keep" else {
            throw ValidationError("--init-optimizer must be reset or keep, not '\(optimizer)'")
        }
        if let checkpoint, !FileManager.default.fileExists(atPath: checkpoint) {
            throw ValidationError("--init \(checkpoint) does not exist (try models/icrl-best.safetensors)")
        }
    }

    /// The same flags, for a learner process `icrl train` starts.
    var arguments: [String] {
        guard let checkpoint else { return [] }
        return ["--init", URL(fileURLWithPath: checkpoint).path, "--init-optimizer", optimizer]
    }
}
