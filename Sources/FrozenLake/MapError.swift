/// Why a map text was refused. Messages name the offending row and column (1-based, as
/// a person counts) and say what would be accepted, because these errors reach users
/// through `icrl play --map …` and map files.
public indirect enum MapError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No rows at all (empty string or only separators).
    case empty
    /// A letter other than S, F, H, G.
    case unknownLetter(Character, row: Int, column: Int)
    /// A row whose length differs from the first row's.
    case raggedRows(row: Int, expected: Int, found: Int)
    /// No `S` cell: episodes would have nowhere to begin.
    case noStart
    /// No `G` cell: no episode could ever succeed.
    case noGoal
    /// `rows * cols` disagrees with the number of cells given to the memberwise initialiser.
    case shapeMismatch(rows: Int, cols: Int, cells: Int)
    /// A problem on one line of a map file (1-based line number).
    case onLine(Int, MapError)

    public var description: String {
        switch self {
        case .empty:
            "the map is empty; write rows of S/F/H/G separated by commas, e.g. SFFH,FHFG,FFFH,HFFG"
        case .unknownLetter(let letter, let row, let column):
            "unknown letter \"\(letter)\" at row \(row), column \(column); only S (start), F (frozen), H (hole) and G (goal) are allowed"
        case .raggedRows(let row, let expected, let found):
            "row \(row) has \(found) cells but row 1 has \(expected); every row must have the same length"
        case .noStart:
            "the map has no start cell; put at least one S"
        case .noGoal:
            "the map has no goal cell; put at least one G"
        case .shapeMismatch(let rows, let cols, let cells):
            "\(rows) rows × \(cols) columns needs \(rows * cols) cells, got \(cells)"
        case .onLine(let line, let error):
            "line \(line): \(error)"
        }
    }
}
