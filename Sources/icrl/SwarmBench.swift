import ArgumentParser
import CZeroMQ
import Cluster
import DQN
import Foundation
import Transport

/// `icrl bench swarm`: hundreds of lightweight actors against one real learner.
struct SwarmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "N lightweight actor peers in one process against a real learner: throughput, refusals, control latency, memory.",
        discussion: """
            Each peer has its own sockets, says hello, heartbeats, sends stats and ships chunks of \
            random-walk trials (valid, no model inference) as fast as the learner takes them. Without \
            --learner the bench starts one (icrl learner --preset best) per phase: first with \
            --baseline-actors peers, then with --actors, so updates/s under load has a peer in the same run. \
            --churn E makes E leave-and-join events during the load phase: half the leaves are clean \
            (queued chunks flushed), half abrupt (dropped, as by kill -9), and --kill-children K also \
            runs K child processes of peers that are killed with SIGKILL and restarted. Prints one JSON \
            object: accepted steps/s, refusals by reason, control round trips (hello → reply, status \
            request → reply) p50/p99, policy lag, learner RSS and open fds, updates/s against the baseline.
              icrl bench swarm --actors 256 --seconds 30 --json
              icrl bench swarm --actors 64 --seconds 120 --churn 1000 --kill-children 4 --json
            """)

    @Option(help: "Peers in the load phase.") var actors = 256
    @Option(help: "Seconds of the load phase.") var seconds: Double = 30
    @Option(help: "Peers in the baseline phase (0: skip it).") var baselineActors = 2
    @Option(help: "Seconds of the baseline phase.") var baselineSeconds: Double = 20
    @Option(help: "Environments per peer.") var environments = 4
    @Option(help: "Leave-and-join events during the load phase.") var churn = 0
    @Option(help: "Child processes of peers, killed with SIGKILL and restarted during churn.") var killChildren = 0
    @Option(help: "Peers per child process.") var childActors = 4
    @Option(help: "A running learner to load (tcp://HOST:PORT); default: start one per phase.") var learner: String?
    @Option(help: "Preset of the learner the bench starts.") var preset = "best"
    @Option(help: "Replay capacity (steps) of the learner the bench starts (best's: 1 M). RSS growth is measured from the first sample with the replay full (or a quarter into the run), so a smaller replay measures leaks, not the replay filling.")
    var replaySteps = 1_000_000
    @Option(help: "Loopback base port of the learners the bench starts (below the ephemeral range: thousands of peer connections take ephemeral ports).") var port = 27100
    @Option(help: "The started learners' --forget-dead-after: seconds a dead peer stays listed. Shorter than the run, churned peers are forgotten within it, so RSS growth shows what forgetting does not give back.")
    var forgetDeadAfter: Double = 60
    @Option(help: "Folder for the started learners' runs (default: a temporary one, removed).") var out: String?
    @Flag(help: "Run as a child process of peers until killed (used by --kill-children).") var child = false
    @Option(help: "With --child: the id prefix of its peers.") var idPrefix = "child"
    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        guard actors >= 1, environments >= 1, seconds > 0 else { throw ValidationError("--actors, --environments and --seconds must be positive") }
        guard churn >= 0, killChildren >= 0, baselineActors >= 0 else { throw ValidationError("--churn, --kill-children and --baseline-actors cannot be negative") }
        guard forgetDeadAfter >= 0 else { throw ValidationError("--forget-dead-after must be 0 or more seconds") }
        if child, learner == nil { throw ValidationError("--child needs --learner") }
    }

    func run() throws {
        SwarmLimits.raiseFileLimit()
        if child {
            try SwarmRun(endpoints: try Endpoints(base: learner!), environments: environments, idPrefix: idPrefix)
                .runChild(actors: actors, seconds: seconds)
            return
        }
        let folder = out.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("icrl-swarm-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if out == nil { try? FileManager.default.removeItem(at: folder) } }
        var figures: [String: Any] = ["bench": "swarm", "actors": actors, "seconds": seconds, "environments_per_actor": environments]
        if baselineActors > 0, learner == nil {
            let base = try phase(peers: baselineActors, seconds: baselineSeconds, churn: 0, children: 0, folder: folder, name: "baseline", port: port)
            figures["baseline_actors"] = baselineActors
            figures["baseline_updates_per_s"] = base["updates_per_s"]
            figures["baseline_accepted_steps_per_s"] = base["accepted_steps_per_s"]
        }
        let load = try phase(peers: actors, seconds: seconds, churn: churn, children: killChildren, folder: folder, name: "load", port: port + 10)
        figures.merge(load) { _, new in new }
        if let base = figures["baseline_updates_per_s"] as? Double, let now = load["updates_per_s"] as? Double, base > 0 {
            figures["updates_vs_baseline"] = now / base
        }
        try output.emit(figures)
    }

    /// One learner (started here unless --learner) under `peers` peers for `seconds`.
    func phase(peers: Int, seconds: Double, churn: Int, children: Int, folder: URL, name: String, port: Int) throws -> [String: Any] {
        var started: SwarmLearner?
        let address: String
        if let learner {
            address = learner
        } else {
            started = try SwarmLearner(
                preset: preset, replaySteps: replaySteps, port: port, out: folder.appendingPathComponent(name), minutes: seconds / 60 + 2,
                forgetDeadAfter: forgetDeadAfter)
            address = "tcp://127.0.0.1:\(port)"
        }
        let endpoints = try Endpoints(base: address)
        let run = SwarmRun(endpoints: endpoints, environments: environments, idPrefix: name)
        // The peers stand in for actors on other machines: on a small machine they must not
        // take the learner's cores, or its updates/s would measure CPU contention rather than
        // load. So they run on a thread at nice 19 (its ZeroMQ I/O threads and child
        // processes inherit it); the learner, started from this thread, keeps its priority.
        let box = SwarmResult()
        let done = DispatchSemaphore(value: 0)
        let childActors = childActors, learnerPID = started?.process.processIdentifier
        let monitor = SwarmMonitor(control: endpoints.control, learnerPID: learnerPID)
        defer { monitor.stop() }
        let thread = Thread {
            // On Linux the nice value is per thread, and 0 names the calling one.
            _ = setpriority(PRIO_PROCESS_SELF, 0, 19)
            box.value = Result { try run.load(
                peers: peers, seconds: seconds, churn: churn, children: children, childActors: childActors,
                learnerPID: learnerPID, learnerAddress: address, monitor: monitor) }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        var figures = try box.value!.get()
        if let started {
            let (status, metrics) = started.stop()
            figures["learner_exit_status"] = Int(status)
            var rejected: [String: Any] = [:]
            for (key, value) in metrics where key.hasPrefix("rejected/") && key != "rejected/total" {
                if let count = value as? Double, count > 0 { rejected[String(key.dropFirst("rejected/".count))] = count }
            }
            figures["rejected"] = rejected
            figures["rejected_total"] = metrics["rejected/total"] ?? 0
            figures["lost_chunks"] = metrics["transport/lost_chunks"] ?? 0
        }
        return figures
    }
}

/// The load thread's result, handed to the thread that waits for it.
final class SwarmResult: @unchecked Sendable {
    var value: Result<[String: Any], any Error>?
}

/// A learner process the bench starts and stops.
struct SwarmLearner {
    let process: Process
    let out: URL

    init(preset: String, replaySteps: Int, port: Int, out: URL, minutes: Double, forgetDeadAfter: Double) throws {
        self.out = out
        guard let named = RunConfig.Preset(rawValue: preset) else {
            throw SwarmRun.Failure(message: "unknown preset \(preset); choose one of \(RunConfig.Preset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var config = RunConfig.preset(named)
        config.replayCapacitySteps = replaySteps
        config.minReplaySteps = min(config.minReplaySteps, replaySteps / 2)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let configURL = out.appendingPathComponent("swarm-config.json")
        try config.json().write(to: configURL, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["learner", "--bind", "tcp://127.0.0.1:\(port)", "--out", out.path, "--config", configURL.path,
                             "--minutes", String(minutes), "--forget-dead-after", String(forgetDeadAfter)]
        let logPath = out.appendingPathComponent("learner.log").path
        guard FileManager.default.createFile(atPath: logPath, contents: nil), let log = FileHandle(forWritingAtPath: logPath) else {
            throw SwarmRun.Failure(message: "cannot create \(logPath)")
        }
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// SIGTERM, wait (SIGKILL after 30 s), and the last metrics line.
    func stop() -> (Int32, [String: Any]) {
        if process.isRunning { process.terminate() }
        SwarmLimits.waitForExit(process, seconds: 30)
        let text = (try? String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
        let last = text.split(separator: "\n").last.map(String.init) ?? "{}"
        let object = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any] ?? [:]
        // Foundation reaps the child on its own thread; read the status only once it has.
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return (process.isRunning ? -1 : process.terminationStatus, object)
    }
}

#if os(Linux)
let PRIO_PROCESS_SELF = __priority_which_t(PRIO_PROCESS.rawValue)
#else
let PRIO_PROCESS_SELF = PRIO_PROCESS
#endif

enum SwarmLimits {
    /// Hundreds of peers need thousands of descriptors: raise the soft limit to the hard one.
    static func raiseFileLimit() {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }

    /// Polls until `process` has exited, then SIGKILLs it after `seconds` (Foundation's
    /// `waitUntilExit` can miss an exit that happened long before it is called).
    static func waitForExit(_ process: Process, seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, isAlive(process.processIdentifier) {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        while process.isRunning, isAlive(process.processIdentifier) { Thread.sleep(forTimeInterval: 0.05) }
    }

    /// Whether the process runs: it exists and is not a zombie waiting to be reaped.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return kill(pid, 0) == 0 }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z" && state != "X"
    }

    /// Entries of /proc/PID/fd and VmRSS of a process, or nil.
    static func resources(pid: Int32) -> (fds: Int, rssBytes: Int)? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return (entries.count, kb * 1024)
    }
}
