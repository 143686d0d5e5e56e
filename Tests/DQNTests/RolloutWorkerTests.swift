import DQN
import FrozenLake
import Testing

@Suite("rollout worker")
struct RolloutWorkerTests {
    static let map = "SFFF,FHFH,FFFH,HFFG"

    /// Every episode's first observation and whether it opened its map, from random play.
    static func episodeStarts(exploring fraction: Double) throws -> [(cell: Int, mapStart: Bool)] {
        var config = RolloutConfig()
        config.environments = 8
        config.fixedMap = map
        config.mapsPerTrial = 2
        config.episodesPerMapMin = 3
        config.episodesPerMapMax = 6
        config.episodeStepLimit = 10
        config.modelWeight = 0
        config.randomWeight = 1
        config.exploringStartFraction = fraction
        let tokenizer = Tokenizer(config: TokenizerConfig())
        let invariants = TrialInvariants(tokenizer: tokenizer.config)
        let worker = try RolloutWorker(config: config, tokenizer: tokenizer, incarnation: 1, seed: 5)
        var starts: [(cell: Int, mapStart: Bool)] = []
        var previous: [UInt64: TrialStep] = [:]
        var violations = 0
        while worker.stepsTaken < 4_000 {
            worker.step(policy: nil, epsilon: 0) { s in
                if s.step.startsEpisode { starts.append((Int(s.step.observation), s.step.flags & TrialStep.mapStartBit != 0)) }
                do { try invariants.check(s.step, after: previous[s.trialID]) } catch { violations += 1 }
                previous[s.trialID] = s.step
            }
        }
        #expect(violations == 0, "every step is one the learner's replay stores")
        return starts
    }

    @Test("without exploring starts every episode starts on S")
    func startsOnS() throws {
        let starts = try Self.episodeStarts(exploring: 0)
        #expect(starts.count > 100)
        #expect(starts.allSatisfy { $0.cell == 0 })
    }

    @Test("exploring starts: a map's first episode starts on S, about the configured share of the others on another S or F cell")
    func exploringStarts() throws {
        let map = try FrozenLakeMap(Self.map)
        let starts = try Self.episodeStarts(exploring: 0.5)
        #expect(starts.filter(\.mapStart).allSatisfy { $0.cell == 0 })
        let later = starts.filter { !$0.mapStart }
        #expect(later.allSatisfy { map[$0.cell] == .start || map[$0.cell] == .frozen })
        // Half of the later episodes draw a cell uniformly among the 10 walkable ones (one is S).
        let away = Double(later.filter { $0.cell != 0 }.count) / Double(later.count)
        #expect(later.count > 100 && abs(away - 0.45) < 0.1, "share off S: \(away)")
    }
}
