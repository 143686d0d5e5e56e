import ArgumentParser
import DQN
import Foundation
import NN

/// Which configuration a run uses: a preset, a JSON file, or a preset with a few overrides.
struct RunConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Named configuration: \(RunConfig.Preset.allCases.map(\.rawValue).joined(separator: ", ")).",
                               discussion: "paper: the paper's settings as far as they transfer; best: our recipe; slippery: best on slippery ice (the teacher plans with the slip model); large: best on maps up to 8x8 (in-dist, ood8 and Gymnasium 8x8 trials mixed); smoke: one fixed 4x4 map, tiny model."))
    var preset: String = RunConfig.Preset.best.rawValue

    @Option(help: "A run config JSON file (as written to a run folder's config.json), or a checkpoint (.safetensors) whose stored config to reuse; overrides --preset.")
    var config: String?

    @Option(help: "Random seed of the run (model initialisation, sampling).")
    var seed: UInt64?

    func load() throws -> RunConfig {
        var run: RunConfig
        if let path = config {
            do {
                if path.hasSuffix(".safetensors") {
                    guard let json = try Checkpoint.info(at: URL(fileURLWithPath: path)).extra["run_config"] else {
                        throw ValidationError("\(path) has no run_config metadata: it was not written by icrl learner")
                    }
                    run = try RunConfig.from(json: json)
                } else {
                    run = try RunConfig.from(json: String(contentsOfFile: path, encoding: .utf8))
                }
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

/// `--metrics-port`, `--metrics-host`: Prometheus metrics from the learner.
struct MonitoringOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics at http://HOST:PORT/metrics (text format 0.0.4): counters for env steps, updates, episodes, chunks and rejections, gauges for rates, policy lag, replay fill, live actors and memory.",
        valueName: "port"))
    var metricsPort: Int?

    @Option(help: ArgumentHelp(
        "Address the metrics port listens on: loopback by default; 0.0.0.0 lets a Prometheus on another host scrape it.",
        valueName: "ipv4"))
    var metricsHost = "127.0.0.1"

    func validate() throws {
        if let metricsPort, !(1...65_535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be in 1...65535, not \(metricsPort)")
        }
    }

    /// The same flags, for a learner process `icrl train` starts.
    var arguments: [String] {
        guard let metricsPort else { return [] }
        return ["--metrics-port", String(metricsPort), "--metrics-host", metricsHost]
    }
}
