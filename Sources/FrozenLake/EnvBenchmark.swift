/// Throughput of the environment itself, for `icrl bench env`.
public struct EnvStepBenchmark: Sendable {
    /// Environment steps per second of wall-clock time.
    public let stepsPerSecond: Double
    /// Steps taken.
    public let steps: Int
    /// Seconds measured.
    public let seconds: Double
}

/// Steps Gymnasium's default `FrozenLake-v1` (4x4 map, slippery, success rate 1/3,
/// 100-step limit) with uniformly random actions for about `seconds` seconds, resetting
/// whenever an episode ends — the same loop `Benchmarks/gymnasium_env_steps.py` times on
/// Gymnasium's `env.unwrapped`, so the two rates compare directly.
public func benchmarkEnvSteps(seconds: Double) -> EnvStepBenchmark {
    var env = FrozenLakeEnv(map: .gymnasium4x4, config: EnvConfig(slippery: true), seed: 1)
    var actions = Xoshiro256(seed: 2)
    var steps = 0
    var checksum = 0
    let clock = ContinuousClock()
    let start = clock.now
    let budget = Duration.nanoseconds(Int64(max(0, seconds) * 1e9))
    var elapsed = Duration.zero
    env.reset()
    repeat {
        for _ in 0..<65_536 {
            let action = Int(truncatingIfNeeded: actions.next() >> 62)
            // Valid action on a live episode: this cannot throw.
            let result = try! env.step(action)
            checksum &+= result.observation
            if result.isDone { env.reset() }
        }
        steps += 65_536
        elapsed = clock.now - start
    } while elapsed < budget
    // Keep the optimiser from discarding the loop's work.
    if checksum == Int.min { print(checksum) }
    let measured = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return EnvStepBenchmark(stepsPerSecond: Double(steps) / measured, steps: steps, seconds: measured)
}
