/// Fixed buffers for the generator's rejection loop, which runs millions of times when
/// actors draw training maps: no allocation per attempt, no bounds or uniqueness checks.
///
/// The reachability test runs on a copy of the grid padded with a border of blocked
/// cells, so the four neighbours of cell `p` are simply `p ± 1` and `p ± width` (a move
/// off the real grid would stay put, which a BFS can ignore).
final class RejectionScratch {
    /// The attempt's cells, row-major, written by the generator.
    let cells: UnsafeMutableBufferPointer<Cell>
    /// Padded grid: 0 blocked (border or hole), 1 frozen, 2 goal, 3 start.
    private let kind: UnsafeMutableBufferPointer<Int8>
    private let distance: UnsafeMutableBufferPointer<Int32>
    private let queue: UnsafeMutableBufferPointer<Int32>

    init(capacity: Int) {
        // The padded grid of an r×c map has (r+2)(c+2) ≤ 4·r·c + 4 cells.
        let padded = 4 * capacity + 4
        cells = .allocate(capacity: capacity)
        kind = .allocate(capacity: padded)
        distance = .allocate(capacity: padded)
        queue = .allocate(capacity: padded)
    }

    deinit {
        cells.deallocate()
        kind.deallocate()
        distance.deallocate()
        queue.deallocate()
    }

    /// True when every one of the `starts` start cells reaches a goal, and its fewest
    /// moves to one is at least `minimumPath`. BFS outward from all goals: distances come
    /// in increasing order, so the answer is known as soon as a start is reached too
    /// early or the last start is reached.
    func startsReachGoals(rows: Int, cols: Int, starts: Int, minimumPath: Int) -> Bool {
        let width = cols + 2
        let count = width * (rows + 2)
        var tail = 0
        for p in 0..<count {
            kind[p] = 0
            distance[p] = -1
        }
        for r in 0..<rows {
            for c in 0..<cols {
                let p = (r + 1) * width + c + 1
                switch cells[r * cols + c] {
                case .frozen: kind[p] = 1
                case .start: kind[p] = 3
                case .hole: kind[p] = 0
                case .goal:
                    kind[p] = 2
                    distance[p] = 0
                    queue[tail] = Int32(p)
                    tail += 1
                }
            }
        }
        var remaining = starts
        var head = 0
        while head < tail {
            let current = Int(queue[head])
            head += 1
            let next = distance[current] + 1
            var direction = 0
            while direction < 4 {
                let p: Int
                switch direction {
                case 0: p = current - 1
                case 1: p = current + width
                case 2: p = current + 1
                default: p = current - width
                }
                direction += 1
                guard kind[p] & 1 == 1, distance[p] < 0 else { continue }
                distance[p] = next
                if kind[p] == 3 {
                    if Int(next) < minimumPath { return false }
                    remaining -= 1
                    if remaining == 0 { return true }
                }
                queue[tail] = Int32(p)
                tail += 1
            }
        }
        return false
    }
}
