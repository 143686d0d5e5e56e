/// The shape of a grid without its contents: all an in-context agent is told about a map.
///
/// Agents plan with it (where does `right` from cell 7 lead?) without ever seeing
/// which cells are holes or goals.
public struct GridGeometry: Sendable, Hashable {
    public let rows: Int
    public let cols: Int

    public init(rows: Int, cols: Int) {
        precondition(rows > 0 && cols > 0, "a grid needs at least one row and one column")
        self.rows = rows
        self.cols = cols
    }

    /// Number of cells (= number of observations).
    public var cellCount: Int { rows * cols }

    /// Where an intended move lands; off-grid moves stay put (Gymnasium's `inc`).
    @inlinable
    public func neighbor(of observation: Int, direction: Int) -> Int {
        let row = observation / cols
        let col = observation % cols
        switch direction {
        case 0: return col > 0 ? observation - 1 : observation
        case 1: return row < rows - 1 ? observation + cols : observation
        case 2: return col < cols - 1 ? observation + 1 : observation
        default: return row > 0 ? observation - cols : observation
        }
    }
}

extension FrozenLakeMap {
    /// The map's shape, without its contents.
    public var geometry: GridGeometry { GridGeometry(rows: rows, cols: cols) }
}
