import ArgumentParser
import Cluster
import Collective
import DQN
import Foundation
import Logging
import Monitoring

/// `icrl learner`: one learner process of a cluster.
struct LearnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learner",
        abstract: "Run the learner: receive experience, train the transformer with DQN, broadcast weights.",
        discussion: """
            Binds three ports from --bind tcp://HOST:PORT: PORT (experience, PULL), PORT+1
            (weights, PUB) and PORT+2 (control, ROUTER). Actors need only that address:
              icrl keygen learner --out keys && icrl keygen actor --out keys
              icrl learner --bind tcp://*:5555 --out runs/exp1 --preset best \\
                --curve-key keys/learner.key --authorized-keys keys/actor.pub
              icrl actor --learner tcp://LEARNER_HOST:5555 \\
                --curve-key keys/actor.key --learner-key keys/learner.pub   # on every rollout machine
            A learner bound beyond loopback refuses to start without CURVE unless given
            --insecure (a network whose every host you trust).
            SIGTERM or Ctrl-C stops it cleanly: actors are told to leave and metrics flushed.

            Data-parallel: started as N MPI ranks, the learner trains on N replay shards at
            once. Rank 0 binds --bind and takes every actor; the ranks sum their gradients
            each update (global batch N × dqn.batchSize). Actors change nothing:
              mpirun -np 2 icrl learner --bind tcp://*:5555 --out runs/dp --preset best --insecure
              srun --mpi=pmix -n 4 icrl learner --bind tcp://*:5555 --out runs/dp …
            --resume needs the same N (each rank's replay shard is its own file). See docs/cluster.md.
            """
    )

    @Option(help: "Address to bind: tcp://HOST:PORT; PORT+1 and PORT+2 are used too. The default reaches this machine only; tcp://*:5555 opens it to the network (with CURVE, or --insecure).")
    var bind = "tcp://127.0.0.1:5555"

    @Option(help: "Run folder: config.json, metrics.jsonl, checkpoints, logs.")
    var out: String?

    @OptionGroup var runConfig: RunConfigOptions

    @Option(help: "Stop after this many minutes (default: run until stopped).")
    var minutes: Double?

    @Option(help: "Stop after this many updates.")
    var updates: Int?

    @Option(help: ArgumentHelp(
        "Keep the weights at these minutes of training as OUT/checkpoints/minute-MMM.safetensors (comma-separated), e.g. 5,10,15,30,60 for a time-to-quality curve (scripts/time_to_quality.sh).",
        valueName: "minutes"))
    var keepCheckpointsAt: String?

    @Option(help: ArgumentHelp(
        "Seconds a dead actor stays listed (in icrl top, as dead) before the learner forgets it and its sequence state. Actors restarted in loops under a scheduler each leave one entry until then.",
        valueName: "seconds"))
    var forgetDeadAfter: Double = 60

    @Option(help: "Data-parallel ranks compare a checksum of their weights every this many updates; a mismatch stops the job.")
    var rankCheckEvery = 100

    @Flag(help: "Continue from --out's latest checkpoint (weights, target, optimizer, counters).")
    var resume = false

    @Flag(help: "Resume when --out holds a checkpoint, start fresh otherwise: for schedulers that restart or requeue the learner (Slurm --requeue, Kubernetes).")
    var resumeIfPresent = false

    @OptionGroup(title: "Authentication") var curve: LearnerCurveOptions

    @Flag(help: ArgumentHelp(
        "Accept plain TCP on a non-loopback --bind, without CURVE: anyone who reaches the ports can send experience and stop the run. Only on a network whose every host you trust."))
    var insecure = false

    @OptionGroup(title: "Warm start") var warmStart: WarmStartOptions

    @OptionGroup(title: "Monitoring") var monitoring: MonitoringOptions

    @Option(help: "Train from this experience file (written by icrl collect) instead of, or before, live actors.")
    var dataset: String?

    func validate() throws {
        _ = try Endpoints(base: bind)
        if curve.curveKey == nil, !insecure, !Endpoints.isLoopback(bind) {
            throw ValidationError("""
                --bind \(bind) is open to the network, and without CURVE anyone who reaches it can join, send \
                experience and stop the run. Either:
                  - turn CURVE on: icrl keygen learner --out keys && icrl keygen actor --out keys, then \
                --curve-key keys/learner.key --authorized-keys keys/actor.pub (actors: --curve-key keys/actor.key --learner-key keys/learner.pub);
                  - bind loopback only (--bind tcp://127.0.0.1:5555), for actors on this machine;
                  - or pass --insecure, on a network whose every host you trust.
                """)
        }
        if resume || resumeIfPresent, out == nil { throw ValidationError("--resume and --resume-if-present need --out, the run folder to continue") }
        if let minutes, minutes <= 0 { throw ValidationError("--minutes must be positive") }
        if let updates, updates <= 0 { throw ValidationError("--updates must be positive") }
        if rankCheckEvery <= 0 { throw ValidationError("--rank-check-every must be positive") }
        if !(forgetDeadAfter >= 0) { throw ValidationError("--forget-dead-after must be 0 or more seconds") }
        if keepCheckpointsAt != nil, out == nil { throw ValidationError("--keep-checkpoints-at needs --out, the run folder to keep them in") }
        _ = try Self.minuteList(keepCheckpointsAt)
        if let dataset, !FileManager.default.fileExists(atPath: dataset) {
            throw ValidationError("--dataset \(dataset) does not exist; write one with icrl collect")
        }
    }

    func run() throws {
        Signals.installStopHandlers()
        var group: DataParallelGroup?
        if MPICommunicator.launchedByMPI() {
            let communicator: MPICommunicator
            do {
                communicator = try MPICommunicator.initialize()
            } catch {
                throw ValidationError("started by an MPI launcher, but MPI would not initialise: \(error)")
            }
            let logger = Logger(label: communicator.size > 1 ? "icrl.learner.rank\(communicator.rank)" : "icrl.learner")
            group = DataParallelGroup(communicator: communicator, logger: logger)
            if communicator.size > 1 { logger.info("learner rank \(communicator.rank) of \(communicator.size) (MPI)") }
        }
        defer { group?.communicator.finalize() }
        do {
            try run(group: group)
        } catch {
            guard let group, group.ranks > 1 else { throw error }
            // The other ranks wait in a collective for this one: end the job, saying why.
            Logger(label: "icrl.learner.rank\(group.rank)").critical("learner rank \(group.rank) stopped: \(error)")
            group.communicator.abort(code: 1)
        }
    }

    func run(group: DataParallelGroup?) throws {
        let rank = group?.rank ?? 0
        Logger(label: "icrl.learner").info("\(KernelSelection.choice)")
        var config = try runConfig.load()
        var resume = self.resume
        if resumeIfPresent, let out {
            let folder = URL(fileURLWithPath: out)
            resume = FileManager.default.fileExists(atPath: LearnerService.latestCheckpoint(in: folder).path)
                || (rank > 0 && FileManager.default.fileExists(atPath: LearnerService.replaySnapshot(in: folder, rank: rank).path))
        }
        if resume, runConfig.config == nil, let out,
           rank == 0 || FileManager.default.fileExists(atPath: URL(fileURLWithPath: out).appendingPathComponent("config.json").path) {
            // A resumed run keeps its own configuration unless told otherwise. (Other ranks on
            // a host without rank 0's run folder use their flags; the group checks they agree.)
            let saved = URL(fileURLWithPath: out).appendingPathComponent("config.json")
            config = try RunConfig.from(json: String(contentsOf: saved, encoding: .utf8))
            if let seed = runConfig.seed { config.seed = seed }
        }
        var options = LearnerService.Options(
            endpoints: try Endpoints(base: bind), runFolder: out.map { URL(fileURLWithPath: $0) }, config: config,
            learnerID: "\(ProcessInfo.processInfo.hostName)/\(getpid())")
        options.maxSeconds = minutes.map { $0 * 60 }
        options.maxUpdates = updates
        options.keptCheckpointMinutes = try Self.minuteList(keepCheckpointsAt)
        options.rankCheckEvery = rankCheckEvery
        options.forgetDeadAfter = forgetDeadAfter
        options.dataset = dataset.map { URL(fileURLWithPath: $0) }
        options.resume = resume
        options.initCheckpoint = warmStart.checkpoint.map { URL(fileURLWithPath: $0) }
        options.initKeepsOptimizer = warmStart.optimizer == "keep"
        options.curve = try curve.settings()
        if let port = monitoring.metricsPort {
            let host = monitoring.metricsHost
            options.makeMetricsEndpoint = { try PrometheusEndpoint(host: host, port: port) }
        }
        let label = (group?.ranks ?? 1) > 1 ? "icrl.learner.rank\(rank)" : "icrl.learner"
        let service = try LearnerService(options: options, logger: Logger(label: label), group: group)
        try service.run(stop: stopRequested)
    }

    /// `5,10,15` → [5, 10, 15]; every entry a positive number of minutes.
    static func minuteList(_ text: String?) throws -> [Double] {
        guard let text else { return [] }
        return try text.split(separator: ",").map { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let minute = Double(trimmed), minute > 0, minute.isFinite else {
                throw ValidationError("--keep-checkpoints-at: '\(trimmed)' is not a positive number of minutes (example: 5,10,15,30,60)")
            }
            return minute
        }
    }
}
