import Evaluation
import Foundation
import FrozenLake
import Testing

@Suite("Evaluation harness")
struct HarnessTests {
    let trials = TrialSpec.suite(.inDistribution, count: 24, seed: 3)

    func run(_ kind: ClassicalAgentKind, config: EnvConfig = .paper, seed: UInt64 = 1, batchSize: Int = 64,
             trials: [TrialSpec]? = nil, episodes: Int = 6, trace: TraceWriter? = nil) throws -> EvaluationResult {
        let harness = EvaluationHarness(episodesPerTrial: episodes, config: config, seed: seed, batchSize: batchSize)
        // The planner's determinism does not depend on how much it samples; a debug build
        // plans slowly.
        let planner = PlannerAgent.Settings(samples: 2, horizonEpisodes: 1)
        return try harness.run(agentName: kind.rawValue, trials: trials ?? self.trials, trace: trace) {
            kind.makeAgent(revealing: $0.revealedMap, planner: planner)
        }
    }

    @Test("deterministic per seed, and independent of how trials are batched", arguments: ClassicalAgentKind.allCases)
    func determinism(_ kind: ClassicalAgentKind) throws {
        let slippery = EnvConfig(slippery: true)
        // The planner plans every open slippery decision, slowly in a debug build: fewer trials.
        let trials = kind == .planner ? Array(self.trials.prefix(6)) : self.trials
        let a = try run(kind, config: slippery, trials: trials)
        #expect(a == (try run(kind, config: slippery, trials: trials)))
        #expect(a == (try run(kind, config: slippery, batchSize: 5, trials: trials)))
        #expect(a.successes.count == trials.count && a.successes.allSatisfy { $0.count == 6 })
        if kind != .knownMap {
            #expect(a.episodeLengths != (try run(kind, config: slippery, seed: 2, trials: trials)).episodeLengths)
        }
    }

    @Test("success curve, mean and found-by-episode are computed from the per-episode record")
    func summaries() {
        let result = EvaluationResult(
            agent: "x", successes: [[false, true, true], [false, false, true]], episodeLengths: [[3, 4, 4], [2, 5, 6]])
        #expect(result.successByEpisode == [0, 0.5, 1])
        #expect(result.meanSuccess == 0.5)
        #expect(result.foundGoalByEpisode == [0, 0.5, 1])
        #expect(result.jsonLine(suite: "in-dist") ==
            #"{"suite":"in-dist","agent":"x","maps":2,"episodes":3,"success_by_episode":[0.0,0.5,1.0],"mean_success":0.5}"#)
        let table = EvaluationResult.table([result], title: "t")
        #expect(table.contains("      3    1.000") && table.contains("   mean    0.500"))
    }

    @Test("failed episodes are told apart: new holes, holes the trial had shown, timeouts")
    func outcomes() throws {
        let random = try run(.random, episodes: 10)
        let oracle = try run(.oracle, episodes: 10)
        for result in [random, oracle] {
            #expect(abs(result.outcomeFractions.values.reduce(0, +) - 1) < 1e-9)
            for (trial, row) in result.outcomes.enumerated() {
                for (k, outcome) in row.enumerated() { #expect((outcome == .success) == result.successes[trial][k]) }
            }
            #expect(result.jsonLine(suite: "in-dist").contains(#""outcomes":{"success":"#))
        }
        // The oracle remembers every hole it met; a random walk falls into known ones again.
        #expect(oracle.outcomeFractions[.seenHole, default: 0] == 0)
        #expect(random.outcomeFractions[.seenHole, default: 0] > 0.1)
        #expect(EvaluationResult.table([random, oracle], title: "t").contains("hole_seen"))
    }

    @Test("trace lines are JSON with the documented fields and chain into valid episodes")
    func traceFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = EnvConfig(slippery: true, successRate: 0.5, maxSteps: 12)
        let trace = try TraceWriter(path: path)
        let result = try run(.oracle, config: config, trials: Array(trials.prefix(5)), episodes: 4, trace: trace)
        #expect(trace.episodes == 20)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 20)
        for (index, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let rows = try #require(object["map"] as? [String])
            let map = try FrozenLakeMap(rowStrings: rows)
            #expect(map == trials[index / 4].maps[0])
            #expect(object["slippery"] as? Bool == true)
            #expect(object["success_rate"] as? Double == 0.5)
            #expect(object["episode"] as? Int == index % 4)
            #expect(object["trial"] as? Int == index / 4)
            #expect(object["agent"] as? String == "oracle")
            let steps = try #require(object["steps"] as? [[String: Any]])
            #expect(!steps.isEmpty && steps.count <= 12)
            #expect(map.startObservations.contains(try #require(steps[0]["s"] as? Int)))
            for (k, step) in steps.enumerated() {
                let s2 = try #require(step["s2"] as? Int)
                let terminated = try #require(step["terminated"] as? Bool)
                let truncated = try #require(step["truncated"] as? Bool)
                let reward = try #require(step["r"] as? Double)
                #expect((0...3).contains(try #require(step["a"] as? Int)))
                #expect(reward == (map[s2] == .goal ? 1 : 0))
                #expect(terminated == map[s2].isTerminal)
                #expect(truncated == (k == 11))
                if k + 1 < steps.count {
                    #expect(steps[k + 1]["s"] as? Int == s2)
                    #expect(!terminated && !truncated)
                } else {
                    #expect(terminated || truncated)
                    #expect(result.successes[index / 4][index % 4] == (terminated && reward == 1))
                }
            }
        }
        // The raw text keeps rewards as floats, as the documented format shows.
        #expect(lines[0].contains(#""r":0.0"#))
    }

    @Test("non-stationary trials swap the map after episode K in the trace")
    func nonStationaryTrial() throws {
        let generator = MapGenerator.paper(rows: 4...4, cols: 4...4)
        let first = generator.map(index: 0, seed: 1, split: .evaluation)
        let second = generator.map(index: 1, seed: 1, split: .evaluation)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swap-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try TraceWriter(path: path)
        _ = try run(.random, trials: [TrialSpec(maps: [first, second], swapAfter: [3])], episodes: 5, trace: trace)
        let maps = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            ((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["map"] as? [String]) ?? []
        }
        #expect(maps == [first, first, first, second, second].map(\.rowStrings))
    }

    @Test("an unwritable trace path is a clear error")
    func badTracePath() {
        #expect(throws: TraceError.cannotCreate("/nonexistent-folder/trace.jsonl")) {
            try TraceWriter(path: "/nonexistent-folder/trace.jsonl")
        }
    }
}
