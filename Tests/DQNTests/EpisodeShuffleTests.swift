import DQN
import FrozenLake
import Testing

@Suite("episode shuffle")
struct EpisodeShuffleTests {
    /// The whole episodes of `steps` (start flag to end flag), map-start flag cleared.
    static func episodes(_ steps: ArraySlice<TrialStep>) -> [[TrialStep]] {
        var out: [[TrialStep]] = [], current: [TrialStep]? = nil
        for var step in steps {
            step.flags &= ~TrialStep.mapStartBit
            if step.startsEpisode { current = [] }
            current?.append(step)
            if step.endsEpisode, let episode = current {
                out.append(episode)
                current = nil
            }
        }
        return out
    }

    static func key(_ episode: [TrialStep]) -> [Int] {
        episode.flatMap { [Int($0.observation), Int($0.nextObservation), Int($0.action), Int($0.reward), Int($0.flags)] }
    }

    @Test("windows over two maps keep the replay's invariants, each map's episodes as a multiset, partial episodes in place, and the map start on each map's first step")
    func shuffledWindows() throws {
        let invariants = TrialInvariants(canvas: 16)
        var rng = Xoshiro256(seed: 21)
        var reordered = 0
        for seed in UInt64(1)...12 {
            let first = try TeacherLabelsTests.randomTrial(steps: 150, unknownStepCost: 3, seed: seed).steps
            // A second map: its trial opens with a map start, as a trial's next map does.
            let second = try TeacherLabelsTests.randomTrial(steps: 150, unknownStepCost: 3, seed: seed + 100).steps
            var trial = first
            // The first map's last episode must end before the next map starts.
            while let last = trial.last, !last.endsEpisode { trial.removeLast() }
            let boundary = trial.count
            trial += second
            try invariants.check(trial, after: nil)
            let start = Int(seed) * 5 % 30, end = trial.count - Int(seed) % 7
            let previous = start > 0 ? trial[start - 1] : nil
            var window = Array(trial[start..<end])
            window.withUnsafeMutableBufferPointer { EpisodeShuffle.shuffle($0, using: &rng) }
            try invariants.check(window, after: previous)
            #expect(window.count == end - start)
            let split = boundary - start
            #expect(window[split].flags & TrialStep.mapStartBit != 0, "the second map still opens at the same step")
            let mapStarts = window.indices.filter { window[$0].flags & TrialStep.mapStartBit != 0 }
            #expect(mapStarts == (start == 0 ? [0, split] : [split]), "a window from the trial's first step keeps its map start too")
            for range in [0..<split, split..<window.count] {
                let before = Self.episodes(trial[(start + range.lowerBound)..<(start + range.upperBound)])
                let after = Self.episodes(window[range])
                #expect(before.map(Self.key).sorted { $0.lexicographicallyPrecedes($1) }
                    == after.map(Self.key).sorted { $0.lexicographicallyPrecedes($1) })
                if before.map(Self.key) != after.map(Self.key) { reordered += 1 }
            }
            // The partial episode the window opens inside, and the one it closes inside, stay put.
            let opening = window.firstIndex { $0.startsEpisode } ?? 0
            #expect(Array(window[..<opening]) == Array(trial[start..<(start + opening)]))
            let closing = (window.lastIndex { $0.endsEpisode } ?? window.count - 1) + 1
            #expect(Array(window[closing...]) == Array(trial[(start + closing)..<end]))
        }
        #expect(reordered >= 20, "24 maps with many episodes each: nearly all reordered")
    }

    @Test("a window with one whole episode, or none, is left as it is")
    func nothingToShuffle() throws {
        let trial = try TeacherLabelsTests.randomTrial(steps: 60, seed: 4).steps
        var rng = Xoshiro256(seed: 1)
        let firstEnd = try #require(trial.firstIndex { $0.endsEpisode })
        for slice in [trial[0...firstEnd], trial[1..<firstEnd], trial[0..<1]] where !slice.isEmpty {
            var window = Array(slice)
            window.withUnsafeMutableBufferPointer { EpisodeShuffle.shuffle($0, using: &rng) }
            #expect(window == Array(slice))
        }
    }
}
