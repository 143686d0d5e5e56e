/// One environment step as the replay buffer stores it: 10 bytes (stride 10), so a replay of
/// millions of steps stays small and its memory is predictable from its capacity.
public struct TrialStep: Sendable, Equatable {
    /// Cell the agent stood on when it chose `action` (`row * cols + col`).
    public var observation: UInt16
    /// Cell the step landed on (the hole or goal when the episode ended there).
    public var nextObservation: UInt16
    /// 0 LEFT, 1 DOWN, 2 RIGHT, 3 UP.
    public var action: UInt8
    /// Environment reward (FrozenLake: 0 or 1).
    public var reward: UInt8
    /// `StepFlags` bits: terminated, truncated, episode start, map start.
    public var flags: UInt8
    /// Map size the step happened on.
    public var rows: UInt8
    public var cols: UInt8
    /// Where the map sits on the tokenizer's canvas: row offset in the high
    /// nibble, column offset in the low one (see `Tokenizer`).
    public var placement: UInt8

    public init(
        observation: UInt16, nextObservation: UInt16, action: UInt8, reward: UInt8, flags: UInt8,
        rows: UInt8, cols: UInt8, placement: UInt8 = 0
    ) {
        self.observation = observation
        self.nextObservation = nextObservation
        self.action = action
        self.reward = reward
        self.flags = flags
        self.rows = rows
        self.cols = cols
        self.placement = placement
    }

    public static let terminatedBit: UInt8 = 1 << 0
    public static let truncatedBit: UInt8 = 1 << 1
    public static let episodeStartBit: UInt8 = 1 << 2
    public static let mapStartBit: UInt8 = 1 << 3

    /// The episode ended in a hole or on a goal with this step.
    @inlinable public var terminated: Bool { flags & Self.terminatedBit != 0 }
    /// The episode hit its step limit with this step.
    @inlinable public var truncated: Bool { flags & Self.truncatedBit != 0 }
    /// The episode ended with this step, either way.
    @inlinable public var endsEpisode: Bool { flags & (Self.terminatedBit | Self.truncatedBit) != 0 }
    /// This step is the first of an episode.
    @inlinable public var startsEpisode: Bool { flags & Self.episodeStartBit != 0 }
}
