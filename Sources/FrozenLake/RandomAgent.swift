/// Uniformly random actions: the floor every learner must beat.
public struct RandomAgent: InContextAgent {
    private var actionCount = Action.count

    public init() {}

    public mutating func beginTrial(_ info: TrialInfo) { actionCount = info.actionCount }
    public mutating func act(observation: Int, rng: inout Xoshiro256) -> Int { rng.nextInt(below: actionCount) }
    public mutating func observe(_ transition: Transition) {}
    public mutating func endEpisode() {}
}
