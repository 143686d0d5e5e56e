extension FrozenLakeMap {
    /// The cell an intended move lands on: Gymnasium's `inc` — a move off the grid
    /// leaves the agent where it is.
    @inlinable
    public func neighbor(of observation: Int, direction: Int) -> Int {
        geometry.neighbor(of: observation, direction: direction)
    }

    /// Fewest moves from every cell to the nearest goal, walking only on S/F cells
    /// (entering a hole ends the episode, and so does entering a goal, so goals are
    /// not walked through). `nil` where no goal is reachable; `0` on goals; `nil` on holes.
    ///
    /// One multi-source BFS from all goals; the grid's moves are symmetric, so distances
    /// from the goals are distances to them.
    public func distancesToGoal() -> [Int?] {
        distanceTable().map { $0 < 0 ? nil : $0 }
    }

    /// Fewest moves from each start to its nearest goal, in ``startObservations`` order;
    /// `nil` for a start that cannot reach any goal.
    public var shortestPathLengths: [Int?] {
        let table = distanceTable()
        return startObservations.map { table[$0] < 0 ? nil : table[$0] }
    }

    /// True when every start cell can reach some goal.
    public var everyStartReachesGoal: Bool {
        let table = distanceTable()
        return startObservations.allSatisfy { table[$0] >= 0 }
    }

    /// The shortest start-to-goal path over all starts, or `nil` if some start is cut off.
    /// The paper's generator keeps a map only if this is at least 4.
    public var minimumShortestPath: Int? {
        let table = distanceTable()
        var best = Int.max
        for s in startObservations {
            guard table[s] >= 0 else { return nil }
            best = min(best, table[s])
        }
        return best
    }

    /// Distances as plain `Int`s (`-1` = unreachable).
    func distanceTable() -> [Int] {
        var distance: [Int] = []
        var queue: [Int] = []
        FrozenLakeMap.goalDistances(cells: cells, geometry: geometry, distance: &distance, queue: &queue)
        return distance
    }

    /// Multi-source BFS from the goals over walkable cells, into caller-owned buffers so
    /// the generator's rejection loop can reuse them.
    static func goalDistances(cells: [Cell], geometry: GridGeometry, distance: inout [Int], queue: inout [Int]) {
        geometry.multiSourceDistances(
            distance: &distance, queue: &queue, isSource: { cells[$0] == .goal }, isOpen: { cells[$0].isWalkable })
    }
}
