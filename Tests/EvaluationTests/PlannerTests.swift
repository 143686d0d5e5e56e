import Evaluation
import FrozenLake
import Testing

/// The posterior planner: the ceiling must be at least the oracle it improves on.
@Suite("Posterior planner")
struct PlannerTests {
    func evaluate(_ kind: ClassicalAgentKind, trials: [TrialSpec], episodes: Int, config: EnvConfig = .paper,
                  prior: MapGenerator = MapSuite.inDistribution.generator) throws -> EvaluationResult {
        let harness = EvaluationHarness(episodesPerTrial: episodes, config: config, seed: 7)
        return try harness.run(agentName: kind.rawValue, trials: trials) { kind.makeAgent(revealing: $0.revealedMap, prior: prior) }
    }

    @Test("in-dist: beats the cautious oracle over the first episodes, and never repeats a hole")
    func beatsOracle() throws {
        let trials = TrialSpec.suite(.inDistribution, count: 150, seed: 3, split: .validation)
        let planner = try evaluate(.planner, trials: trials, episodes: 6)
        let oracle = try evaluate(.cautiousOracle, trials: trials, episodes: 6)
        print("planner", planner.successByEpisode, "cautious oracle", oracle.successByEpisode)
        #expect(planner.meanSuccess >= oracle.meanSuccess + 0.02)
        #expect(!planner.outcomes.joined().contains(.seenHole))
    }

    @Test("Gymnasium 8x8 maps: at least the cautious oracle")
    func eightByEight() throws {
        let trials = TrialSpec.suite(.classic8x8, count: 30, seed: 1, split: .validation)
        let config = EnvConfig(maxSteps: 200)
        let planner = try evaluate(.planner, trials: trials, episodes: 5, config: config, prior: MapSuite.classic8x8.generator)
        let oracle = try evaluate(.cautiousOracle, trials: trials, episodes: 5, config: config)
        #expect(planner.meanSuccess >= oracle.meanSuccess - 0.02, "\(planner.meanSuccess) against \(oracle.meanSuccess)")
    }

    @Test("a swapped map is detected and the planner recovers")
    func nonStationary() throws {
        let trials = TrialSpec.nonStationary(.inDistribution, count: 40, seed: 2, swapAfter: 10, split: .validation)
        let result = try evaluate(.planner, trials: trials, episodes: 20)
        let curve = result.successByEpisode
        #expect(curve[9] >= 0.95)
        #expect(curve[19] >= 0.95, "\(curve)")
        var agent = PlannerAgent(prior: MapSuite.inDistribution.generator.rule)
        let map = try FrozenLakeMap("SFH,FFF,HFG")
        agent.beginTrial(TrialInfo(geometry: map.geometry, config: .paper))
        var rng = Xoshiro256(seed: 1)
        _ = agent.act(observation: 0, rng: &rng)
        agent.observe(Transition(observation: 0, action: 2, reward: 0, nextObservation: 1, terminated: false, truncated: false))
        _ = agent.act(observation: 1, rng: &rng)
        // Cell 1 was walked on; ending an episode there says the map changed.
        agent.observe(Transition(observation: 1, action: 0, reward: 0, nextObservation: 1, terminated: true, truncated: false))
        #expect(agent.statistics.swapsDetected == 1)
    }
}
