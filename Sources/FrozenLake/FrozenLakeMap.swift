/// A rectangular FrozenLake map: `rows × cols` cells in row-major order.
///
/// Observations are cell indices `row * cols + col`, exactly as in Gymnasium, so a map
/// plus an observation pins down a position. A map always has at least one start and
/// one goal (checked on construction); reachability is a property of the generator's
/// maps, not of every map (``FrozenLakeMap/everyStartReachesGoal`` tells).
public struct FrozenLakeMap: Sendable, Hashable, CustomStringConvertible {
    /// Number of rows (Gymnasium's `nrow`).
    public let rows: Int
    /// Number of columns (Gymnasium's `ncol`).
    public let cols: Int
    /// The cells, row-major: `cells[row * cols + col]`.
    public let cells: [Cell]

    /// Builds a map from its cells.
    /// - Throws: ``MapError/shapeMismatch(rows:cols:cells:)``, ``MapError/empty``,
    ///   ``MapError/noStart`` or ``MapError/noGoal``.
    public init(rows: Int, cols: Int, cells: [Cell]) throws(MapError) {
        guard rows > 0, cols > 0 else { throw .empty }
        guard cells.count == rows * cols else {
            throw .shapeMismatch(rows: rows, cols: cols, cells: cells.count)
        }
        guard cells.contains(.start) else { throw .noStart }
        guard cells.contains(.goal) else { throw .noGoal }
        self.rows = rows
        self.cols = cols
        self.cells = cells
    }

    /// Builds a map from row strings, e.g. `["SFFH", "FHFG", "FFFH", "HFFG"]` (Gymnasium's `desc`).
    public init(rowStrings: [String]) throws(MapError) {
        guard let first = rowStrings.first, !first.isEmpty else { throw .empty }
        let width = first.count
        var cells: [Cell] = []
        cells.reserveCapacity(width * rowStrings.count)
        for (r, line) in rowStrings.enumerated() {
            guard line.count == width else {
                throw .raggedRows(row: r + 1, expected: width, found: line.count)
            }
            for (c, letter) in line.enumerated() {
                guard let cell = Cell(letter: letter) else {
                    throw .unknownLetter(letter, row: r + 1, column: c + 1)
                }
                cells.append(cell)
            }
        }
        try self.init(rows: rowStrings.count, cols: width, cells: cells)
    }

    /// Parses the compact form `"SFFH,FHFG,FFFH,HFFG"`: rows separated by commas,
    /// surrounding spaces ignored. Also accepts `/`, `;` or newlines between rows.
    public init(_ text: String) throws(MapError) {
        let separators: Set<Character> = [",", ";", "/"]
        let rowStrings = text.split(whereSeparator: { separators.contains($0) || $0.isNewline })
            .map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty }
        try self.init(rowStrings: rowStrings)
    }

    /// Number of cells, which is also the number of observations.
    public var cellCount: Int { cells.count }

    /// The observation (cell index) of a position.
    @inlinable
    public func observation(row: Int, col: Int) -> Int { row * cols + col }

    /// The position of an observation.
    @inlinable
    public func position(of observation: Int) -> (row: Int, col: Int) {
        (observation / cols, observation % cols)
    }

    /// The cell at a position.
    public subscript(row row: Int, col col: Int) -> Cell { cells[row * cols + col] }

    /// The cell at an observation.
    public subscript(observation: Int) -> Cell { cells[observation] }

    /// Observations of all `S` cells, ascending (Gymnasium's order for its start distribution).
    public var startObservations: [Int] { observations(of: .start) }
    /// Observations of all `G` cells, ascending.
    public var goalObservations: [Int] { observations(of: .goal) }
    /// Observations of all `H` cells, ascending.
    public var holeObservations: [Int] { observations(of: .hole) }

    /// Observations of every cell of one kind, ascending.
    public func observations(of kind: Cell) -> [Int] {
        cells.indices.filter { cells[$0] == kind }
    }

    /// Number of cells of one kind.
    public func count(of kind: Cell) -> Int {
        cells.reduce(0) { $0 + ($1 == kind ? 1 : 0) }
    }

    /// The rows as strings, e.g. `["SFFH", "FHFG"]`: Gymnasium's `desc` and the trace's `"map"`.
    public var rowStrings: [String] {
        (0..<rows).map { r in
            String(decoding: cells[(r * cols)..<((r + 1) * cols)].map(\.rawValue), as: UTF8.self)
        }
    }

    /// The canonical compact form `"SFFH,FHFG,FFFH,HFFG"`. Two maps are equal exactly when
    /// their compact strings are; the train/evaluation split hashes this string.
    public var compactString: String { rowStrings.joined(separator: ",") }

    public var description: String { compactString }

    /// The same map with one cell replaced (for tests and scripted scenarios).
    /// - Throws: ``MapError/noStart`` or ``MapError/noGoal`` if the edit removes the last one.
    public func replacing(observation: Int, with cell: Cell) throws(MapError) -> FrozenLakeMap {
        var edited = cells
        edited[observation] = cell
        return try FrozenLakeMap(rows: rows, cols: cols, cells: edited)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs (pure Swift, no Foundation).
    func trimmingSpaces() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }),
              let last = lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(self[first...last])
    }
}
