/// One tile of a FrozenLake map, with Gymnasium's letters as raw values.
///
/// `S` (start) behaves exactly like `F` (frozen) once an episode runs; it only marks
/// where episodes may begin. `H` and `G` end the episode when entered.
public enum Cell: UInt8, Sendable, Hashable, CaseIterable {
    case start = 0x53  // "S"
    case frozen = 0x46  // "F"
    case hole = 0x48  // "H"
    case goal = 0x47  // "G"

    /// Parses one map letter; only upper-case `S`, `F`, `H`, `G` are valid (as in Gymnasium).
    public init?(letter: Character) {
        guard let ascii = letter.asciiValue, let cell = Cell(rawValue: ascii) else { return nil }
        self = cell
    }

    /// The map letter.
    public var letter: Character { Character(Unicode.Scalar(rawValue)) }

    /// Entering this cell ends the episode (hole or goal).
    public var isTerminal: Bool { self == .hole || self == .goal }

    /// The agent can stand here between steps (start or frozen).
    public var isWalkable: Bool { self == .start || self == .frozen }
}
