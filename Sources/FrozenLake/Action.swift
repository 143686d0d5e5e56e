/// Gymnasium's FrozenLake actions. The environment and agents speak plain `Int`s
/// (0...3) because that is what a transformer's action head and the trace files carry;
/// this enum names them and holds the grid geometry of each move.
public enum Action: Int, Sendable, Hashable, CaseIterable {
    case left = 0
    case down = 1
    case right = 2
    case up = 3

    /// Number of actions in every FrozenLake map.
    public static let count = 4

    /// Row and column change of the intended move.
    public var delta: (row: Int, col: Int) {
        switch self {
        case .left: (0, -1)
        case .down: (1, 0)
        case .right: (0, 1)
        case .up: (-1, 0)
        }
    }

    /// Short lower-case name, as in the paper's prompts ("left", "down", …).
    public var name: String {
        switch self {
        case .left: "left"
        case .down: "down"
        case .right: "right"
        case .up: "up"
        }
    }
}
