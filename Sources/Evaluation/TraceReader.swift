import Foundation
import FrozenLake

/// One episode read back from a trace file (the format ``TraceEncoder`` writes), checked
/// against its map's dynamics.
public struct TraceEpisode: Sendable, Hashable {
    public var map: FrozenLakeMap
    public var slippery: Bool
    public var steps: [Transition]
    /// Bookkeeping that recorded traces carry (nil in hand-written ones).
    public var agent: String?
    public var trial: Int?
    public var episode: Int?

    public init(map: FrozenLakeMap, slippery: Bool, steps: [Transition], agent: String? = nil, trial: Int? = nil, episode: Int? = nil) {
        self.map = map
        self.slippery = slippery
        self.steps = steps
        self.agent = agent
        self.trial = trial
        self.episode = episode
    }
}

/// Why a trace file could not be used; `line` counts from 1.
public struct TraceFormatError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var line: Int
    public var reason: String
    public var description: String { "\(path):\(line): \(reason)" }
}

/// Reads trace files — recorded by `icrl eval --trace` or written by hand to script a
/// context — and refuses any step the map could not have produced, so a context never
/// shows the model an impossible world.
///
/// Episodes may start on any walkable cell (scripted partial episodes do); steps must
/// follow each other (`s` of a step is `s2` of the one before), and only an episode's last
/// step may end it. An episode that ends without falling, winning or being truncated is a
/// partial episode: the harness closes it after its last step.
public enum TraceReader {
    struct Line: Decodable {
        var map: [String]
        var slippery: Bool?
        var success_rate: Double?
        var agent: String?
        var trial: Int?
        var episode: Int?
        var steps: [Step]
    }

    struct Step: Decodable {
        var s: Int
        var a: Int
        var r: Double
        var s2: Int
        var terminated: Bool
        var truncated: Bool
    }

    /// Reads every episode of `path`.
    public static func read(path: String) throws(TraceFormatError) -> [TraceEpisode] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TraceFormatError(path: path, line: 0, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, path: path)
    }

    /// Parses trace text; `path` only names the source in errors.
    public static func parse(_ text: String, path: String = "trace") throws(TraceFormatError) -> [TraceEpisode] {
        var episodes: [TraceEpisode] = []
        let decoder = JSONDecoder()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            func fail(_ reason: String) -> TraceFormatError { TraceFormatError(path: path, line: lineNumber, reason: reason) }
            guard !raw.allSatisfy(\.isWhitespace) else { continue }
            let line: Line
            do {
                line = try decoder.decode(Line.self, from: Data(raw.utf8))
            } catch {
                throw fail("not a trace line: expected {\"map\":[…],\"steps\":[{\"s\",\"a\",\"r\",\"s2\",\"terminated\",\"truncated\"}…]} (\(error))")
            }
            let map: FrozenLakeMap
            do { map = try FrozenLakeMap(rowStrings: line.map) } catch { throw fail("bad map: \(error)") }
            let slippery = line.slippery ?? false
            let config = EnvConfig(slippery: slippery, successRate: line.success_rate ?? 1.0 / 3.0, maxSteps: Int.max)
            guard !line.steps.isEmpty else { throw fail("an episode needs at least one step") }
            var steps: [Transition] = []
            for (k, step) in line.steps.enumerated() {
                let at = "step \(k)"
                guard (0..<map.cellCount).contains(step.s), (0..<map.cellCount).contains(step.s2) else {
                    throw fail("\(at): cells must lie in 0..<\(map.cellCount), got s=\(step.s) s2=\(step.s2)")
                }
                guard (0..<4).contains(step.a) else { throw fail("\(at): action \(step.a) is outside 0...3 (0 left, 1 down, 2 right, 3 up)") }
                guard !map[step.s].isTerminal else { throw fail("\(at): s=\(step.s) is a hole or goal; episodes stand only on S or F cells") }
                if k > 0 {
                    guard step.s == line.steps[k - 1].s2 else { throw fail("\(at): starts on \(step.s) but the step before ended on \(line.steps[k - 1].s2)") }
                    guard !line.steps[k - 1].terminated, !line.steps[k - 1].truncated else { throw fail("\(at): follows a step that ended the episode") }
                }
                let possible = map.transitions(from: step.s, action: step.a, config: config).contains {
                    $0.nextObservation == step.s2 && $0.reward == step.r && $0.terminated == step.terminated
                }
                guard possible else {
                    throw fail("\(at): action \(step.a) from \(step.s) cannot give s2=\(step.s2) r=\(step.r) terminated=\(step.terminated) on this map\(slippery ? " (slippery)" : "")")
                }
                steps.append(Transition(observation: step.s, action: step.a, reward: step.r, nextObservation: step.s2, terminated: step.terminated, truncated: step.truncated))
            }
            episodes.append(TraceEpisode(map: map, slippery: slippery, steps: steps, agent: line.agent, trial: line.trial, episode: line.episode))
        }
        guard !episodes.isEmpty else { throw TraceFormatError(path: path, line: 0, reason: "no episodes in the file") }
        return episodes
    }
}
