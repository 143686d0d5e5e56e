import FrozenLake

/// Teacher relabelling: for every token of a sampled window, the set of actions the
/// belief-greedy oracle (or its cautious variant) would take there (bit `a` for action `a`; 0: no label), knowing
/// exactly what the model's input shows — the window's steps and the step before it — and
/// nothing from earlier in the trial. Labels computed from the whole trial would ask the
/// model for choices its window gives no reason for.
///
/// On slippery ice the teacher plans with the slip model (`dynamics`): its labels are the
/// belief MDP's greedy actions.
public enum TeacherLabels {
    /// Writes `labels[t]` for each step of `window`.
    ///
    /// - labels: (T) out
    /// - window: (T) consecutive steps of one trial
    /// - previous: the step before the window, nil when the window opens the trial
    /// - knownEnds: terminal steps from earlier in the trial that the window's carried
    ///   landing tokens show (`DQNConfig.carriedLandings`): the teacher knows those cells too
    /// - unknownStepCost: the teacher's caution (`OracleAgent.unknownStepCost`)
    public static func label(_ labels: UnsafeMutablePointer<UInt8>, window: UnsafeBufferPointer<TrialStep>, previous: TrialStep?,
                             knownEnds: ArraySlice<TrialStep> = [], unknownStepCost: Int = 0, dynamics: EnvConfig = .paper) {
        guard let first = window.first else { return }
        var oracle = OracleAgent(unknownStepCost: unknownStepCost)
        begin(&oracle, on: first, dynamics: dynamics)
        // Only where the episode ended: the landing token shows that cell, not the route.
        for end in knownEnds {
            oracle.observe(Transition(
                observation: Int(end.nextObservation), action: Int(end.action), reward: Double(end.reward),
                nextObservation: Int(end.nextObservation), terminated: true, truncated: false))
            oracle.endEpisode()
        }
        // What the first token shows of the step before it: where it ended (a hole, a goal or
        // a safe cell) is in the token's features, so the oracle may know it too.
        if let previous, previous.rows == first.rows, previous.cols == first.cols, first.flags & TrialStep.mapStartBit == 0 {
            oracle.observe(transition(previous))
            if previous.endsEpisode { oracle.endEpisode() }
        }
        for (t, step) in window.enumerated() {
            if t > 0, step.flags & TrialStep.mapStartBit != 0 { begin(&oracle, on: step, dynamics: dynamics) }
            labels[t] = oracle.bestActions(observation: Int(step.observation))
            oracle.observe(transition(step))
            if step.endsEpisode { oracle.endEpisode() }
        }
    }

    static func begin(_ oracle: inout OracleAgent, on step: TrialStep, dynamics: EnvConfig) {
        oracle.beginTrial(TrialInfo(
            geometry: GridGeometry(rows: Int(step.rows), cols: Int(step.cols)), config: dynamics))
    }

    static func transition(_ step: TrialStep) -> Transition {
        Transition(
            observation: Int(step.observation), action: Int(step.action), reward: Double(step.reward),
            nextObservation: Int(step.nextObservation), terminated: step.terminated, truncated: step.truncated)
    }
}
