import ArgumentParser
import Evaluation
import Foundation

/// `icrl trajectories`: the paper's trajectory figure from a trace file.
struct TrajectoriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trajectories",
        abstract: "Draw an agent's paths on one map early, mid and late in a trial (SVG), from an eval trace.",
        discussion: """
            Examples:
              icrl eval --checkpoint models/icrl-best.safetensors --maps 20 --trace t.jsonl
              icrl trajectories --trace t.jsonl --trial 3 --out trajectories.svg
            """)

    @Option(help: "Trace file written by icrl eval --trace.")
    var trace: String

    @Option(help: "Trial (map) to draw, counting from 0.")
    var trial = 0

    @Option(help: "Agent to draw (default: model when present, else the first agent in the trace).")
    var agent: String?

    @Option(help: ArgumentHelp("Episodes to draw, 1-based, comma-separated (default: first, middle, last).", valueName: "list"))
    var episodes: String?

    @Option(help: "SVG file to write.")
    var out = "trajectories.svg"

    func run() throws {
        let all: [TraceEpisode]
        do { all = try TraceReader.read(path: trace) } catch { throw ValidationError("\(error)") }
        let agents = all.compactMap(\.agent)
        let chosen = agent ?? (agents.contains("model") ? "model" : agents.first)
        let mine = all.filter { $0.trial == trial && $0.agent == chosen }.sorted { ($0.episode ?? 0) < ($1.episode ?? 0) }
        guard !mine.isEmpty else {
            throw ValidationError("no episodes of agent \(chosen ?? "?") in trial \(trial) in \(trace) (agents: \(Set(agents).sorted().joined(separator: ", ")))")
        }
        let wanted: [Int]
        if let episodes {
            wanted = try episodes.split(separator: ",").map { part in
                guard let k = Int(part.trimmingCharacters(in: .whitespaces)), (1...mine.count).contains(k) else {
                    throw ValidationError("--episodes: '\(part)' is not an episode in 1...\(mine.count)")
                }
                return k
            }
        } else {
            wanted = Array(Set([1, (mine.count + 1) / 2, mine.count])).sorted()
        }
        let picture = TrajectoryPicture(
            title: "\(chosen ?? "agent") on \(mine[0].map.compactString), trial \(trial): episodes \(wanted.map(String.init).joined(separator: ", "))",
            episodes: wanted.map { mine[$0 - 1] })
        try picture.render().write(toFile: out, atomically: true, encoding: .utf8)
        print("wrote \(out)")
    }
}
