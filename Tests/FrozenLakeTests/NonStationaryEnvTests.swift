import FrozenLake
import Testing

@Suite("Non-stationary wrapper")
struct NonStationaryEnvTests {
    let first = try! FrozenLakeMap("SFG,FFF,FFF")
    let second = try! FrozenLakeMap("SHG,FFF,FFF")

    @Test("the map swaps after episode K, with nothing in the observations to say so")
    func swapsAfterK() throws {
        var env = try NonStationaryEnv(first: first, second: second, swapAfterEpisode: 2)
        var outcomes: [StepResult] = []
        for _ in 0..<4 {
            #expect(env.reset() == 0)  // both maps start on cell 0: the start looks the same
            outcomes.append(try env.step(Action.right.rawValue))
        }
        #expect(outcomes.map(\.terminated) == [false, false, true, true])
        #expect(outcomes.map(\.observation) == [1, 1, 1, 1])
        #expect(env.mapIndex == 1 && env.currentMap == second && env.episodeIndex == 3)
    }

    @Test("several swaps, and the schedule is validated")
    func schedule() throws {
        let third = try FrozenLakeMap("SFF,FFF,FFG")
        var env = try NonStationaryEnv(maps: [first, second, third], swapAfter: [1, 3])
        var seen: [Int] = []
        for _ in 0..<5 {
            env.reset()
            seen.append(env.mapIndex)
        }
        #expect(seen == [0, 1, 1, 2, 2])
        #expect(throws: EnvError.self) { try NonStationaryEnv(maps: [first, second], swapAfter: [0]) }
        #expect(throws: EnvError.self) { try NonStationaryEnv(maps: [first, second, third], swapAfter: [3, 3]) }
        #expect(throws: EnvError.self) { try NonStationaryEnv(maps: [first, second], swapAfter: []) }
        #expect(throws: EnvError.shapeMismatch(expected: first.geometry, found: GridGeometry(rows: 1, cols: 3))) {
            try NonStationaryEnv(first: first, second: try FrozenLakeMap("SFG"), swapAfterEpisode: 1)
        }
    }

    @Test("a stationary trial (one map) behaves like the plain environment")
    func stationary() throws {
        var wrapped = try NonStationaryEnv(maps: [.gymnasium4x4], swapAfter: [], config: EnvConfig(slippery: true), seed: 5)
        var plain = FrozenLakeEnv(map: .gymnasium4x4, config: EnvConfig(slippery: true), seed: 5)
        var actions = Xoshiro256(seed: 1)
        for _ in 0..<50 {
            #expect(wrapped.reset() == plain.reset())
            while !plain.isDone {
                let a = actions.nextInt(below: 4)
                #expect(try wrapped.step(a) == plain.step(a))
            }
        }
    }
}
