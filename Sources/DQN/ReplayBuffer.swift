import DequeModule

/// Whole trials of experience, assembled from chunks as they arrive, sampled as
/// windows of consecutive steps. Bounded by `capacitySteps`: the oldest trials
/// go first, so memory is `capacitySteps × 10 bytes` plus per-trial overhead.
public struct ReplayBuffer: Sendable {
    /// Identifies one trial of one actor process.
    public struct TrialKey: Hashable, Sendable {
        public var incarnation: UInt64
        public var trialID: UInt64
        public init(incarnation: UInt64, trialID: UInt64) {
            self.incarnation = incarnation
            self.trialID = trialID
        }
    }

    /// One stored trial.
    public struct Trial: Sendable {
        public var key: TrialKey
        public var steps: [TrialStep]
        public var done: Bool
        /// `Transport.Behaviour` raw value of the policy that acted.
        public var behaviour: UInt32
    }

    /// Why appended steps were not stored. Every refusal of a continuation drops the rest
    /// of its trial: a context with a hole, or with steps that contradict each other, lies.
    public enum Refusal: String, Error, Sendable, CaseIterable {
        /// A chunk did not continue its trial where the previous one ended (a lost or
        /// reordered chunk, or steps after the trial's end).
        case gap
        /// The continuation of a trial the replay evicted while it was still open (capacity
        /// too small for the trials in flight): nothing is wrong with the chunk.
        case evicted
        /// The trial grew past `maxTrialSteps`.
        case trialTooLong = "trial_too_long"
        /// The steps break a `TrialInvariants` rule (the raw values match `Violation`'s).
        case outsideCanvas = "outside_canvas"
        case stepRange = "step_range"
        case mapSizeChange = "map_size_change"
        case episodeFlags = "episode_flags"
        case discontinuity

        init(_ violation: TrialInvariants.Violation) {
            switch violation {
            case .outsideCanvas: self = .outsideCanvas
            case .stepRange: self = .stepRange
            case .mapSizeChange: self = .mapSizeChange
            case .episodeFlags: self = .episodeFlags
            case .discontinuity: self = .discontinuity
            }
        }
    }

    public let capacitySteps: Int
    public let maxTrialSteps: Int
    /// Rules every stored step satisfies (the learner's: its tokenizer's canvas).
    public let invariants: TrialInvariants

    public private(set) var trials: Deque<Trial> = []
    public private(set) var storedSteps = 0
    /// Trials finished or evicted so far, for logs.
    public private(set) var completedTrials = 0
    public private(set) var evictedTrials = 0
    /// Longest trial stored so far, for rejection sampling (never shrinks; only makes sampling a bit slower).
    public private(set) var longestTrial = 1
    /// Stored steps per acting policy (`Trial.behaviour`), for behaviour-balanced sampling.
    public private(set) var stepsByBehaviour: [UInt32: Int] = [:]
    // Trial key → position in `trials` counted from `firstIndex`, to find open trials fast.
    private var open: [TrialKey: Int] = [:]
    private var firstIndex = 0
    /// Open trials evicted for capacity, newest last (at most `evictedMemory`), so their
    /// continuations are told apart from gaps.
    private var evictedOpen: Set<TrialKey> = []
    private var evictedOrder: Deque<TrialKey> = []
    static let evictedMemory = 4_096

    public init(capacitySteps: Int, maxTrialSteps: Int = 8_192, invariants: TrialInvariants = TrialInvariants()) {
        precondition(capacitySteps > 0 && maxTrialSteps > 0)
        self.capacitySteps = capacitySteps
        self.maxTrialSteps = maxTrialSteps
        self.invariants = invariants
    }

    /// Appends consecutive steps of a trial. `firstStep` is the index of `steps[0]`
    /// within the trial; it must continue the stored trial exactly, and every step must keep
    /// `invariants` with the one before it. A refused continuation drops the open trial.
    public mutating func append(
        _ steps: [TrialStep], to key: TrialKey, firstStep: Int, done: Bool, behaviour: UInt32
    ) throws(Refusal) {
        if let absolute = open[key] {
            let index = absolute - firstIndex
            // Read fields in place: a copy of the trial would make the append copy all its steps.
            guard trials[index].steps.count == firstStep else {
                drop(key)
                throw .gap
            }
            guard trials[index].steps.count + steps.count <= maxTrialSteps else {
                drop(key)
                throw .trialTooLong
            }
            do throws(TrialInvariants.Violation) {
                try invariants.check(steps, after: trials[index].steps.last)
            } catch {
                drop(key)
                throw Refusal(error)
            }
            trials[index].steps.append(contentsOf: steps)
            storedSteps += steps.count
            stepsByBehaviour[trials[index].behaviour, default: 0] += steps.count
            longestTrial = max(longestTrial, trials[index].steps.count)
            if done {
                trials[index].done = true
                open[key] = nil
                completedTrials += 1
            }
        } else {
            guard firstStep == 0 else { throw evictedOpen.contains(key) ? .evicted : .gap }
            guard steps.count <= maxTrialSteps else { throw .trialTooLong }
            do throws(TrialInvariants.Violation) {
                try invariants.check(steps, after: nil)
            } catch {
                throw Refusal(error)
            }
            trials.append(Trial(key: key, steps: steps, done: done, behaviour: behaviour))
            storedSteps += steps.count
            stepsByBehaviour[behaviour, default: 0] += steps.count
            longestTrial = max(longestTrial, steps.count)
            if done {
                completedTrials += 1
            } else {
                open[key] = firstIndex + trials.count - 1
            }
        }
        evictToCapacity()
    }

    /// Forgets an open trial's steps: the sender lost part of it, or sent a part that was
    /// refused, so what is stored can no longer be continued truthfully.
    public mutating func drop(_ key: TrialKey) {
        guard let absolute = open.removeValue(forKey: key) else { return }
        let index = absolute - firstIndex
        storedSteps -= trials[index].steps.count
        forget(trials[index].steps.count, of: trials[index].behaviour)
        trials[index].steps = []
        trials[index].done = true
    }

    private mutating func evictToCapacity() {
        while storedSteps > capacitySteps, let oldest = trials.first {
            trials.removeFirst()
            firstIndex += 1
            storedSteps -= oldest.steps.count
            forget(oldest.steps.count, of: oldest.behaviour)
            if !oldest.done {
                open[oldest.key] = nil
                evictedOpen.insert(oldest.key)
                evictedOrder.append(oldest.key)
                if evictedOrder.count > Self.evictedMemory { evictedOpen.remove(evictedOrder.removeFirst()) }
            }
            if !oldest.steps.isEmpty { evictedTrials += 1 }
        }
    }

    private mutating func forget(_ count: Int, of behaviour: UInt32) {
        let left = (stepsByBehaviour[behaviour] ?? 0) - count
        stepsByBehaviour[behaviour] = left > 0 ? left : nil
    }

    /// Position in `trials` of an open trial.
    func openIndex(of key: TrialKey) -> Int? {
        open[key].map { $0 - firstIndex }
    }

    /// Number of trials currently held (open ones included).
    public var trialCount: Int { trials.count }

    /// A window of at most `length` consecutive steps: a trial picked in proportion to its
    /// length, then, with probability `trialStartFraction`, the window at the trial's start,
    /// else a start drawn uniformly from `0...(n − length)`. Uniform starts cover the middle
    /// of a long trial far more often than its ends (step 0 of an n-step trial is in 1
    /// window of n − length + 1); the fraction puts back the windows evaluation reads
    /// first. With `balancingBehaviours`, each acting policy held (`stepsByBehaviour`) gets
    /// an equal share of the windows, and within it trials go in proportion to their length:
    /// what the model trains on then depends on which policies acted, not on how much each
    /// one contributed. Nil when empty.
    public func sampleWindow<G: RandomNumberGenerator>(
        length: Int, trialStartFraction: Double = 0, balancingBehaviours: Bool = false, using rng: inout G
    ) -> (trial: Int, start: Int, count: Int)? {
        guard storedSteps > 0, !trials.isEmpty else { return nil }
        let longest = longestTrial
        // Balanced, a trial of behaviour b is kept with weight n × (fewest steps of any
        // behaviour) / (steps of b) ≤ n, so every behaviour's total weight is the same.
        let fewest = Double(stepsByBehaviour.values.min() ?? 1)
        // Rejection sampling: pick a trial uniformly, keep it with probability weight / longest.
        for _ in 0..<100_000 {
            let index = Int.random(in: 0..<trials.count, using: &rng)
            let n = trials[index].steps.count
            guard n > 0 else { continue }
            if balancingBehaviours, let held = stepsByBehaviour[trials[index].behaviour] {
                let weight = Double(n) * fewest / Double(held)
                guard Double.random(in: 0..<Double(longest), using: &rng) < weight else { continue }
            } else {
                guard Int.random(in: 0..<longest, using: &rng) < n else { continue }
            }
            let count = min(length, n)
            let fromStart = trialStartFraction > 0 && Double.random(in: 0..<1, using: &rng) < trialStartFraction
            let start = fromStart ? 0 : Int.random(in: 0...(n - count), using: &rng)
            return (index, start, count)
        }
        return nil
    }
}
