extension GridGeometry {
    /// Multi-source breadth-first search: fewest moves from every cell to the nearest
    /// source, stepping only onto cells where `isOpen` holds (`-1` where unreachable).
    /// Moves are symmetric on a grid, so distances from the sources are distances to them.
    /// Fills caller-owned buffers so hot loops (the map generator's rejection loop) reuse them.
    @inlinable
    func multiSourceDistances(
        distance: inout [Int], queue: inout [Int], isSource: (Int) -> Bool, isOpen: (Int) -> Bool
    ) {
        distance.removeAll(keepingCapacity: true)
        distance.append(contentsOf: repeatElement(-1, count: cellCount))
        queue.removeAll(keepingCapacity: true)
        for i in 0..<cellCount where isSource(i) {
            distance[i] = 0
            queue.append(i)
        }
        var head = 0
        while head < queue.count {
            let current = queue[head]
            head += 1
            for direction in 0..<Action.count {
                let next = neighbor(of: current, direction: direction)
                if distance[next] < 0, isOpen(next) {
                    distance[next] = distance[current] + 1
                    queue.append(next)
                }
            }
        }
    }
}
