import FrozenLake
import Testing

@Suite("Random tabular MDPs")
struct TabularMDPTests {
    @Test("Dirichlet rows are distributions, rewards lie in [-1, 1], seeded")
    func structure() {
        let mdp = TabularMDP(stateCount: 5, actionCount: 4, seed: 1)
        for s in 0..<5 {
            for a in 0..<4 {
                let row = (0..<5).map { mdp.probability(from: s, action: a, to: $0) }
                #expect(row.allSatisfy { $0 >= 0 })
                #expect(abs(row.reduce(0, +) - 1) < 1e-12)
                #expect((-1.0...1.0).contains(mdp.reward(state: s, action: a)))
            }
        }
        #expect(abs(mdp.initialDistribution.reduce(0, +) - 1) < 1e-12)
        #expect(TabularMDP(stateCount: 5, actionCount: 4, seed: 1).transitions == mdp.transitions)
        #expect(TabularMDP(stateCount: 5, actionCount: 4, seed: 2).transitions != mdp.transitions)
    }

    @Test("Dirichlet(1) marginals have mean 1/S and rewards mean 0 over many MDPs")
    func moments() {
        var first = 0.0, reward = 0.0
        let count = 400
        for seed in 0..<count {
            let mdp = TabularMDP(stateCount: 4, actionCount: 2, seed: UInt64(seed))
            first += mdp.probability(from: 0, action: 0, to: 0)
            reward += mdp.reward(state: 0, action: 0)
        }
        // Dirichlet(1,1,1,1) marginal: mean 0.25, sd ≈ 0.19; uniform[-1,1]: sd ≈ 0.58.
        #expect(abs(first / Double(count) - 0.25) < 0.05)
        #expect(abs(reward / Double(count)) < 0.1)
    }

    @Test("value iteration finds the optimum of a hand-solved MDP")
    func handSolved() {
        // Two states; action 1 in state 0 moves to state 1, which pays 1 forever.
        let mdp = TabularMDP(
            stateCount: 2, actionCount: 2,
            transitions: [1, 0, 0, 1, /* s1 */ 0, 1, 0, 1],
            initialDistribution: [1, 0],
            rewards: [0, 0, 1, 1])
        let solution = mdp.valueIteration(gamma: 0.9)
        #expect(abs(solution.values[1] - 10) < 1e-8)
        #expect(abs(solution.values[0] - 9) < 1e-8)
        #expect(solution.policy[0] == 1)
    }

    @Test("the optimal policy beats every other deterministic policy on random MDPs")
    func optimality() {
        let mdp = TabularMDP(stateCount: 3, actionCount: 2, seed: 9)
        let solution = mdp.valueIteration(gamma: 0.9)
        let optimum = mdp.policyValues(solution.policy, gamma: 0.9)
        for s in 0..<3 { #expect(abs(optimum[s] - solution.values[s]) < 1e-7) }
        for code in 0..<8 {
            let policy = (0..<3).map { (code >> $0) & 1 }
            let values = mdp.policyValues(policy, gamma: 0.9)
            for s in 0..<3 { #expect(values[s] <= optimum[s] + 1e-7) }
        }
        var rng = Xoshiro256(seed: 4)
        for _ in 0..<100 {
            let s = mdp.sampleInitialState(using: &rng)
            let (next, r) = mdp.step(state: s, action: 0, using: &rng)
            #expect((0..<3).contains(next) && r == mdp.reward(state: s, action: 0))
        }
    }
}
