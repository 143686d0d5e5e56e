import FrozenLake

extension TrialSpec {
    /// The paper's non-stationary experiment: each trial plays one evaluation map, then —
    /// without a signal — another of the same shape after `swapAfter` episodes.
    public static func nonStationary(
        _ suite: MapSuite, count: Int, seed: UInt64, swapAfter: Int, split: MapSplit = .evaluation
    ) -> [TrialSpec] {
        let firsts = suite.maps(count: count, seed: seed, split: split)
        // Partners come from further streams of evaluation maps, matched by shape.
        var pool: [FrozenLakeMap] = []
        var batch: UInt64 = 0
        return firsts.map { first in
            while true {
                if let i = pool.firstIndex(where: { $0.geometry == first.geometry && $0 != first }) {
                    return TrialSpec(maps: [first, pool.remove(at: i)], swapAfter: [swapAfter])
                }
                pool += suite.maps(count: max(64, count), seed: SplitMix64.derive(seed, 0x5357_4150, batch), split: split)
                batch += 1
            }
        }
    }

    /// The generated stitching suite: each map keeps one start; the context holds two
    /// scripted episodes that each carry half of a shortest path — start to midpoint
    /// (cut off there), then midpoint to goal — and no episode that walks it all. An
    /// agent that stitches the halves reaches the goal in its first episode.
    public static func stitching(_ suite: MapSuite, count: Int, seed: UInt64, split: MapSplit = .evaluation) -> [TrialSpec] {
        var specs: [TrialSpec] = []
        var batch: UInt64 = 0
        while specs.count < count {
            let maps = suite.maps(count: count * 2, seed: SplitMix64.derive(seed, 0x5354_4954, batch), split: split)
            batch += 1
            for map in maps where specs.count < count {
                if let spec = stitchingTrial(on: map) { specs.append(spec) }
            }
            precondition(batch < 100, "no map of \(suite.rawValue) has a path of two steps or more")
        }
        return specs
    }

    /// The stitching trial on `map`, or nil when no start has a path of at least two steps.
    public static func stitchingTrial(on map: FrozenLakeMap) -> TrialSpec? {
        let distance = map.distancesToGoal()
        guard let start = map.startObservations.first(where: { (distance[$0] ?? 0) >= 2 }) else { return nil }
        var single = map
        for other in map.startObservations where other != start {
            single = (try? single.replacing(observation: other, with: .frozen)) ?? single
        }
        // Walk down the distance table; the lowest action index breaks ties, so the path is fixed.
        var path: [Transition] = []
        var cell = start
        while let d = distance[cell], d > 0 {
            let action = (0..<4).first { distance[map.neighbor(of: cell, direction: $0)] == d - 1 }!
            let next = map.neighbor(of: cell, direction: action)
            let goal = map[next] == .goal
            path.append(Transition(observation: cell, action: action, reward: goal ? 1 : 0, nextObservation: next, terminated: goal, truncated: false))
            cell = next
        }
        let half = path.count / 2
        var first = Array(path[..<half])
        first[first.count - 1].truncated = true
        return TrialSpec(map: single, context: [first, Array(path[half...])])
    }
}
