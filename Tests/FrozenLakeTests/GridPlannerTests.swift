import FrozenLake
import Testing

@Suite("Grid planner")
struct GridPlannerTests {
    @Test("costs with every entry cost 1 are the BFS distances, on 300 generated maps")
    func unitCostsAreDistances() {
        var rng = Xoshiro256(seed: 7)
        for _ in 0..<300 {
            let map = MapSuite.outOfDistribution.generator.sample(split: .train, using: &rng)
            let roles: [GridPlanner.Role] = (0..<map.geometry.cellCount).map {
                switch map[$0] {
                case .goal: .target
                case .hole: .blocked
                default: .open
                }
            }
            let ones = [Int](repeating: 1, count: roles.count)
            #expect(GridPlanner.costs(geometry: map.geometry, roles: roles, entryCost: ones)
                == GridPlanner.distances(geometry: map.geometry, roles: roles))
        }
    }

    @Test("a costly cell is walked around when the detour is cheaper, and taken when it is not")
    func costlyCells() {
        // 3 × 3, target in the bottom-right corner (cell 8), every cell open.
        let geometry = GridGeometry(rows: 3, cols: 3)
        var roles = [GridPlanner.Role](repeating: .open, count: 9)
        roles[8] = .target
        var entry = [Int](repeating: 1, count: 9)
        entry[1] = 10  // the top-middle cell is expensive: from 0 go down first
        var cost = GridPlanner.costs(geometry: geometry, roles: roles, entryCost: entry)
        #expect(cost[0] == 4 && cost[1] == 3 && cost[8] == 0)
        var rng = Xoshiro256(seed: 1)
        for _ in 0..<20 {
            let action = GridPlanner.descend(geometry: geometry, distance: cost, entryCost: entry, from: 0, rng: &rng)
            #expect(action.map { geometry.neighbor(of: 0, direction: $0) } == 3)
        }
        entry[3] = 10  // both first moves are expensive now: either costs 10 + 3
        cost = GridPlanner.costs(geometry: geometry, roles: roles, entryCost: entry)
        #expect(cost[0] == 13)
        roles[4] = .blocked
        roles[5] = .blocked
        roles[7] = .blocked
        cost = GridPlanner.costs(geometry: geometry, roles: roles, entryCost: entry)
        #expect(cost[0] == -1, "the target is walled off")
    }
}
