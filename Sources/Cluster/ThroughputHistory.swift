import DequeModule

/// Samples of cumulative counters, at most one a second over the last five minutes:
/// the rates a monitor shows over 10 s, 60 s and 5 min come from differences of two samples.
public struct ThroughputHistory: Sendable {
    public struct Sample: Sendable, Equatable {
        public var time: Double
        public var steps: Int
        public var updates: Int
    }

    public private(set) var samples: Deque<Sample> = []
    /// Seconds of history kept.
    public let span: Double

    public init(span: Double = 300) {
        self.span = span
    }

    /// Adds a sample unless the newest is under a second old; drops samples older than `span`
    /// (keeping one just beyond it, so a full-span rate has its starting point).
    public mutating func record(time: Double, steps: Int, updates: Int) {
        if let last = samples.last, time - last.time < 1 { return }
        samples.append(Sample(time: time, steps: steps, updates: updates))
        while samples.count > 2, time - samples[1].time >= span { samples.removeFirst() }
    }

    /// Per-second rates of steps and updates over the last `seconds` (or as much history as
    /// there is), from the newest sample back to the oldest one inside the window.
    public func rate(over seconds: Double) -> (steps: Double, updates: Double) {
        guard let newest = samples.last else { return (0, 0) }
        let start = samples.first { newest.time - $0.time <= seconds + 0.5 } ?? newest
        let dt = newest.time - start.time
        guard dt > 0 else { return (0, 0) }
        return (Double(newest.steps - start.steps) / dt, Double(newest.updates - start.updates) / dt)
    }
}
