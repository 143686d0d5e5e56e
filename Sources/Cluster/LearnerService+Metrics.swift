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

    init(start: Double, updates: Int) {
        self.start = start
        self.updates = updates
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
    }
}

extension LearnerService {
    /// Writes one `metrics.jsonl` line and one log line, then starts a new window.
    func writeMetrics(_ window: inout MetricsWindow, now: Double) {
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
            "actors/live": Double(snapshot.peers.liveCount),
            "actors/deaths": Double(snapshot.peers.deaths),
            "actors/rejoins": Double(snapshot.peers.rejoins),
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
        if let rss = ProcessResources.residentBytes { m["system/rss_mb"] = Double(rss) / 1_048_576 }
        if let fds = ProcessResources.openFileDescriptors { m["system/open_fds"] = Double(fds) }
        m["system/memory_budget_mb"] = Double(memoryBudget.totalBytes) / 1_048_576
        if let authenticator {
            m["transport/auth_accepted"] = Double(authenticator.accepted.load(ordering: .relaxed))
            m["transport/auth_denied"] = Double(authenticator.denied.load(ordering: .relaxed))
            if let key = authenticator.lastDenied.withLock({ k in defer { k = nil }; return k }) {
                logger.warning("refused a connection from unlisted CURVE key \(key) (transport/auth_denied \(Int(m["transport/auth_denied"]!)))")
            }
        }
        metrics.write(m, step: learner.updates)
        let success = m["charts/success_model"].map { String(format: "%.2f", $0) } ?? "-"
        let loss = m["losses/td"].map { String(format: "%.4f", $0) } ?? "-"
        logger.info("""
            updates \(learner.updates) (\(String(format: "%.1f", m["charts/updates_per_s"]!))/s) \
            env steps/s \(String(format: "%.0f", m["charts/env_steps_per_s"]!)) \
            replay \(snapshot.replay.storedSteps) actors \(snapshot.peers.liveCount) \
            success(model) \(success) loss \(loss) rejected \(snapshot.rejections.total)
            """)
        window = MetricsWindow(start: now, updates: learner.updates)
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
