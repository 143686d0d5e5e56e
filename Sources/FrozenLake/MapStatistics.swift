/// What `icrl maps` prints about a map, and what the generator tests average over.
public struct MapStatistics: Sendable, Hashable {
    public let rows: Int
    public let cols: Int
    public let holes: Int
    public let starts: Int
    public let goals: Int
    /// Fewest moves to a goal from each start (``FrozenLakeMap/startObservations`` order); `nil` = unreachable.
    public let shortestPaths: [Int?]

    public init(_ map: FrozenLakeMap) {
        rows = map.rows
        cols = map.cols
        holes = map.count(of: .hole)
        starts = map.count(of: .start)
        goals = map.count(of: .goal)
        shortestPaths = map.shortestPathLengths
    }

    /// Smallest of ``shortestPaths``, or `nil` if any start is cut off from every goal.
    public var minimumShortestPath: Int? {
        var best = Int.max
        for path in shortestPaths {
            guard let path else { return nil }
            best = min(best, path)
        }
        return best == Int.max ? nil : best
    }
}
