/// Counts refused messages by reason, so nothing is dropped silently: every
/// reason appears in the metrics as `rejected/<reason>`.
public struct RejectionCounters: Sendable {
    public private(set) var byReason: [String: Int] = [:]

    public init() {}

    public mutating func count(_ reason: String) {
        byReason[reason, default: 0] += 1
    }

    public var total: Int { byReason.values.reduce(0, +) }

    /// `rejected/<reason>` → count, for metrics lines.
    public var metrics: [String: Double] {
        var out: [String: Double] = ["rejected/total": Double(total)]
        for (reason, n) in byReason { out["rejected/\(reason)"] = Double(n) }
        return out
    }
}
