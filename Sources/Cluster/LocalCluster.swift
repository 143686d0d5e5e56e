import Foundation
import Synchronization

/// `icrl train`: one learner and N actor processes on loopback, as a user would
/// start them by hand (`deploy/local/`). Forwards SIGINT/SIGTERM, stops every
/// child at the end, and leaves logs in the run folder.
public final class LocalCluster {
    public struct Options: Sendable {
        /// The `icrl` binary to start (normally this process's own executable).
        public var executable: URL
        public var runFolder: URL
        public var actors: Int
        /// Loopback base port; the learner uses it and the next two.
        public var basePort: Int
        /// Extra arguments for `icrl learner` and for every `icrl actor`.
        public var learnerArguments: [String]
        public var actorArguments: [String]
        /// Seconds to let the learner checkpoint and stop before it is killed.
        public var stopGrace: Double = 30

        public init(executable: URL, runFolder: URL, actors: Int, basePort: Int, learnerArguments: [String], actorArguments: [String]) {
            self.executable = executable
            self.runFolder = runFolder
            self.actors = actors
            self.basePort = basePort
            self.learnerArguments = learnerArguments
            self.actorArguments = actorArguments
        }
    }

    public let options: Options
    private var learner: Process?
    private var actorProcesses: [Process] = []

    public init(options: Options) {
        self.options = options
    }

    private func start(_ arguments: [String], log name: String) throws -> Process {
        let process = Process()
        process.executableURL = options.executable
        process.arguments = arguments
        let logURL = options.runFolder.appendingPathComponent("logs/\(name).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Starts the learner, then the actors.
    public func start() throws {
        try FileManager.default.createDirectory(at: options.runFolder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        learner = try start(
            ["learner", "--bind", "tcp://127.0.0.1:\(options.basePort)", "--out", options.runFolder.path] + options.learnerArguments,
            log: "learner")
        for i in 0..<options.actors {
            actorProcesses.append(try start(
                ["actor", "--learner", "tcp://127.0.0.1:\(options.basePort)", "--id", "actor-\(i)", "--seed", "\(1_000 + i)"] + options.actorArguments,
                log: "actor-\(i)"))
        }
    }

    /// True while the learner runs.
    public var learnerRunning: Bool { learner?.isRunning ?? false }

    /// Live actor processes.
    public var runningActors: Int { actorProcesses.filter(\.isRunning).count }

    /// Stops everything: SIGTERM to the learner (it checkpoints and tells actors to leave),
    /// then SIGTERM to actors still running, then SIGKILL after the grace period.
    /// Returns the learner's exit status.
    @discardableResult
    public func stop() -> Int32 {
        if let learner, learner.isRunning { learner.terminate() }
        let deadline = Date().addingTimeInterval(options.stopGrace)
        while learner?.isRunning == true, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        for actor in actorProcesses where actor.isRunning { actor.terminate() }
        let actorDeadline = Date().addingTimeInterval(10)
        while actorProcesses.contains(where: \.isRunning), Date() < actorDeadline { Thread.sleep(forTimeInterval: 0.1) }
        for process in actorProcesses + [learner].compactMap({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return learner?.terminationStatus ?? -1
    }
}
