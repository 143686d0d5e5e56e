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
