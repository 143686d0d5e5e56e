import Transport

/// The learner's view of its actors: who said hello, when each was last heard
/// from, and which are considered dead after a heartbeat timeout.
public struct PeerTable: Sendable {
    public struct Peer: Sendable, Equatable {
        public var actorID: String
        public var host: String
        public var pid: UInt32
        public var incarnation: UInt64
        public var environments: UInt32
        /// Seconds (monotonic clock) when the peer was last heard from.
        public var lastSeen: Double
        public var alive: Bool
        /// Most recent statistics the actor reported, and when (monotonic seconds).
        public var stats: ActorStats?
        public var statsTime: Double = 0
        /// The statistics before those, for rates between the two.
        public var previousStats: ActorStats?
        public var previousStatsTime: Double = 0
        /// Policy version of the newest experience received from it.
        public var policyVersion: UInt64
        /// Environment steps accepted from it (this incarnation).
        public var stepsReceived = 0
    }

    public private(set) var peers: [String: Peer] = [:]
    /// Seconds of silence after which an actor counts as dead.
    public var timeout: Double
    /// Times an actor came back with a new incarnation (restarts).
    public private(set) var rejoins = 0
    /// Times an actor was declared dead.
    public private(set) var deaths = 0
    /// Seconds a dead actor stays in the table (and in `icrl top`, as dead) before it is
    /// forgotten, so that actors restarting in loops under a scheduler, each with a new id,
    /// do not grow the table without bound.
    public var reapAfter: Double
    /// Dead actors forgotten so far.
    public private(set) var reaped = 0

    public init(timeout: Double, reapAfter: Double = 60) {
        self.timeout = timeout
        self.reapAfter = reapAfter
    }

    /// Records a hello; a known actor id with a new incarnation is a restart.
    public mutating func hello(_ hello: Hello, now: Double) {
        if let old = peers[hello.actorID], old.incarnation != hello.incarnation {
            rejoins += 1
        }
        peers[hello.actorID] = Peer(
            actorID: hello.actorID, host: hello.host, pid: hello.pid, incarnation: hello.incarnation,
            environments: hello.environments, lastSeen: now, alive: true, stats: nil, policyVersion: 0)
    }

    /// A sign of life on the control socket: a heartbeat or stats.
    public mutating func seen(_ actorID: String, incarnation: UInt64, now: Double, policyVersion: UInt64? = nil, steps: Int = 0) {
        guard var peer = peers[actorID], peer.incarnation == incarnation else { return }
        peer.lastSeen = now
        peer.alive = true
        peer.stepsReceived += steps
        if let policyVersion { peer.policyVersion = max(peer.policyVersion, policyVersion) }
        peers[actorID] = peer
    }

    /// Experience accepted from a peer: counted, but not a sign of life. Chunks wait in the
    /// learner's queues (it takes them at its replay ratio), so an actor that died seconds ago
    /// can still be delivering; only the control socket says who is alive now.
    public mutating func received(_ actorID: String, incarnation: UInt64, policyVersion: UInt64, steps: Int) {
        guard var peer = peers[actorID], peer.incarnation == incarnation else { return }
        peer.stepsReceived += steps
        peer.policyVersion = max(peer.policyVersion, policyVersion)
        peers[actorID] = peer
    }

    public mutating func record(_ stats: ActorStats, now: Double) {
        seen(stats.actorID, incarnation: stats.incarnation, now: now)
        if var peer = peers[stats.actorID], peer.incarnation == stats.incarnation {
            peer.previousStats = peer.stats
            peer.previousStatsTime = peer.statsTime
            peer.stats = stats
            peer.statsTime = now
            peers[stats.actorID] = peer
        }
    }

    /// Marks silent peers dead; returns the ids that died in this call.
    @discardableResult
    public mutating func expire(now: Double) -> [String] {
        var died: [String] = []
        for (id, peer) in peers where peer.alive && now - peer.lastSeen > timeout {
            peers[id]?.alive = false
            deaths += 1
            died.append(id)
        }
        return died.sorted()
    }

    /// Forgets actors dead for longer than `reapAfter`; returns them (their incarnations
    /// index other per-actor state the learner keeps).
    @discardableResult
    public mutating func reap(now: Double) -> [Peer] {
        let gone = peers.values.filter { !$0.alive && now - $0.lastSeen > timeout + reapAfter }
        for peer in gone { peers[peer.actorID] = nil }
        reaped += gone.count
        return gone.sorted { $0.actorID < $1.actorID }
    }

    public var liveCount: Int { peers.values.filter(\.alive).count }

    /// Whether experience from this actor and incarnation comes from a peer that said hello.
    public func knows(_ actorID: String, incarnation: UInt64) -> Bool {
        peers[actorID]?.incarnation == incarnation
    }
}
