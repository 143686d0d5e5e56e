/// Misuse of an environment. Thrown rather than trapped, because actions can come from a
/// network's output or a file, and the caller should be able to report and carry on.
public enum EnvError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An action outside `0...3`.
    case invalidAction(Int)
    /// `step` after the episode terminated or was truncated (or before the first `reset`).
    case episodeOver
    /// `reset(startingAt:)` on a cell that does not exist or ends the episode at once.
    case invalidStart(observation: Int, cellCount: Int)
    /// Maps of a non-stationary trial must share one shape, or the observation space would change.
    case shapeMismatch(expected: GridGeometry, found: GridGeometry)
    /// A non-stationary schedule whose swap points are not strictly increasing and positive.
    case invalidSchedule(String)

    public var description: String {
        switch self {
        case .invalidAction(let action):
            "action \(action) is outside 0...3 (0 left, 1 down, 2 right, 3 up)"
        case .episodeOver:
            "the episode is over (terminated or truncated); call reset() before step()"
        case .invalidStart(let observation, let cellCount):
            "cannot start on cell \(observation): it must be an S or F cell in 0..<\(cellCount)"
        case .shapeMismatch(let expected, let found):
            "map is \(found.rows)x\(found.cols) but the trial's maps are \(expected.rows)x\(expected.cols)"
        case .invalidSchedule(let reason):
            "invalid non-stationary schedule: \(reason)"
        }
    }
}
