/// Which side of the train/evaluation wall a map lives on.
///
/// Disjointness holds by construction, not by luck: a map's split is a pure function
/// of its contents — ``FrozenLakeMap/stableHash`` modulo ``bucketCount`` equal to 0
/// means evaluation, anything else training — and every generator draw for a split
/// rejects maps of the other split. So no training map can ever equal an evaluation
/// map, whatever the seeds, counts or machines involved, and actors need no shared list.
/// Each split also draws from its own seed stream (the split is mixed into the seed).
///
/// The bucket test is independent of a map's shape and contents in distribution (the
/// hash behaves as random), so each split keeps the generator's distribution; about
/// 1 in 10 distinct maps is reserved for evaluation.
public enum MapSplit: UInt64, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case train = 1
    case evaluation = 2

    /// One bucket in this many is held out for evaluation.
    public static let bucketCount: UInt64 = 10

    /// The split a map belongs to.
    public static func of(_ map: FrozenLakeMap) -> MapSplit {
        map.stableHash % bucketCount == 0 ? .evaluation : .train
    }

    public var description: String {
        switch self {
        case .train: "train"
        case .evaluation: "eval"
        }
    }
}
