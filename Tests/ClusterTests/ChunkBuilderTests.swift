import Cluster
import Testing
import DQN
import Transport

@Suite("chunk builder")
struct ChunkBuilderTests {
    @Test("chunks close when full and before a map change; the trial's end is always marked")
    func closing() throws {
        var builder = ChunkBuilder(actorID: "a", incarnation: 1, configFingerprint: 9, capacity: 4)
        var sequence: UInt64 = 10
        var chunks: [ExperienceChunk] = []
        builder.beginTrial()
        for i in 0..<10 {
            // Map changes at step 6.
            let flags: StepFlags = i == 0 || i == 6 ? [.episodeStart, .mapStart] : []
            chunks += builder.add(
                observation: 0, action: 1, reward: 0, nextObservation: 1, flags: flags, rows: i < 6 ? 3 : 4, cols: 3,
                trialID: 5, behaviour: .model, policyVersion: UInt64(100 + i), sequence: &sequence)
        }
        let last = builder.finish(sequence: &sequence)
        chunks.append(try #require(last))
        #expect(chunks.map(\.count) == [4, 2, 4])
        #expect(chunks.map(\.firstStep) == [0, 4, 6])
        #expect(chunks.map(\.sequence) == [10, 11, 12])
        #expect(chunks.map(\.mapRows) == [3, 3, 4])
        #expect(chunks.map(\.trialDone) == [false, false, true])
        #expect(chunks.map(\.policyVersion) == [100, 104, 106])
        let none = builder.finish(sequence: &sequence)
        #expect(none == nil)
        let validator = ExperienceValidator(configFingerprint: 9)
        for chunk in chunks { try validator.validate(chunk) }
    }
}

@Suite("behaviour values")
struct BehaviourValueTests {
    @Test("the replay's per-trial behaviour values are the wire's")
    func wireValues() {
        for behaviour in RolloutBehaviour.allCases {
            #expect(Behaviour(behaviour).rawValue == behaviour.wireValue, "\(behaviour)")
        }
    }
}
