import ArgumentParser
import DQN
import Evaluation
import Foundation
import FrozenLake

/// `icrl play`: watch an agent learn one map in context, episode after episode.
struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Watch a model (or a classical agent) learn a map in the terminal, episode after episode.",
        discussion: """
            The map is drawn with the agent's position (*) after every step; each episode ends
            with a line: how it ended, its steps, and the running success rate. The agent
            keeps what it saw across the episodes (its context), never the map itself.
              icrl play --checkpoint models/icrl-best.safetensors --map SFFH,FHFF,FFFH,HFFG
              icrl play --agent oracle --map SFFH,FHFF,FFFH,HFFG --episodes 5
              icrl play --checkpoint M --map SFFF,FHFH,FFFH,HFFG --plain > log.txt   # no animation
            """)

    @Option(help: ArgumentHelp("A trained model to watch (checkpoint .safetensors).", valueName: "file"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("A classical agent to watch instead: \(ClassicalAgentKind.names).", valueName: "name"))
    var agent: String?

    @Option(help: ArgumentHelp("The map, rows separated by commas (S start, F frozen, H hole, G goal).", valueName: "rows"))
    var map: String

    @Option(help: "Episodes to play on the map.")
    var episodes = 10

    @Flag(help: "Slippery ice (Gymnasium's is_slippery).")
    var slippery = false

    @Option(name: .customLong("max-steps"), help: "Steps before an episode is cut off (Gymnasium: 100).")
    var maxSteps = 100

    @Flag(help: "Print plain text, one board per step, without animation or colour: for logs and tests.")
    var plain = false

    @Option(help: "Milliseconds per step in the animation.")
    var delay = 120

    @Option(help: "Seed of the start cells, slips and the agent's randomness.")
    var seed: UInt64 = 0

    func validate() throws {
        guard (checkpoint == nil) != (agent == nil) else {
            throw ValidationError("watch either a model (--checkpoint FILE) or a classical agent (--agent \(ClassicalAgentKind.names)), not both")
        }
        if let agent, ClassicalAgentKind(rawValue: agent) == nil {
            throw ValidationError("unknown agent '\(agent)'; choose from \(ClassicalAgentKind.names)")
        }
        if let checkpoint, !FileManager.default.fileExists(atPath: checkpoint) {
            throw ValidationError("checkpoint \(checkpoint) does not exist (the shipped model is models/icrl-best.safetensors)")
        }
        do { _ = try FrozenLakeMap(map) } catch { throw ValidationError("--map \(map): \(error)") }
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1") }
        guard maxSteps >= 1 else { throw ValidationError("--max-steps must be at least 1") }
        guard delay >= 0 else { throw ValidationError("--delay must not be negative") }
    }

    func run() throws {
        let board = try FrozenLakeMap(map)
        let config = EnvConfig(slippery: slippery, maxSteps: maxSteps)
        if let checkpoint {
            var model = try EvalCommand.loadAgent(path: checkpoint, lanes: 1, epsilon: 0, warmup: .none, slippery: slippery)
            do { try model.checkFits([TrialSpec(map: board)]) } catch { throw ValidationError("\(checkpoint): \(error)") }
            try play(agent: &model, name: "model", board: board, config: config)
        } else {
            let kind = ClassicalAgentKind(rawValue: agent!)!
            var lockstep = LockstepAgents { setup in kind.makeAgent(revealing: setup.revealedMap) }
            try play(agent: &lockstep, name: kind.rawValue, board: board, config: config)
        }
    }

    private func play<Agent: BatchedInContextAgent>(agent: inout Agent, name: String, board: FrozenLakeMap, config: EnvConfig) throws {
        var env = FrozenLakeEnv(map: board, config: config, seed: seed)
        var rngs = [Xoshiro256(seed: seed &+ 1)]
        agent.beginTrials([TrialSetup(index: 0, info: TrialInfo(geometry: board.geometry, config: config), revealedMap: board)])
        let animate = !plain && isatty(STDOUT_FILENO) != 0
        print("\(name) on \(board.rows)×\(board.cols) map \(board.compactString), \(episodes) episodes\(slippery ? ", slippery" : "")")
        var wins = 0
        for episode in 1...episodes {
            var cell = env.reset()
            var steps = 0
            show(board, at: cell, header: "episode \(episode), step 0", animate: animate, first: true)
            while true {
                let action = agent.act(lanes: [0], observations: [cell], rngs: &rngs)[0]
                let result = try env.step(action)
                agent.observe(lane: 0, Transition(observation: cell, action: action, result: result))
                steps += 1
                cell = result.observation
                let arrow = ["←", "↓", "→", "↑"][action]
                show(board, at: cell, header: "episode \(episode), step \(steps) \(plain ? (Action(rawValue: action)?.name ?? "?") : arrow)", animate: animate, first: false)
                guard result.isDone else { continue }
                agent.endEpisode(lane: 0)
                let won = result.terminated && result.reward > 0
                if won { wins += 1 }
                let how = won ? "reached the goal" : result.terminated ? "fell into the hole at \(Self.describe(cell, board))" : "ran out of steps"
                print("episode \(episode): \(how) in \(steps) steps; success so far \(wins)/\(episode) (\(String(format: "%.2f", Double(wins) / Double(episode))))")
                break
            }
        }
    }

    static func describe(_ cell: Int, _ board: FrozenLakeMap) -> String {
        "row \(cell / board.cols + 1), column \(cell % board.cols + 1)"
    }

    /// One frame: in the animation the board redraws in place, in plain mode it is appended.
    private func show(_ board: FrozenLakeMap, at cell: Int, header: String, animate: Bool, first: Bool) {
        let drawing = board.drawing(indent: "  ", marking: cell)
        if animate {
            // Move the cursor up over the previous frame (header + rows) and redraw it.
            if !first { print("\u{1B}[\(board.rows + 1)A", terminator: "") }
            print("\u{1B}[2K" + header)
            for line in drawing.split(separator: "\n") { print("\u{1B}[2K" + line) }
            fflush(nil)
            usleep(useconds_t(delay * 1000))
        } else {
            print(header)
            print(drawing)
        }
    }
}
