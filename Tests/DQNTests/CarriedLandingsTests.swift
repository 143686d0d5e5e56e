@testable import DQN
import FrozenLake
import NN
import Testing

/// Windows that carry the landings from before their start (`DQNConfig.carriedLandings`).
@Suite("carried landings")
struct CarriedLandingsTests {
    /// Two random-walk trials on two maps, run together as one trial of two maps: the first
    /// cut after its last episode, so the second map starts an episode. Returns the steps and
    /// the index of the second map's first step.
    static func twoMapTrial() throws -> (steps: [TrialStep], secondMap: Int) {
        let first = try TeacherLabelsTests.randomTrial(steps: 200, seed: 5).steps
        let cut = first.lastIndex(where: \.endsEpisode)! + 1
        let second = try TeacherLabelsTests.randomTrial(steps: 200, seed: 6).steps
        return (Array(first[..<cut]) + second, cut)
    }

    @Test("landingsBefore finds the episode starts after a termination before the window, earlier maps included, newest kept")
    func landingsBefore() throws {
        let (steps, second) = try Self.twoMapTrial()
        #expect(steps[second].flags & TrialStep.mapStartBit != 0)
        for start in [0, 1, 50, second - 1, second, second + 1, second + 60, steps.count - 1] {
            let all = start > 1 ? (1..<start).filter { steps[$0 - 1].terminated } : []
            for limit in [1, 4, 64] {
                let found = DQNLearner.landingsBefore(start, in: steps, atMost: limit)
                #expect(found == Array(all.suffix(limit)), "start \(start), limit \(limit)")
                for j in found { #expect(steps[j].startsEpisode) }
            }
            let mapStart = DQNLearner.mapStart(of: start, in: steps)
            #expect(mapStart == (start >= second ? second : 0))
        }
        #expect(DQNLearner.landingsBefore(second + 60, in: steps, atMost: 64).count > 3, "the random walk falls often")
    }

    @Test("sampled windows start with landing tokens that show holes and goals, and train with finite loss")
    func sampledWindows() throws {
        var replay = ReplayBuffer(capacitySteps: 10_000)
        try replay.append(try Self.twoMapTrial().steps, to: .init(incarnation: 1, trialID: 1), firstStep: 0, done: true,
                          behaviour: RolloutBehaviour.model.wireValue)
        let tokenizer = Tokenizer(config: TokenizerConfig())
        let model = TransformerConfig(featureVocabularies: tokenizer.vocabularies, dModel: 16, heads: 2, layers: 1,
                                      mlpHidden: 32, contextLength: 32)
        var config = DQNConfig()
        config.batchSize = 16
        config.windowLength = 32
        config.carriedLandings = 8
        config.teacherRelabel = true
        config.imitationWeight = 1
        let learner = try DQNLearner(config: config, tokenizer: tokenizer, model: model, seed: 4)
        var rng = SplitMixForTests(9)
        var windowsCarrying = 0
        for _ in 0..<5 {
            #expect(learner.sampleBatch(from: replay, using: &rng))
            for b in 0..<config.batchSize {
                let c = learner.carried[b]
                #expect(c <= config.carriedLandings && learner.lengths[b] <= config.windowLength)
                if c > 0 { windowsCarrying += 1 }
                for i in 0..<c {
                    let token = learner.tokens[((b * 32 + i) * learner.features)...]
                    let shows = Array(token.prefix(learner.features)).withUnsafeBufferPointer { tokenizer.showsLanding($0.baseAddress!) }
                    #expect(shows, "carried row \(i) of window \(b) is a landing token")
                    #expect(learner.carriedEnds[b * config.carriedLandings + i].terminated)
                }
                #expect(learner.carriedOnMap[b] <= c)
            }
            let stats = learner.trainOnSampledBatch()
            #expect(stats.loss.isFinite && stats.imitationLoss.isFinite)
        }
        #expect(windowsCarrying > 10, "windows from inside the trial carry landings")
    }

    @Test("the teacher knows the holes the carried landings show, and so never labels a step into one")
    func teacherKnowsCarriedHoles() throws {
        var intoKnownHole = (without: 0, with: 0)
        for seed in UInt64(20)..<40 {
            let steps = try TeacherLabelsTests.randomTrial(steps: 160, seed: seed).steps
            let start = 100
            let ends = DQNLearner.landingsBefore(start, in: steps, atMost: 64).map { steps[$0 - 1] }
            let holes = Set(ends.filter { $0.reward == 0 }.map { Int($0.nextObservation) })
            let window = steps[start..<140]
            let geometry = GridGeometry(rows: Int(steps[0].rows), cols: Int(steps[0].cols))
            for known in [false, true] {
                var labels = [UInt8](repeating: 0, count: window.count)
                Array(window).withUnsafeBufferPointer { w in
                    labels.withUnsafeMutableBufferPointer {
                        TeacherLabels.label($0.baseAddress!, window: w, previous: steps[start - 1],
                                            knownEnds: known ? ends[...] : [])
                    }
                }
                for (label, step) in zip(labels, window) {
                    for action in 0..<4 where label & (1 << action) != 0 {
                        let next = geometry.neighbor(of: Int(step.observation), direction: action)
                        if holes.contains(next) {
                            if known { intoKnownHole.with += 1 } else { intoKnownHole.without += 1 }
                        }
                    }
                }
            }
        }
        #expect(intoKnownHole.with == 0)
        #expect(intoKnownHole.without > 0, "without the carried landings the teacher walks into holes it cannot know")
    }

    @Test("carriedLandings is refused beyond half a window and beside augmentations")
    func validation() throws {
        var config = RunConfig.preset(.slippery)
        config.dqn.carriedLandings = 64
        try config.validate()
        config.dqn.carriedLandings = config.dqn.windowLength / 2 + 1
        #expect(throws: RunConfig.ConfigError.self) { try config.validate() }
        config.dqn.carriedLandings = 8
        config.dqn.augmentsSymmetries = true
        #expect(throws: RunConfig.ConfigError.self) { try config.validate() }
    }
}
