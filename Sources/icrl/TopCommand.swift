import ArgumentParser
import Cluster
import Foundation
import Transport

/// `icrl top`: a live terminal view of a running cluster, from its learner's control socket.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Watch a running cluster: throughput, replay, policy lag, and one row per actor.",
        discussion: """
            Asks the learner over its control socket (the --bind port + 2) while it trains;
            nothing else is needed on the learner's side. Give the learner's address as the
            actors do, or a run folder (the learner records its ports in learner.json):
              icrl top tcp://10.0.0.5:5555
              icrl top runs/best
              icrl top runs/best --once --json | jq '.actors[] | select(.straggler)'
            States: live (heard from within 2 heartbeat intervals), stale (silent longer),
            dead (past the heartbeat timeout). A straggler is a live actor under half the
            median actor's env steps/s. TIME shows where each actor's time went:
            env, inference, send, wait (back-pressure from the learner), weights.
            """
    )

    @Argument(help: ArgumentHelp("The learner: tcp://HOST:PORT (its --bind or the actors' --learner address), or a run folder.", valueName: "learner"))
    var learner: String

    @Flag(help: "Print one snapshot and exit.")
    var once = false

    @Flag(help: "JSON instead of a table: one object (with an `actors` list) per snapshot.")
    var json = false

    @Option(help: "Seconds between refreshes.")
    var interval: Double = 2

    @Option(help: "Seconds to wait for each answer before giving up.")
    var timeout: Double = 5

    @OptionGroup(title: "Authentication") var curve: ActorCurveOptions

    func validate() throws {
        guard interval >= 0.2 else { throw ValidationError("--interval must be at least 0.2 s") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        _ = try controlEndpoint()
    }

    /// The control endpoint named by the argument.
    func controlEndpoint() throws -> String {
        if learner.hasPrefix("tcp://") {
            do {
                let endpoints = try Endpoints(base: learner)
                return endpoints.control.replacingOccurrences(of: "tcp://*:", with: "tcp://127.0.0.1:")
                    .replacingOccurrences(of: "tcp://0.0.0.0:", with: "tcp://127.0.0.1:")
            } catch {
                throw ValidationError(error.description)
            }
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: learner, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("'\(learner)' is neither tcp://HOST:PORT nor a run folder")
        }
        guard let control = StatusClient.controlEndpoint(runFolder: URL(fileURLWithPath: learner)) else {
            throw ValidationError("\(learner)/learner.json is missing or unreadable: is a learner running with --out \(learner)? Or give its tcp://HOST:PORT")
        }
        return control
    }

    func run() throws {
        Signals.installStopHandlers()
        let client = try StatusClient(control: try controlEndpoint(), curve: try curve.settings())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let live = !once && !json && isatty(STDOUT_FILENO) != 0
        while true {
            let status: ClusterStatus
            do {
                status = try client.fetch(timeout: timeout)
            } catch {
                // In the live view a learner that went away is a line, not the end.
                guard live, !stopRequested.load(ordering: .relaxed) else { throw error }
                print("\u{1B}[H\u{1B}[2J\(error)\n(retrying every \(interval) s; Ctrl-C quits)")
                fflush(nil)
                Thread.sleep(forTimeInterval: interval)
                continue
            }
            if json {
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                let table = TopView.render(status, endpoint: client.endpoint, interval: once ? nil : interval)
                print(live ? "\u{1B}[H\u{1B}[2J" + table : table)
            }
            fflush(nil)
            if once { return }
            let wake = Date().addingTimeInterval(interval)
            while Date() < wake, !stopRequested.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.05) }
            if stopRequested.load(ordering: .relaxed) { return }
        }
    }
}
