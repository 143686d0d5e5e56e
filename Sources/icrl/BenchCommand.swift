import ArgumentParser
import Foundation

/// `icrl bench …`: throughput figures as JSON, each measured against a peer in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput; every benchmark prints one JSON object with --json.",
        discussion: """
            Benchmarks measure a baseline in the same run (raw libzmq, peak sgemm, …) so the
            ratios hold on any machine. Run on an idle machine; results go to stdout.
            """,
        subcommands: [TransportBench.self, IngestBench.self, IngestSender.self, HostileSender.self, EnvBench.self, LearnerBench.self, ActorBench.self, KernelBench.self, SwarmBench.self]
    )
}

/// Options every benchmark shares.
struct BenchOutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON object instead of a readable summary.")
    var json = false

    /// Prints `figures` as sorted JSON, or as aligned `name value` lines.
    func emit(_ figures: [String: Any]) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let width = figures.keys.map(\.count).max() ?? 0
            for key in figures.keys.sorted() {
                let value = figures[key]!
                let text = (value as? Double).map { String(format: "%.3f", $0) } ?? "\(value)"
                print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text)
            }
        }
    }
}
