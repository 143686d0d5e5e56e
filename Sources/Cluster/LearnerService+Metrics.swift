import DQN
import Foundation
import Transport

/// Update statistics accumulated between two metrics lines.
struct MetricsWindow {
    var start: Double
    var updates: Int
    var stepsReceived = 0
    var loss: Double = 0
    var meanQ: Double = 0
    var meanTarget: Double = 0
    var gradNorm: Double = 0
    var imitationLoss: Double = 0
    var demonstratorFraction: Double = 0
    var tokens = 0
    var count = 0
    var episodes: [UInt32: Int] = [:]
    var successes: [UInt32: Int] = [:]
    /// Seconds the training loop spent per stage in this window.
    var stageSeconds: [LearnerStage: Double] = [:]
    /// The ingest thread's busy nanoseconds when the window began.
    var ingestNanoseconds = 0

    init(start: Double, updates: Int) {
        self.start = start
        self.updates = updates
    }

    mutating func time(_ stage: LearnerStage, since start: ContinuousClock.Instant, clock: ContinuousClock) {
        stageSeconds[stage, default: 0] += (clock.now - start).seconds
    }

    mutating func add(_ stats: DQNLearner.UpdateStats) {
        loss += Double(stats.loss)
        meanQ += Double(stats.meanQ)
        meanTarget += Double(stats.meanTarget)
        gradNorm += Double(stats.gradNorm)
        imitationLoss += Double(stats.imitationLoss)
        demonstratorFraction += Double(stats.demonstratorFraction)
        tokens += stats.tokens
        count += 1
        stageSeconds[.target, default: 0] += stats.timings.target
        stageSeconds[.forwardBackward, default: 0] += stats.timings.forwardBackward
        stageSeconds[.optimizer, default: 0] += stats.timings.optimizer
        stageSeconds[.allreduce, default: 0] += stats.timings.allreduce
    }
}

/// Where the learner's training loop spends its time (`timing/learner/<stage>`, the
/// fraction of wall time). Ingest runs on its own thread and is reported beside them as
/// that thread's busy fraction.
enum LearnerStage: String, CaseIterable {
    /// Sampling windows from the replay and tokenizing them (the replay's lock included).
    case sample
    case target
    case forwardBackward = "forward_backward"
    case optimizer
    /// Data-parallel ranks: summing the gradient over ranks (`MPI_Allreduce`).
    case allreduce
    /// Data-parallel ranks: rank 0's orders, forwarded experience and the readiness vote.
    case rankSync = "rank_sync"
    /// Packing and publishing weights.
    case broadcast
    case checkpoint
    /// No batch could be sampled yet: the replay is below `minReplaySteps`.
    case waitingForData = "waiting_for_data"
}

extension LearnerService {
    /// `timing/learner/*`, `timing/actors/*` and the one-line bottleneck hint.
    func timingMetrics(_ window: MetricsWindow, dt: Double, peers: PeerTable) -> (metrics: [String: Double], hint: String) {
        var m: [String: Double] = [:]
        for stage in LearnerStage.allCases { m["timing/learner/\(stage.rawValue)"] = min(1, (window.stageSeconds[stage] ?? 0) / dt) }
        let ingest = Double(state.ingestNanoseconds.load(ordering: .relaxed) - window.ingestNanoseconds) / 1e9
        m["timing/learner/ingest_thread"] = ingest / dt
        // Actors: the latest stats of every live actor, summed over their own intervals.
        let live = peers.peers.values.filter { $0.alive }.compactMap { $0.stats?.time }.filter { $0.wall > 0 }
        let wall = live.reduce(0) { $0 + $1.wall }
        if wall > 0 {
            for (name, _) in ActorTimeSplit().stages {
                m["timing/actors/\(name)"] = live.reduce(0) { sum, t in sum + (t.stages.first { $0.name == name }?.seconds ?? 0) } / wall
            }
        }
        let waitedForData = m["timing/learner/waiting_for_data"] ?? 0
        let backpressure = m["timing/actors/backpressure"] ?? 0
        let trained = (m["timing/learner/target"] ?? 0) + (m["timing/learner/forward_backward"] ?? 0) + (m["timing/learner/optimizer"] ?? 0)
        let hint: String
        if wall > 0, backpressure >= 0.2 {
            hint = "learner-bound: actors waited \(Int((backpressure * 100).rounded()))% of their time for the learner to take experience"
        } else if waitedForData >= 0.2 {
            hint = "actor-bound: the learner waited \(Int((waitedForData * 100).rounded()))% of the window for experience"
        } else {
            hint = "balanced: the learner trained \(Int((trained * 100).rounded()))% of the window"
                + (wall > 0 ? ", actors waited \(Int((backpressure * 100).rounded()))%" : "")
        }
        return (m, hint)
    }
}

extension LearnerService {
    /// Writes one `metrics.jsonl` line and one log line, then starts a new window.
    /// `ranks`: every data-parallel rank's statistics (`rankStatistics`), nil with one learner.
    func writeMetrics(_ window: inout MetricsWindow, now: Double, ranks: [[Double]]? = nil) {
        let dt = max(now - window.start, 1e-9)
        let snapshot = state.shared.withLock { s -> (LearnerState.Shared) in
            let copy = s
            s.lagMin = .max
            s.lagMax = 0
            s.lagSum = 0
            s.lagCount = 0
            return copy
        }
        let n = Double(max(window.count, 1))
        var m: [String: Double] = [
            "charts/updates": Double(learner.updates),
            "charts/updates_per_s": Double(learner.updates - window.updates) / dt,
            "charts/env_steps_received": Double(snapshot.stepsReceived),
            "charts/env_steps_per_s": Double(snapshot.stepsReceived - window.stepsReceived) / dt,
            "charts/tokens_trained_per_s": Double(window.tokens) / dt,
            "charts/weights_version": Double(snapshot.weightsVersion),
            "charts/elapsed_s": now,
            "replay/steps": Double(snapshot.replay.storedSteps),
            "replay/trials": Double(snapshot.replay.trialCount),
            "replay/completed_trials": Double(snapshot.replay.completedTrials),
            "replay/fill": Double(snapshot.replay.storedSteps) / Double(max(1, snapshot.replay.capacitySteps)),
            "actors/live": Double(snapshot.peers.liveCount),
            "actors/deaths": Double(snapshot.peers.deaths),
            "actors/rejoins": Double(snapshot.peers.rejoins),
            "actors/known": Double(snapshot.peers.peers.count),
            "actors/reaped": Double(snapshot.peers.reaped),
            "transport/chunks_received": Double(snapshot.chunksReceived),
            "transport/lost_chunks": Double(snapshot.lostChunks),
            "transport/connections_accepted": Double(snapshot.connectionsAccepted),
            "transport/connections_dropped": Double(snapshot.connectionsDropped),
        ]
        if window.count > 0 {
            m["losses/td"] = window.loss / n
            m["losses/q_mean"] = window.meanQ / n
            m["losses/target_mean"] = window.meanTarget / n
            m["losses/grad_norm"] = window.gradNorm / n
            m["losses/imitation"] = window.imitationLoss / n
            m["replay/demonstrator_fraction"] = window.demonstratorFraction / n
        }
        if snapshot.lagCount > 0 {
            m["policy_lag/min"] = Double(snapshot.lagMin)
            m["policy_lag/avg"] = Double(snapshot.lagSum) / Double(snapshot.lagCount)
            m["policy_lag/max"] = Double(snapshot.lagMax)
        }
        for (behaviour, total) in snapshot.episodesByBehaviour {
            let name = (Behaviour(rawValue: behaviour) ?? .unspecified).name
            let episodes = total - window.episodes[behaviour, default: 0]
            let wins = snapshot.successesByBehaviour[behaviour, default: 0] - window.successes[behaviour, default: 0]
            if episodes > 0 { m["charts/success_\(name)"] = Double(wins) / Double(episodes) }
            m["charts/episodes_\(name)"] = Double(total)
        }
        // Per actor: where the experience comes from, and how fresh its policy is.
        for peer in snapshot.peers.peers.values where peer.alive {
            m["actors/\(peer.actorID)/steps_received"] = Double(peer.stepsReceived)
            m["actors/\(peer.actorID)/policy_version"] = Double(peer.policyVersion)
        }
        m.merge(snapshot.rejections.metrics) { a, _ in a }
        if let ranks {
            let table = Self.rankStatuses(ranks)
            state.shared.withLock { $0.ranks = table }
            m.merge(Self.rankMetrics(ranks)) { a, _ in a }
            m["rejected/total", default: 0] += m["rejected/on_other_ranks"] ?? 0
        }
        if let rss = ProcessResources.residentBytes { m["system/rss_mb"] = Double(rss) / 1_048_576 }
        if let fds = ProcessResources.openFileDescriptors { m["system/open_fds"] = Double(fds) }
        m["system/memory_budget_mb"] = Double(memoryBudget.totalBytes) / 1_048_576
        m["checkpoint/failures"] = Double(checkpointFailures)
        m["metrics/write_failures"] = Double(metrics.writeFailures + metrics.tensorBoardFailures)
        if let authenticator {
            m["transport/auth_accepted"] = Double(authenticator.accepted.load(ordering: .relaxed))
            m["transport/auth_denied"] = Double(authenticator.denied.load(ordering: .relaxed))
            if let key = authenticator.lastDenied.withLock({ k in defer { k = nil }; return k }) {
                logger.warning("refused a connection from unlisted CURVE key \(key) (transport/auth_denied \(Int(m["transport/auth_denied"]!)))")
            }
        }
        let timing = timingMetrics(window, dt: dt, peers: snapshot.peers)
        m.merge(timing.metrics) { a, _ in a }
        metrics.write(m, step: learner.updates)
        metricsEndpoint?.publish(m)
        let success = m["charts/success_model"].map { String(format: "%.2f", $0) } ?? "-"
        let loss = m["losses/td"].map { String(format: "%.4f", $0) } ?? "-"
        logger.info("""
            updates \(learner.updates) (\(String(format: "%.1f", m["charts/updates_per_s"]!))/s) \
            env steps/s \(String(format: "%.0f", m["charts/env_steps_per_s"]!)) \
            replay \(snapshot.replay.storedSteps) actors \(snapshot.peers.liveCount) \
            success(model) \(success) loss \(loss) rejected \(snapshot.rejections.total); \(timing.hint)
            """)
        window = MetricsWindow(start: now, updates: learner.updates)
        window.ingestNanoseconds = state.ingestNanoseconds.load(ordering: .relaxed)
        window.stepsReceived = snapshot.stepsReceived
        window.episodes = snapshot.episodesByBehaviour
        window.successes = snapshot.successesByBehaviour
    }
}

extension Behaviour {
    /// Lower-case name for metric keys.
    public var name: String {
        switch self {
        case .unspecified: "unspecified"
        case .model: "model"
        case .random: "random"
        case .qlearning: "qlearning"
        case .oracle: "oracle"
        case .scripted: "scripted"
        }
    }
}
