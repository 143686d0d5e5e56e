import Cluster
import DQN
import FrozenLake
import Testing
import Transport

/// The learner's path from a decoded chunk to the model's input (validate → replay →
/// sample a window → tokenize), fed what a buggy or hostile peer can send: every refusal is
/// counted by a reason, the rest of a broken trial is dropped, and every token of every
/// window stays inside the embedding tables.
@Suite("hostile experience across chunks")
struct HostileExperienceTests {
    static let fingerprint: UInt64 = 77
    static let tokenizer = Tokenizer(config: TokenizerConfig(observation: .rowColumn, canvas: 8, randomPlacement: true))
    static let validator = ExperienceValidator(configFingerprint: fingerprint, maxMapSide: 8, maxSteps: 1 << 14, actions: 4)

    /// Validates and stores one chunk as the learner does; the refusal's reason or nil.
    static func ingest(_ chunk: ExperienceChunk, into replay: inout ReplayBuffer) -> String? {
        do throws(ChunkRefusal) {
            try replay.ingest(chunk, validator: validator, tokenizer: tokenizer)
        } catch {
            return error.reason
        }
        return nil
    }

    static func chunk(
        trial: UInt64 = 1, first: UInt64, rows: UInt32 = 3, cols: UInt32 = 3, observations: [UInt32], next: [UInt32],
        flags: [StepFlags], done: Bool = false
    ) -> ExperienceChunk {
        ExperienceChunk(
            actorID: "hostile", incarnation: 5, trialID: trial, sequence: first, policyVersion: 0, configFingerprint: fingerprint,
            mapRows: rows, mapCols: cols, firstStep: first, trialDone: done, behaviour: .random, observations: observations,
            actions: observations.map { _ in 1 }, rewards: observations.map { _ in 0 }, nextObservations: next,
            flags: flags.map(\.rawValue))
    }

    static let opening = chunk(first: 0, observations: [0, 3], next: [3, 6], flags: [[.episodeStart, .mapStart], []])

    @Test("a continuation that changes the map size without a map start is refused, and the trial is dropped")
    func mapSizeChange() {
        var replay = ReplayBuffer(capacitySteps: 1_000, invariants: TrialInvariants(tokenizer: Self.tokenizer.config))
        #expect(Self.ingest(Self.opening, into: &replay) == nil)
        // The sequence that once crashed the learner: the same trial claims an 8×8 map and cell 63.
        let larger = Self.chunk(first: 2, rows: 8, cols: 8, observations: [63], next: [62], flags: [[]])
        #expect(Self.ingest(larger, into: &replay) == "map_size_change")
        #expect(replay.storedSteps == 0, "the rest of the trial is dropped")
        let honest = Self.chunk(first: 2, observations: [6], next: [7], flags: [[]])
        #expect(Self.ingest(honest, into: &replay) == "gap", "later chunks of the dropped trial are refused")
        // A map start may change the size: that is a new map.
        #expect(Self.ingest(Self.chunk(trial: 2, first: 0, observations: [0], next: [1], flags: [[.episodeStart, .mapStart]]), into: &replay) == nil)
        let newMap = Self.chunk(trial: 2, first: 1, rows: 8, cols: 8, observations: [1], next: [9], flags: [[.episodeStart, .mapStart]])
        #expect(Self.ingest(newMap, into: &replay) == "episode_flags", "a new map right after a step that did not end its episode")
    }

    @Test("continuity, episode flags and placement are checked across chunk boundaries",
          arguments: [
              ("discontinuity", chunk(first: 2, observations: [5], next: [4], flags: [[]])),
              ("episode_flags", chunk(first: 2, observations: [6], next: [7], flags: [[.episodeStart]])),
              ("flags", chunk(first: 2, observations: [6], next: [7], flags: [[.mapStart]])),
              ("gap", chunk(first: 3, observations: [6], next: [7], flags: [[]])),
              ("observation_range", chunk(first: 2, observations: [9], next: [0], flags: [[]])),
              ("map_size", chunk(first: 2, rows: 9, cols: 9, observations: [6], next: [7], flags: [[]])),
          ])
    func crossChunkRules(reason: String, continuation: ExperienceChunk) {
        var replay = ReplayBuffer(capacitySteps: 1_000, invariants: TrialInvariants(tokenizer: Self.tokenizer.config))
        #expect(Self.ingest(Self.opening, into: &replay) == nil)
        #expect(Self.ingest(continuation, into: &replay) == reason)
        let follow = Self.chunk(first: 2, observations: [6], next: [7], flags: [[]], done: true)
        #expect(Self.ingest(follow, into: &replay) == "gap", "the rest of the trial is dropped")
        #expect(replay.storedSteps == 0)
    }

    @Test("every attack the hostile sender sends is refused with its reason, and only its last chunk is")
    func hostileSequences() {
        var replay = ReplayBuffer(capacitySteps: 1_000, invariants: TrialInvariants(tokenizer: Self.tokenizer.config))
        for attack in HostileChunks.sequences(fingerprint: Self.fingerprint, incarnation: 9) {
            let reasons = attack.chunks.map { Self.ingest($0, into: &replay) }
            #expect(reasons.dropLast().allSatisfy { $0 == nil }, "\(attack.name)")
            #expect(reasons.last == attack.reason, "\(attack.name)")
        }
        #expect(replay.storedSteps == 0, "every attacked trial was dropped")
    }

    @Test("after an episode ends, the next step must start one; a trial must open with a map start")
    func episodeBoundaries() {
        var replay = ReplayBuffer(capacitySteps: 1_000, invariants: TrialInvariants(tokenizer: Self.tokenizer.config))
        let ended = Self.chunk(first: 0, observations: [0, 3], next: [3, 6], flags: [[.episodeStart, .mapStart], [.truncated]])
        #expect(Self.ingest(ended, into: &replay) == nil)
        #expect(Self.ingest(Self.chunk(first: 2, observations: [6], next: [7], flags: [[]]), into: &replay) == "episode_flags")
        #expect(Self.ingest(Self.chunk(trial: 3, first: 0, observations: [0], next: [1], flags: [[.episodeStart]]), into: &replay) == "episode_flags")
    }

    @Test("seeded property: real rollouts from several actors, mutated, duplicated and reordered, never yield a token outside the tables",
          arguments: [1, 2, 3] as [UInt64])
    func property(seed: UInt64) throws {
        var rolloutConfig = RolloutConfig()
        rolloutConfig.environments = 4
        rolloutConfig.mapsPerTrial = 2
        rolloutConfig.episodesPerMapMin = 2
        rolloutConfig.episodesPerMapMax = 3
        rolloutConfig.episodeStepLimit = 9
        rolloutConfig.modelWeight = 0
        rolloutConfig.randomWeight = 1
        rolloutConfig.chunkSteps = 5
        var rng = Xoshiro256(seed: seed, stream: 3)
        // Three actors; each actor's chunks arrive in order, but the actors interleave at random.
        var streams: [[ExperienceChunk]] = []
        for actor in 0..<3 {
            let worker = try RolloutWorker(config: rolloutConfig, tokenizer: Self.tokenizer, incarnation: UInt64(actor + 1), seed: seed &* 31 &+ UInt64(actor))
            var builders = (0..<rolloutConfig.environments).map { _ in
                ChunkBuilder(actorID: "actor-\(actor)", incarnation: UInt64(actor + 1), configFingerprint: Self.fingerprint, capacity: rolloutConfig.chunkSteps)
            }
            for i in builders.indices { builders[i].beginTrial() }
            var sequence: UInt64 = 0
            var chunks: [ExperienceChunk] = []
            while worker.stepsTaken < 1_500 {
                worker.step(policy: nil, epsilon: 0) { s in chunks += builders[s.slot].add(s, policyVersion: 0, sequence: &sequence) }
            }
            streams.append(chunks)
        }
        var replay = ReplayBuffer(capacitySteps: 3_000, invariants: TrialInvariants(tokenizer: Self.tokenizer.config))
        var touched = Set<ReplayBuffer.TrialKey>()
        var refusedUntouched = 0, refusals = 0
        var cursors = [0, 0, 0]
        let tokenizers = TokenizerConfig.ObservationEncoding.allCases.map {
            Tokenizer(config: TokenizerConfig(observation: $0, canvas: 8, randomPlacement: true))
        }
        while let actor = cursors.indices.filter({ cursors[$0] < streams[$0].count }).randomElement(using: &rng) {
            var chunk = streams[actor][cursors[actor]]
            cursors[actor] += 1
            let key = ReplayBuffer.TrialKey(incarnation: chunk.incarnation, trialID: chunk.trialID)
            let roll = rng.nextInt(below: 20)
            if roll < 3 {
                Self.mutate(&chunk, using: &rng)
                touched.insert(key)
            } else if roll == 3 {
                touched.insert(key)
                continue  // lost on the way
            } else if roll == 4 {
                touched.insert(key)
                _ = Self.ingest(chunk, into: &replay)  // delivered twice
            }
            if let reason = Self.ingest(chunk, into: &replay) {
                refusals += 1
                if !touched.contains(key) { refusedUntouched += 1; Issue.record("an honest chunk was refused: \(reason)") }
                touched.insert(key)
            }
            if rng.nextInt(below: 8) == 0 { try Self.expectWindowsTokenize(replay, tokenizers, using: &rng) }
        }
        #expect(refusals > 0, "the mutations were noticed")
        #expect(refusedUntouched == 0)
        #expect(replay.storedSteps > 0)
        // Every stored trial keeps the invariants from its first step, and survives a snapshot.
        for trial in replay.trials { try replay.invariants.check(trial.steps, after: nil) }
        let restored = try ReplayBuffer.restore(snapshot: replay.snapshot(), capacitySteps: 3_000, maxTrialSteps: replay.maxTrialSteps, invariants: replay.invariants)
        #expect(restored.storedSteps == replay.storedSteps)
    }

    /// One field of a chunk changed the way a hostile peer might.
    static func mutate(_ chunk: inout ExperienceChunk, using rng: inout Xoshiro256) {
        let i = rng.nextInt(below: chunk.count)
        switch rng.nextInt(below: 8) {
        case 0: chunk.mapRows = UInt32(rng.nextInt(in: 1...9))
        case 1: chunk.mapCols = UInt32(rng.nextInt(in: 1...9))
        case 2: chunk.observations[i] = UInt32(rng.nextInt(below: 64))
        case 3: chunk.nextObservations[i] = UInt32(rng.nextInt(below: 64))
        case 4: chunk.flags[i] = UInt32(rng.nextInt(below: 16))
        case 5: chunk.firstStep = UInt64(rng.nextInt(below: 3)) == 0 ? .max : chunk.firstStep &+ UInt64(rng.nextInt(in: 1...3))
        case 6: (chunk.mapRows, chunk.mapCols, chunk.observations[i]) = (8, 8, 63)
        default: chunk.actions[i] = UInt32(rng.nextInt(below: 6))
        }
    }

    /// Samples windows as the learner does and checks every feature against its table.
    static func expectWindowsTokenize(_ replay: ReplayBuffer, _ tokenizers: [Tokenizer], using rng: inout Xoshiro256) throws {
        for _ in 0..<4 {
            guard let window = replay.sampleWindow(length: 32, using: &rng) else { return }
            let steps = replay.trials[window.trial].steps
            let previous = window.start > 0 ? steps[window.start - 1] : nil
            for tokenizer in tokenizers {
                var tokens = [Int32](repeating: -1, count: window.count * tokenizer.featureCount)
                steps[window.start..<(window.start + window.count)].withContiguousStorageIfAvailable { slice in
                    tokens.withUnsafeMutableBufferPointer { tokenizer.encode(into: $0.baseAddress!, window: slice, previous: previous) }
                }
                #expect(tokens.withUnsafeBufferPointer { tokenizer.inVocabulary($0) }, "\(tokenizer.config.observation)")
            }
        }
    }
}
