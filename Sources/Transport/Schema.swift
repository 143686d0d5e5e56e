/// Version of `Proto/icrl.proto` this build speaks. Bump it for any change an
/// older peer would misread; peers refuse envelopes with another version.
public let wireSchemaVersion: UInt32 = 1

/// Flag bits of `ExperienceChunk.flags`, one word per step.
public struct StepFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The step ended the episode in a hole or on a goal.
    public static let terminated = StepFlags(rawValue: 1 << 0)
    /// The step hit the episode step limit.
    public static let truncated = StepFlags(rawValue: 1 << 1)
    /// The step is the first of an episode.
    public static let episodeStart = StepFlags(rawValue: 1 << 2)
    /// The step is the first on a new map (the map changed before it).
    public static let mapStart = StepFlags(rawValue: 1 << 3)

    /// Every bit the schema defines; others are invalid.
    public static let all: StepFlags = [.terminated, .truncated, .episodeStart, .mapStart]
}
