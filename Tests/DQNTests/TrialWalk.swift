import DQN

/// Steps of one trial that keep `TrialInvariants`: episodes of `episodeLength` steps walking
/// through cells 0, 1, 2, … of a `rows × cols` map, each cut by the step limit, the first
/// step a map start. `from` is the trial index of the first step, so continuations line up.
func trialWalk(_ n: Int, from first: Int = 0, rows: Int = 3, cols: Int = 3, episodeLength: Int = 5, placement: UInt8 = 0) -> [TrialStep] {
    let cells = rows * cols
    return (first..<(first + n)).map { i in
        let j = i % episodeLength
        var flags: UInt8 = 0
        if j == 0 { flags |= TrialStep.episodeStartBit }
        if i == 0 { flags |= TrialStep.mapStartBit }
        if j == episodeLength - 1 { flags |= TrialStep.truncatedBit }
        return TrialStep(
            observation: UInt16(j % cells), nextObservation: UInt16((j + 1) % cells), action: UInt8(i % 4), reward: 0,
            flags: flags, rows: UInt8(rows), cols: UInt8(cols), placement: placement)
    }
}
