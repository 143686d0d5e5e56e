import ArgumentParser
import Cluster
import DQN
import Foundation
import Transport

/// `icrl train`: a whole local cluster — one learner and N actor processes on loopback.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train on this machine: start a learner and N actor processes, show progress, stop them all at the end.",
        discussion: """
            Leaves a run folder with config.json, metrics.jsonl, checkpoints and logs/ (one
            log per process). Ctrl-C stops everything cleanly. The same processes can be
            started by hand or by a cluster manager: see deploy/.
              icrl train --preset smoke --actors 2 --minutes 2 --out runs/smoke
              icrl train --preset best --actors 2 --minutes 60 --out runs/best
            """
    )

    @OptionGroup var runConfig: RunConfigOptions

    @Option(help: "Actor processes to start.")
    var actors = 2

    @Option(help: "Wall-clock minutes to train.")
    var minutes: Double = 10

    @Option(help: "Run folder (created).")
    var out: String = "runs/train"

    @Option(help: "Loopback base port; the learner also uses the next two.")
    var port = 5555

    @Option(help: "Seconds between progress lines.")
    var progressEvery: Double = 5

    @Option(help: ArgumentHelp(
        "Keep the weights at these minutes as OUT/checkpoints/minute-MMM.safetensors (comma-separated, e.g. 5,10,15,30,60); scripts/time_to_quality.sh scores them.",
        valueName: "minutes"))
    var keepCheckpointsAt: String?

    @Flag(help: "Run with CURVE: make keys under OUT/keys, the learner admits only its actors' key.")
    var curve = false

    @OptionGroup(title: "Warm start") var warmStart: WarmStartOptions

    @OptionGroup(title: "Monitoring") var monitoring: MonitoringOptions

    func validate() throws {
        guard (0...64).contains(actors) else { throw ValidationError("--actors must be in 0...64") }
        guard minutes > 0 else { throw ValidationError("--minutes must be positive") }
        _ = try LearnerCommand.minuteList(keepCheckpointsAt)
        guard (1024...65_000).contains(port) else { throw ValidationError("--port must be in 1024...65000") }
    }

    func run() throws {
        Signals.installStopHandlers()
        let config = try runConfig.load()
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let configURL = folder.appendingPathComponent("requested-config.json")
        try Data(config.json().utf8).write(to: configURL)
        var learnerArguments = ["--config", configURL.path, "--minutes", String(minutes)] + warmStart.arguments + monitoring.arguments
        if let keepCheckpointsAt { learnerArguments += ["--keep-checkpoints-at", keepCheckpointsAt] }
        var actorArguments: [String] = []
        if curve {
            let keys = try Self.makeKeys(in: folder.appendingPathComponent("keys"))
            learnerArguments += ["--curve-key", keys.learner, "--authorized-keys", keys.authorized]
            actorArguments += ["--curve-key", keys.actor, "--learner-key", keys.learnerPublic]
        }
        let cluster = LocalCluster(options: .init(
            executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), runFolder: folder, actors: actors, basePort: port,
            learnerArguments: learnerArguments, actorArguments: actorArguments))
        try cluster.start()
        defer { fflush(nil) }
        print("training: learner + \(actors) actors, \(minutes) min, run folder \(folder.path) (logs in \(folder.path)/logs)")
        let metricsURL = folder.appendingPathComponent("metrics.jsonl")
        var lastPrint = Date()
        while cluster.learnerRunning && !stopRequested.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: 0.2)
            if Date().timeIntervalSince(lastPrint) >= progressEvery {
                lastPrint = Date()
                if let line = Self.lastMetrics(metricsURL) {
                    print(Self.progressLine(line, actors: cluster.runningActors))
                    // Progress must reach a log file or pipe as it happens, not at exit.
                    fflush(nil)
                }
            }
        }
        let status = cluster.stop()
        if let line = Self.lastMetrics(metricsURL) { print(Self.progressLine(line, actors: 0)) }
        print("done: learner exited with status \(status); run folder \(folder.path)")
        if status != 0 { throw ExitCode(status) }
    }

    /// Key pairs for the learner and the actors (reused when the folder has their `.key`
    /// files). The learner's public key is passed as text derived from its `.key`, so a
    /// stale or missing `.pub` cannot break the actors.
    static func makeKeys(in folder: URL) throws -> (learner: String, learnerPublic: String, actor: String, authorized: String) {
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        for name in ["learner", "actor"] where !FileManager.default.fileExists(atPath: path("\(name).key")) {
            try? FileManager.default.removeItem(atPath: path("\(name).pub"))
            _ = try CurveKeyPair.generate().write(name: name, in: folder)
        }
        let learner = try CurveKeyPair.read(secretFile: URL(fileURLWithPath: path("learner.key")))
        let actor = try CurveKeyPair.read(secretFile: URL(fileURLWithPath: path("actor.key")))
        try Data("\(actor.publicKey) actor\n".utf8).write(to: URL(fileURLWithPath: path("authorized_keys")))
        return (path("learner.key"), learner.publicKey, path("actor.key"), path("authorized_keys"))
    }

    static func lastMetrics(_ url: URL) -> [String: Any]? {
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let line = text.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { return nil }
        return object
    }

    static func progressLine(_ m: [String: Any], actors: Int) -> String {
        func value(_ key: String, _ format: String) -> String {
            (m[key] as? Double).map { String(format: format, $0) } ?? "-"
        }
        return "[\(value("charts/elapsed_s", "%.0f"))s] updates \(value("charts/updates", "%.0f")) " +
            "(\(value("charts/updates_per_s", "%.1f"))/s) env steps/s \(value("charts/env_steps_per_s", "%.0f")) " +
            "success \(value("charts/success_model", "%.2f")) loss \(value("losses/td", "%.4f")) " +
            "replay \(value("replay/steps", "%.0f")) actors \(actors)"
    }
}
