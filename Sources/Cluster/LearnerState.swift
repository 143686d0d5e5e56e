import DQN
import Foundation
import Synchronization
import Transport

/// What the learner's threads share: the replay (ingest writes, training reads),
/// the peer table and counters (control and ingest write, metrics read), and the
/// current weights frame (training writes, control reads to answer joiners).
public final class LearnerState: Sendable {
    public struct Shared: Sendable {
        public var replay: ReplayBuffer
        public var peers: PeerTable
        public var rejections = RejectionCounters()
        /// Steps and chunks accepted into the replay since start.
        public var stepsReceived = 0
        public var chunksReceived = 0
        /// Episodes and goal-reaching episodes seen in accepted experience, by behaviour.
        public var episodesByBehaviour: [UInt32: Int] = [:]
        public var successesByBehaviour: [UInt32: Int] = [:]
        /// Policy lag of accepted chunks since the last metrics line (learner version − chunk version).
        public var lagMin = Int.max
        public var lagMax = 0
        public var lagSum = 0
        public var lagCount = 0
        /// The encoded `Weights` envelope actors receive, and its version.
        public var weightsFrame: [UInt8] = []
        public var weightsVersion: UInt64 = 0
        /// Sequence number last accepted per actor incarnation, to count lost chunks.
        public var lastSequence: [UInt64: UInt64] = [:]
        public var lostChunks = 0
        /// Experience connections libzmq accepted, and closed under us: a peer that went
        /// away, or a frame over ZMQ_MAXMSGSIZE (libzmq drops the connection it came on).
        public var connectionsAccepted = 0
        public var connectionsDropped = 0
        /// Data-parallel ranks (rank 0 only): encoded experience frames waiting to go to
        /// each rank, by rank (`forwarded[0]` stays empty: rank 0 stores its own trials).
        public var forwarded: [[[UInt8]]] = []
        /// Data-parallel ranks (rank 0 only): every rank's statistics as last gathered, for
        /// `icrl top`.
        public var ranks: [LearnerRankStatus] = []
        /// Once a second: (seconds, steps accepted, updates), the last 5 minutes, for
        /// monitors' rates over 10 s, 60 s and 5 min.
        public var history = ThroughputHistory()
    }

    public let shared: Mutex<Shared>
    /// Total steps the ingest loop may accept so far; the trainer raises it as it updates,
    /// which keeps the replay ratio (tokens trained per step collected) near its target.
    /// While the budget is spent the loop stops reading, PUSH queues fill, and actors wait:
    /// back-pressure instead of data thrown away.
    public let ingestBudget = Atomic<Int>(.max)
    /// Steps accepted so far (mirrors `Shared.stepsReceived`, readable without the lock).
    public let stepsAccepted = Atomic<Int>(0)
    /// Set when the learner is stopping, so a throttled ingest loop returns.
    public let stopping = Atomic<Bool>(false)
    /// Updates the trainer has made (its `learner.updates`, readable from other threads).
    public let updates = Atomic<Int>(0)
    /// Nanoseconds the ingest thread spent decoding, validating and storing frames.
    public let ingestNanoseconds = Atomic<Int>(0)
    /// Monotonic clock origin for peer timestamps.
    public let start = DispatchTime.now().uptimeNanoseconds

    /// Ranks of the data-parallel learner this state belongs to (1: a single learner).
    /// On rank 0 with more than one, the ingest loop forwards other ranks' trials.
    public let ranks: Int

    /// - Parameter forgetDeadAfter: seconds a dead actor stays listed (`PeerTable.reapAfter`).
    public init(replay: ReplayBuffer, heartbeatTimeout: Double, forgetDeadAfter: Double = 60, ranks: Int = 1) {
        var shared = Shared(replay: replay, peers: PeerTable(timeout: heartbeatTimeout, reapAfter: forgetDeadAfter))
        shared.forwarded = Array(repeating: [], count: max(1, ranks))
        self.shared = Mutex(shared)
        self.ranks = max(1, ranks)
    }

    /// Seconds since the learner started (monotonic).
    public var now: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
