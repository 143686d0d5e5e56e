import DQN
import Foundation
import Testing

@Suite("tokenizer")
struct TokenizerTests {
    /// Episode 1: (0,0) RIGHT → (0,1) DOWN → hole at (1,1). Episode 2 starts at (0,0).
    static let steps: [TrialStep] = [
        TrialStep(observation: 0, nextObservation: 1, action: 2, reward: 0, flags: TrialStep.episodeStartBit | TrialStep.mapStartBit, rows: 3, cols: 4, placement: Tokenizer.placement(rowOffset: 2, colOffset: 1)),
        TrialStep(observation: 1, nextObservation: 5, action: 1, reward: 0, flags: TrialStep.terminatedBit, rows: 3, cols: 4, placement: Tokenizer.placement(rowOffset: 2, colOffset: 1)),
        TrialStep(observation: 0, nextObservation: 0, action: 3, reward: 0, flags: TrialStep.episodeStartBit, rows: 3, cols: 4, placement: Tokenizer.placement(rowOffset: 2, colOffset: 1)),
    ]

    func encode(_ config: TokenizerConfig) -> [[Int32]] {
        let tokenizer = Tokenizer(config: config)
        var out = [Int32](repeating: -1, count: Self.steps.count * tokenizer.featureCount)
        Self.steps.withUnsafeBufferPointer { tokenizer.encode(into: &out, window: $0, previous: nil) }
        let k = tokenizer.featureCount
        let tokens = (0..<Self.steps.count).map { Array(out[($0 * k)..<($0 * k + k)]) }
        for token in tokens {
            for (value, vocabulary) in zip(token, tokenizer.vocabularies) {
                #expect(value >= 0 && Int(value) < vocabulary)
            }
        }
        return tokens
    }

    @Test("row-column tokens on the canvas carry where the last episode ended")
    func rowColumn() {
        let tokens = encode(TokenizerConfig(observation: .rowColumn, canvas: 8))
        // [row, col, prevAction, prevReward, start, landingRow+1, landingCol+1]
        #expect(tokens[0] == [2, 1, 4, 0, 1, 0, 0])
        #expect(tokens[1] == [2, 2, 2, 0, 0, 0, 0])
        // The hole was cell 5 = (1,1) → canvas (3,2) → +1.
        #expect(tokens[2] == [2, 1, 1, 0, 1, 4, 3])
    }

    @Test("a timeout has no landing: only holes and goals are shown where an episode ended")
    func timeoutIsNotALanding() throws {
        var steps = Self.steps
        steps[1].flags = TrialStep.truncatedBit  // the same walk, cut by the step limit on cell 5
        for landingsOnlyOnTermination in [true, false] {
            let tokenizer = Tokenizer(config: TokenizerConfig(observation: .rowColumn, canvas: 8, landingsOnlyOnTermination: landingsOnlyOnTermination))
            var out = [Int32](repeating: -1, count: steps.count * tokenizer.featureCount)
            steps.withUnsafeBufferPointer { tokenizer.encode(into: &out, window: $0, previous: nil) }
            let third = Array(out[(2 * 7)..<(3 * 7)])
            // Told apart from a trial's first token by the previous action (1, not 4).
            #expect(third == (landingsOnlyOnTermination ? [2, 1, 1, 0, 1, 0, 0] : [2, 1, 1, 0, 1, 4, 3]))
        }
        // Checkpoints written before the option existed keep their encoding.
        let old = try JSONDecoder().decode(TokenizerConfig.self, from: Data(#"{"observation":"row-column","canvas":8,"randomPlacement":true}"#.utf8))
        #expect(!old.landingsOnlyOnTermination)
        #expect(TokenizerConfig().landingsOnlyOnTermination)
    }

    @Test("the paper's tile index ignores placement")
    func paperTile() {
        let tokens = encode(.paper)
        #expect(tokens[0] == [0, 4, 0, 1, 0])
        #expect(tokens[2] == [0, 1, 0, 1, 6])
    }

    @Test("canvas tiles move with placement")
    func canvasTile() {
        let tokens = encode(TokenizerConfig(observation: .canvasTile, canvas: 8))
        #expect(tokens[0][0] == 2 * 8 + 1)
        #expect(tokens[2][4] == 3 * 8 + 2 + 1)
    }

    @Test("random placements keep the map on the canvas and reach every offset")
    func placements() {
        let tokenizer = Tokenizer(config: TokenizerConfig(canvas: 8))
        var rng = SystemRandomNumberGenerator()
        var seen = Set<UInt8>()
        for _ in 0..<2_000 {
            let p = tokenizer.newPlacement(rows: 5, cols: 7, using: &rng)
            #expect(Int(p >> 4) <= 3 && Int(p & 15) <= 1)
            seen.insert(p)
        }
        #expect(seen.count == 8)
    }
}
