/// How a FrozenLake episode runs, apart from the map: slipperiness and the step limit.
///
/// The default is the paper's setting (Gymnasium `FrozenLake-v1` with
/// `is_slippery=False`, 100-step `TimeLimit`). Note that Gymnasium's own default is
/// slippery; pass `slippery: true` to get it.
public struct EnvConfig: Sendable, Hashable {
    /// Whether moves slip (Gymnasium's `is_slippery`).
    public var slippery: Bool
    /// Probability of moving in the intended direction when slippery (Gymnasium's
    /// `success_rate`); each perpendicular direction gets `(1 - successRate) / 2`.
    public var successRate: Double
    /// Steps after which an episode is truncated (Gymnasium's `max_episode_steps`).
    public var maxSteps: Int

    /// - Precondition: `0 ≤ successRate ≤ 1` and `maxSteps ≥ 1`; the command line
    ///   validates user input before it gets here.
    public init(slippery: Bool = false, successRate: Double = 1.0 / 3.0, maxSteps: Int = 100) {
        precondition((0.0...1.0).contains(successRate), "successRate must lie in [0, 1]")
        precondition(maxSteps >= 1, "maxSteps must be at least 1")
        self.slippery = slippery
        self.successRate = successRate
        self.maxSteps = maxSteps
    }

    /// The paper's setting: not slippery, 100 steps.
    public static let paper = EnvConfig()

    /// Probability of each perpendicular slip.
    public var failRate: Double { (1.0 - successRate) / 2.0 }

    /// Actual move directions and their probabilities for an intended action, in
    /// Gymnasium's order: `[(a-1) mod 4, a, (a+1) mod 4]` when slippery, `[a]` otherwise.
    /// Entries are not merged, exactly like Gymnasium's `P[s][a]`.
    public func moveDistribution(for action: Int) -> [(direction: Int, probability: Double)] {
        guard slippery else { return [(action, 1.0)] }
        return [((action + 3) % 4, failRate), (action, successRate), ((action + 1) % 4, failRate)]
    }
}
