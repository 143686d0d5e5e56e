import Testing
import Transport

@Suite("experience validation")
struct ExperienceValidatorTests {
    let validator = ExperienceValidator(configFingerprint: WireSamples.chunk.configFingerprint)

    @Test("a well-formed chunk passes")
    func valid() throws {
        try validator.validate(WireSamples.chunk)
    }

    /// Each broken chunk with the rejection it must get.
    static let broken: [(String, @Sendable (inout ExperienceChunk) -> Void, ExperienceValidator.Rejection)] = [
        ("no actor id", { $0.actorID = "" }, .missingActorID),
        ("other config", { $0.configFingerprint ^= 1 }, .configFingerprint),
        ("no steps", { c in c.observations = []; c.actions = []; c.rewards = []; c.nextObservations = []; c.flags = [] }, .emptyChunk),
        ("short actions", { $0.actions.removeLast() }, .lengthMismatch),
        ("short flags", { $0.flags.removeLast() }, .lengthMismatch),
        ("zero rows", { $0.mapRows = 0 }, .mapSize),
        ("huge map", { $0.mapCols = 1_000 }, .mapSize),
        ("observation off the map", { $0.observations[1] = 15 }, .observationRange),
        ("landing cell off the map", { $0.nextObservations[0] = 99 }, .observationRange),
        ("action 4", { $0.actions[2] = 4 }, .actionRange),
        ("NaN reward", { $0.rewards[4] = .nan }, .rewardRange),
        ("reward 0.5", { $0.rewards[4] = 0.5 }, .rewardRange),
        ("reward without termination", { $0.rewards[1] = 1 }, .rewardRange),
        ("unknown flag bit", { $0.flags[2] = 1 << 7 }, .flags),
        ("new map mid-episode", { $0.flags[2] = StepFlags.mapStart.rawValue }, .flags),
    ]

    @Test("each broken rule is refused with its own reason", arguments: 0..<broken.count)
    func rejected(index: Int) {
        let (name, mutate, reason) = Self.broken[index]
        var chunk = WireSamples.chunk
        mutate(&chunk)
        #expect(throws: reason, "\(name)") { try validator.validate(chunk) }
    }

    @Test("too many steps")
    func tooMany() {
        let small = ExperienceValidator(configFingerprint: WireSamples.chunk.configFingerprint, maxSteps: 4)
        #expect(throws: ExperienceValidator.Rejection.tooManySteps) { try small.validate(WireSamples.chunk) }
    }
}
