import FrozenLake

extension ReplayBuffer {
    /// Writes each step's teacher label (`TrialStep.teacherActions`): what the belief-greedy
    /// oracle would do there, knowing only what the trial showed before that step. The
    /// oracle follows each open trial as its chunks arrive; `history` rebuilds it for a
    /// trial whose oracle is gone (restored from a snapshot).
    mutating func labelTeacherActions(_ steps: inout [TrialStep], key: TrialKey, history: [TrialStep], staysOpen: Bool) {
        var oracle = teachers.removeValue(forKey: key) ?? Self.oracle(replaying: history)
        for i in steps.indices { Self.label(&steps[i], with: &oracle) }
        if staysOpen { teachers[key] = oracle }
    }

    static func oracle(replaying history: [TrialStep]) -> OracleAgent {
        var oracle = OracleAgent()
        for step in history {
            var copy = step
            label(&copy, with: &oracle)
        }
        return oracle
    }

    /// The oracle's actions at `step`, then what it learns from it. Non-slippery dynamics:
    /// the replay does not know a trial's slip model, and the oracle's slippery choice is
    /// not a set.
    static func label(_ step: inout TrialStep, with oracle: inout OracleAgent) {
        if step.flags & TrialStep.mapStartBit != 0 {
            oracle.beginTrial(TrialInfo(
                geometry: GridGeometry(rows: Int(step.rows), cols: Int(step.cols)),
                config: EnvConfig(slippery: false, maxSteps: 100)))
        }
        let best = oracle.bestActions(observation: Int(step.observation))
        oracle.observe(Transition(
            observation: Int(step.observation), action: Int(step.action), reward: Double(step.reward),
            nextObservation: Int(step.nextObservation), terminated: step.terminated, truncated: step.truncated))
        if step.endsEpisode { oracle.endEpisode() }
        step.flags = step.flags & 0x0F | best << TrialStep.teacherShift
    }
}
