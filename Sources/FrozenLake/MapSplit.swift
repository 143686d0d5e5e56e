/// Which side of the train / validation / evaluation walls a map lives on.
///
/// Disjointness holds by construction, not by luck: a map's split is a pure function
/// of its contents — ``FrozenLakeMap/stableHash`` modulo ``bucketCount``: 0 means
/// evaluation, 1 validation, anything else training — and every generator draw for a
/// split rejects maps of the others. So no training map can ever equal a validation or an
/// evaluation map, whatever the seeds, counts or machines involved, and actors need no
/// shared list. Each split also draws from its own seed stream (the split is mixed into
/// the seed). Recipes and checkpoints are chosen on validation maps; reported figures
/// come from evaluation maps.
///
/// The bucket test is independent of a map's shape and contents in distribution (the
/// hash behaves as random), so each split keeps the generator's distribution of distinct
/// maps; about 1 in 10 distinct maps is reserved for each held-out split. It is not the
/// distribution of *draws*: the few maps the generator draws often (open 3×3 corner to
/// corner maps, ~0.1% of draws each, solved by a random walk) each sit in one bucket, and
/// the held-out splits are drawn distinct, so their success rates differ from the
/// paper's i.i.d. draws (a random agent: .137 on evaluation maps, .153 on i.i.d. draws).
public enum MapSplit: UInt64, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case train = 1
    case evaluation = 2
    case validation = 3

    /// One bucket in this many is held out for evaluation, one for validation.
    public static let bucketCount: UInt64 = 10

    /// The split a map belongs to.
    public static func of(_ map: FrozenLakeMap) -> MapSplit {
        switch map.stableHash % bucketCount {
        case 0: .evaluation
        case 1: .validation
        default: .train
        }
    }

    /// The split a command-line name gives: `train`, `validation` (`val`), `eval` (`evaluation`).
    public init?(name: String) {
        switch name {
        case "train": self = .train
        case "validation", "val": self = .validation
        case "eval", "evaluation": self = .evaluation
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .train: "train"
        case .evaluation: "eval"
        case .validation: "validation"
        }
    }
}
