/// The named map distributions every command and experiment refers to.
///
/// | name | rule | step limit |
/// |---|---|---|
/// | `in-dist` | paper, height and width 3…5 | 100 |
/// | `ood` | paper, height and width 6…7 | 100 |
/// | `ood8` | paper, 8 × 8 (the largest the tokenizer's canvas holds) | 200 |
/// | `4x4` | Gymnasium `generate_random_map(4, 0.8)` | 100 (`FrozenLake-v1`) |
/// | `8x8` | Gymnasium `generate_random_map(8, 0.8)` | 200 (`FrozenLake8x8-v1`) |
public enum MapSuite: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case inDistribution = "in-dist"
    case outOfDistribution = "ood"
    case outOfDistribution8x8 = "ood8"
    case classic4x4 = "4x4"
    case classic8x8 = "8x8"

    /// The generator behind the suite.
    public var generator: MapGenerator {
        switch self {
        case .inDistribution: .paper(rows: 3...5, cols: 3...5)
        case .outOfDistribution: .paper(rows: 6...7, cols: 6...7)
        case .outOfDistribution8x8: .paper(rows: 8...8, cols: 8...8)
        case .classic4x4: .gymnasium(size: 4, frozenProbability: 0.8)
        case .classic8x8: .gymnasium(size: 8, frozenProbability: 0.8)
        }
    }

    /// Gymnasium's registered step limit for maps of this kind (`FrozenLake8x8-v1`'s 200
    /// for every 8 × 8 suite).
    public var defaultMaxSteps: Int { self == .classic8x8 || self == .outOfDistribution8x8 ? 200 : 100 }

    /// The most rows or columns a map of this suite has: what the tokenizer's canvas must hold.
    public var largestSide: Int {
        switch self {
        case .inDistribution: 5
        case .outOfDistribution: 7
        case .outOfDistribution8x8, .classic8x8: 8
        case .classic4x4: 4
        }
    }

    /// One line for help texts and tables.
    public var summary: String {
        switch self {
        case .inDistribution: "paper's maps, 3-5 rows x 3-5 cols (the training distribution)"
        case .outOfDistribution: "paper's maps, 6-7 rows x 6-7 cols (never trained on)"
        case .outOfDistribution8x8: "paper's maps, 8 rows x 8 cols (never trained on)"
        case .classic4x4: "Gymnasium generate_random_map(4, p=0.8)"
        case .classic8x8: "Gymnasium generate_random_map(8, p=0.8)"
        }
    }

    public var description: String { rawValue }

    /// The first `count` maps of `split` (distinct maps for the held-out splits, as in the paper).
    public func maps(count: Int, seed: UInt64, split: MapSplit = .evaluation) -> [FrozenLakeMap] {
        generator.maps(count: count, seed: seed, split: split, unique: split != .train)
    }

    /// Every suite name, comma-separated, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
