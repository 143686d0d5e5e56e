import FrozenLake
import Testing

@Suite("FrozenLakeEnv contract")
struct FrozenLakeEnvTests {
    @Test("actions outside 0...3 are thrown errors, and so is stepping a finished episode")
    func badActions() throws {
        var env = FrozenLakeEnv(map: .gymnasium4x4)
        #expect(throws: EnvError.episodeOver) { try env.step(0) }  // before the first reset
        env.reset()
        #expect(throws: EnvError.invalidAction(-1)) { try env.step(-1) }
        #expect(throws: EnvError.invalidAction(4)) { try env.step(4) }
        #expect(EnvError.invalidAction(4).description.contains("0...3"))
        // RIGHT from 0 lands on 1; DOWN from 1 falls into the hole at 5.
        #expect(try env.step(Action.right.rawValue) == StepResult(observation: 1, reward: 0, terminated: false, truncated: false))
        #expect(try env.step(Action.down.rawValue) == StepResult(observation: 5, reward: 0, terminated: true, truncated: false))
        #expect(throws: EnvError.episodeOver) { try env.step(0) }
    }

    @Test("off-grid moves stay put, the goal pays 1, truncation at the step limit")
    func dynamics() throws {
        let map = try FrozenLakeMap("SFG")
        var env = FrozenLakeEnv(map: map, config: EnvConfig(maxSteps: 3))
        env.reset()
        #expect(try env.step(Action.up.rawValue).observation == 0)
        #expect(try env.step(Action.left.rawValue).observation == 0)
        let last = try env.step(Action.down.rawValue)
        #expect(last == StepResult(observation: 0, reward: 0, terminated: false, truncated: true))
        #expect(env.isDone)
        env.reset()
        _ = try env.step(Action.right.rawValue)
        #expect(try env.step(Action.right.rawValue) == StepResult(observation: 2, reward: 1, terminated: true, truncated: false))
    }

    @Test("terminated and truncated can both be true, as with Gymnasium's TimeLimit")
    func bothFlags() throws {
        var env = FrozenLakeEnv(map: try FrozenLakeMap("SG"), config: EnvConfig(maxSteps: 1))
        env.reset()
        #expect(try env.step(Action.right.rawValue) == StepResult(observation: 1, reward: 1, terminated: true, truncated: true))
    }

    @Test("resets pick starts uniformly; scripted starts accept only walkable cells")
    func resets() throws {
        let map = try FrozenLakeMap("SFS,FHF,SFG")
        var env = FrozenLakeEnv(map: map, seed: 3)
        var counts: [Int: Int] = [:]
        for _ in 0..<30_000 { counts[env.reset(), default: 0] += 1 }
        #expect(Set(counts.keys) == [0, 2, 6])
        for count in counts.values { #expect(abs(count - 10_000) < 500) }
        #expect(try env.reset(startingAt: 5) == 5)
        #expect(env.elapsedSteps == 0 && !env.isDone)
        #expect(throws: EnvError.invalidStart(observation: 4, cellCount: 9)) { try env.reset(startingAt: 4) }
        #expect(throws: EnvError.invalidStart(observation: 8, cellCount: 9)) { try env.reset(startingAt: 8) }
        #expect(throws: EnvError.invalidStart(observation: 9, cellCount: 9)) { try env.reset(startingAt: 9) }
        #expect(throws: EnvError.invalidStart(observation: -1, cellCount: 9)) { try env.reset(startingAt: -1) }
        var other = Xoshiro256(seed: 1)
        #expect([0, 2, 6].contains(env.reset(using: &other)))
    }

    @Test("rectangular maps: observation = row * cols + col")
    func rectangular() throws {
        let map = try FrozenLakeMap("SFFFF,FFFFF,FFFFG")
        var env = FrozenLakeEnv(map: map)
        env.reset()
        #expect(try env.step(Action.down.rawValue).observation == 5)
        #expect(try env.step(Action.right.rawValue).observation == 6)
        #expect(try env.step(Action.down.rawValue).observation == 11)
        #expect(try env.step(Action.down.rawValue).observation == 11)
    }

    @Test("slippery episodes are a pure function of the seed")
    func seededSlips() throws {
        func trajectory(seed: UInt64) throws -> [Int] {
            var env = FrozenLakeEnv(map: .gymnasium8x8, config: EnvConfig(slippery: true), seed: seed)
            var actions = Xoshiro256(seed: 11)
            var cells: [Int] = []
            for _ in 0..<20 {
                cells.append(env.reset())
                while !env.isDone { cells.append(try env.step(actions.nextInt(below: 4)).observation) }
            }
            return cells
        }
        #expect(try trajectory(seed: 1) == trajectory(seed: 1))
        #expect(try trajectory(seed: 1) != trajectory(seed: 2))
    }

    @Test("the step benchmark runs and counts steps")
    func benchmarkRuns() {
        let result = benchmarkEnvSteps(seconds: 0.01)
        #expect(result.steps >= 65_536)
        #expect(result.stepsPerSecond > 0 && result.seconds > 0)
    }
}
