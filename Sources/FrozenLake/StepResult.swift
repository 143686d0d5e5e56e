/// What one environment step returns, Gymnasium-style (`obs, reward, terminated, truncated`).
public struct StepResult: Sendable, Hashable {
    /// The cell the agent is on after the step (`row * cols + col`); for a terminal step,
    /// the hole or goal it entered.
    public var observation: Int
    /// 1 on entering a goal, else 0.
    public var reward: Double
    /// The step entered a hole or a goal.
    public var terminated: Bool
    /// The step limit was reached (can be true together with `terminated`, as in Gymnasium's `TimeLimit`).
    public var truncated: Bool

    public init(observation: Int, reward: Double, terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
    }

    /// The episode is over: call `reset` before stepping again.
    public var isDone: Bool { terminated || truncated }
}
