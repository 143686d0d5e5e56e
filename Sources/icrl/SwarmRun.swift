import CZeroMQ
import Cluster
import DQN
import Foundation
import Transport

/// The peers of one swarm phase, on this thread, and what the learner said about them.
struct SwarmRun {
    let endpoints: Endpoints
    let environments: Int
    let idPrefix: String

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The learner's run config, as an actor gets it: from its weights.
    func fetchConfig(context: ZMQContext, timeout: Double = 120) throws -> RunConfig {
        let socket = try ZMQSocket(context, .dealer)
        defer { socket.close() }
        try socket.setLinger(milliseconds: 0)
        try socket.setMaxMessageSize(64 << 20)
        try socket.connect(endpoints.control)
        try socket.setReceiveTimeout(milliseconds: 500)
        let decoder = WireDecoder(maxBytes: 64 << 20)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            _ = try socket.send(WireCodec.encode(.weightsRequest(WeightsRequest(actorID: "\(idPrefix)-config", haveVersion: 0))), dontWait: true)
            if let message = try socket.receiveMessage(), case .weights(let w)? = try? decoder.decode(message) {
                return try RunConfig.from(json: w.configJSON)
            }
        }
        throw Failure(message: "no weights from the learner at \(endpoints.control) within \(Int(timeout)) s: is it running?")
    }

    static func makeContext() throws -> ZMQContext {
        let context = try ZMQContext()
        // Three sockets per peer: past libzmq's default of 1,023 sockets per context.
        _ = zmq_ctx_set(context.handle, ZMQ_MAX_SOCKETS, 65_536)
        return context
    }

    /// `--child`: peers until killed (or `seconds` pass), no report.
    func runChild(actors: Int, seconds: Double) throws {
        let context = try Self.makeContext()
        let config = try fetchConfig(context: context)
        let start = Date()
        var peers = try (0..<actors).map { i in
            try SwarmPeer(context: context, endpoints: endpoints, config: config, actorID: "\(idPrefix)-\(i)",
                          incarnation: UInt64.random(in: 1...UInt64.max), environments: environments, seed: UInt64(i + 1), now: 0)
        }
        while Date().timeIntervalSince(start) < seconds {
            let now = Date().timeIntervalSince(start)
            for peer in peers { try peer.pump(now: now) }
            peers.removeAll { $0.refusal != nil }
            Thread.sleep(forTimeInterval: 0.0005)
        }
        for peer in peers { peer.close(flush: true) }
    }

    /// The load phase: `peers` in-process peers (and `children` child processes of
    /// `childActors` peers) for `seconds`, `churn` leave-and-join events in its middle 80 %.
    func load(
        peers count: Int, seconds: Double, churn: Int, children: Int, childActors: Int,
        learnerPID: Int32?, learnerAddress: String, monitor: SwarmMonitor
    ) throws -> [String: Any] {
        let context = try Self.makeContext()
        let config = try fetchConfig(context: context)
        let client = try StatusClient(control: endpoints.control, client: "icrl bench swarm")
        var rng = SystemRandomNumberGenerator()
        let start = monitor.start
        func now() -> Double { Date().timeIntervalSince(start) }
        var nextID = count
        func makePeer(_ id: String) throws -> SwarmPeer {
            try SwarmPeer(context: context, endpoints: endpoints, config: config, actorID: id,
                          incarnation: UInt64.random(in: 1...UInt64.max, using: &rng), environments: environments,
                          seed: UInt64.random(in: 1...UInt64.max, using: &rng), now: now())
        }
        var peers = try (0..<count).map { try makePeer("\(idPrefix)-\($0)") }
        var childProcesses: [Process] = []
        var childGeneration = 0
        func startChild(_ slot: Int) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            process.arguments = ["bench", "swarm", "--child", "--learner", learnerAddress, "--actors", String(childActors),
                                 "--environments", String(environments), "--seconds", String(seconds + 60),
                                 "--id-prefix", "\(idPrefix)-child\(slot)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            childGeneration += 1
            return process
        }
        childProcesses = try (0..<children).map { try startChild($0) }
        defer { for p in childProcesses where p.isRunning { kill(p.processIdentifier, SIGKILL) } }

        var helloRTTs: [Double] = []
        var retiredSteps = 0, droppedOnAbruptExit = 0, refused: [String] = []
        var leaves = 0, joins = 0, cleanLeaves = 0, abruptLeaves = 0, kills = 0, events = 0
        let churnStart = 0.1 * seconds, churnEnd = 0.9 * seconds
        let churnEvery = churn > 0 ? (churnEnd - churnStart) / Double(churn) : .infinity
        var nextChurn = churnStart
        var learnerAlive = true

        func retire(_ peer: SwarmPeer, flush: Bool) {
            helloRTTs += peer.helloRoundTrips
            retiredSteps += peer.stepsSent
            if !flush { droppedOnAbruptExit += peer.queuedChunks }
            peer.close(flush: flush)
        }

        while now() < seconds {
            let t = now()
            for peer in peers { try peer.pump(now: t) }
            for peer in peers where peer.refusal != nil { refused.append(peer.refusal!) }
            peers.removeAll { $0.refusal != nil }
            while events < churn, t >= nextChurn {
                nextChurn += churnEvery
                events += 1
                if children > 0, events % 10 == 0 {
                    // A whole process killed with SIGKILL, restarted under the same ids (a
                    // scheduler restarting a pod): each of its peers leaves and rejoins.
                    let slot = Int.random(in: 0..<children, using: &rng)
                    kill(childProcesses[slot].processIdentifier, SIGKILL)
                    SwarmLimits.waitForExit(childProcesses[slot], seconds: 5)
                    childProcesses[slot] = try startChild(slot)
                    kills += 1
                    leaves += childActors
                    joins += childActors
                    abruptLeaves += childActors
                    continue
                }
                guard !peers.isEmpty else { break }
                let index = Int.random(in: 0..<peers.count, using: &rng)
                let old = peers[index]
                let clean = Bool.random(using: &rng)
                retire(old, flush: clean)
                if clean { cleanLeaves += 1 } else { abruptLeaves += 1 }
                leaves += 1
                // Half restart under their id (a new incarnation), half are new actors.
                let id = Bool.random(using: &rng) ? old.actorID : "\(idPrefix)-\(nextID)"
                if id != old.actorID { nextID += 1 }
                peers[index] = try makePeer(id)
                joins += 1
            }
            if monitor.learnerGone {
                learnerAlive = false
                break
            }
            Thread.sleep(forTimeInterval: 0.0002)
        }
        // Settle: keep the live peers talking past the heartbeat timeout, so every peer that
        // left is declared dead, then compare the learner's live set with ours.
        let settleEnd = now() + 6.5
        while learnerAlive, now() < settleEnd {
            let t = now()
            for peer in peers { try peer.pump(now: t) }
            Thread.sleep(forTimeInterval: 0.001)
        }
        let final = try? client.fetch(timeout: 5)
        monitor.stop()
        let (samples, statusRTTs) = monitor.snapshot()
        let childPeersLive = childProcesses.filter(\.isRunning).count * childActors
        for peer in peers { retire(peer, flush: false) }

        var figures: [String: Any] = ["learner_alive_at_end": learnerAlive && final != nil]
        // Warm: the replay full (its memory no longer grows), and a quarter into the run.
        let warm = samples.first { $0.t >= 0.25 * seconds && $0.replayFull } ?? samples.first { $0.t >= 0.25 * seconds } ?? samples.first
        figures["warm_at_s"] = warm?.t
        if let warm, let last = samples.last, last.t > warm.t {
            let dt = last.t - warm.t
            figures["accepted_steps_per_s"] = Double(last.envSteps - warm.envSteps) / dt
            figures["updates_per_s"] = Double(last.updates - warm.updates) / dt
            let loaded = samples.filter { $0.t >= warm.t }
            figures["policy_lag_avg"] = loaded.map(\.lagAvg).reduce(0, +) / Double(loaded.count)
            figures["policy_lag_max"] = loaded.map(\.lagMax).max() ?? 0
            if let rss0 = warm.rss, let rss1 = last.rss {
                figures["learner_rss_mb_warm"] = Double(rss0) / 1e6
                figures["learner_rss_mb_end"] = Double(rss1) / 1e6
                figures["learner_rss_growth_pct"] = (Double(rss1) / Double(rss0) - 1) * 100
            }
            let fds = loaded.compactMap(\.fds)
            if let f0 = fds.first, let f1 = fds.last {
                figures["learner_fds_warm"] = f0
                figures["learner_fds_end"] = f1
                figures["learner_fds_max"] = fds.max() ?? f1
            }
        }
        figures["learner_rss_mb_max"] = (samples.compactMap(\.rss).max() ?? 0) / 1_000_000
        // The control round trip is the status request's, timed by a client that does nothing
        // else (as icrl top would). Hello replies are read by the peers' shared loop, so their
        // times include that loop's turn and bound the learner's part from above.
        figures["control_rtt_ms_p50"] = percentile(statusRTTs, 0.5).map { $0 * 1e3 }
        figures["control_rtt_ms_p99"] = percentile(statusRTTs, 0.99).map { $0 * 1e3 }
        figures["hello_rtt_ms_p50"] = percentile(helloRTTs, 0.5).map { $0 * 1e3 }
        figures["hello_rtt_ms_p99"] = percentile(helloRTTs, 0.99).map { $0 * 1e3 }
        figures["hello_round_trips"] = helloRTTs.count
        figures["status_round_trips"] = statusRTTs.count
        figures["steps_sent"] = retiredSteps
        figures["chunks_dropped_on_abrupt_exit"] = droppedOnAbruptExit
        figures["refused_peers"] = refused.count
        if let reason = refused.first { figures["refusal"] = reason }
        if churn > 0 {
            figures["churn_events"] = events
            figures["leaves"] = leaves
            figures["joins"] = joins
            figures["leaves_clean"] = cleanLeaves
            figures["leaves_abrupt"] = abruptLeaves
            figures["children_killed"] = kills
        }
        if let final {
            // Alive: live or stale (a busy swarm thread can be late with a heartbeat), not dead.
            let live = final.actors.filter { $0.state != .dead }.count
            figures["live_actors_expected"] = peers.count + childPeersLive
            figures["live_actors_at_end"] = live
            figures["known_actors_at_end"] = final.actors.count
            figures["live_count_exact"] = live == peers.count + childPeersLive
            // For diagnosis: actors the learner thinks alive that are not, and the reverse.
            var expected = Set(peers.map(\.actorID))
            for (slot, process) in childProcesses.enumerated() where process.isRunning {
                for i in 0..<childActors { expected.insert("\(idPrefix)-child\(slot)-\(i)") }
            }
            let alive = final.actors.filter { $0.state != .dead }
            figures["alive_but_gone"] = Array(alive.filter { !expected.contains($0.actorID) }.prefix(5).map { "\($0.actorID) \($0.state) \(Int($0.secondsSinceSeen)) s" })
            figures["gone_but_expected"] = Array(expected.subtracting(alive.map(\.actorID)).prefix(5))
        }
        return figures
    }

    /// Nil without samples (JSON has no NaN).
    func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
}

/// The learner as `icrl top` sees it under load: a status request every 0.5 s from its own
/// thread, started by a thread at normal priority (the peers' thread runs at nice 19, and
/// its scheduling delays are not the learner's round trip).
final class SwarmMonitor: @unchecked Sendable {
    typealias Sample = (t: Double, envSteps: UInt64, updates: UInt64, lagAvg: Double, lagMax: UInt64, fds: Int?, rss: Int?, replayFull: Bool)
    let start = Date()
    private let lock = NSLock()
    private var samples: [Sample] = []
    private var rtts: [Double] = []
    private var stopping = false
    private var gone = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(control: String, learnerPID: Int32?) {
        let thread = Thread { [self] in
            defer { finished.signal() }
            guard let client = try? StatusClient(control: control, client: "icrl bench swarm monitor") else { return }
            // The first answer waits for the learner to start: not a round trip under load.
            var answered = false
            while !lock.withLock({ stopping }) {
                let asked = Date()
                if let status = try? client.fetch(timeout: 2) {
                    let rtt = Date().timeIntervalSince(asked)
                    let resources = learnerPID.flatMap { SwarmLimits.resources(pid: $0) }
                    let sample: Sample = (asked.timeIntervalSince(start), status.envSteps, status.updates, status.policyLagAvg,
                                          status.policyLagMax, resources?.fds, resources?.rssBytes,
                                          status.replaySteps * 50 >= status.replayCapacity * 49)
                    lock.withLock {
                        samples.append(sample)
                        if answered { rtts.append(rtt) }
                    }
                    answered = true
                } else if let pid = learnerPID, !SwarmLimits.isAlive(pid) {
                    lock.withLock { gone = true }
                    return
                }
                Thread.sleep(forTimeInterval: max(0, 0.5 - Date().timeIntervalSince(asked)))
            }
        }
        self.thread = thread
        thread.start()
    }

    var learnerGone: Bool { lock.withLock { gone } }

    func stop() {
        guard lock.withLock({ let first = !stopping; stopping = true; return first }) else { return }
        finished.wait()
    }

    func snapshot() -> ([Sample], [Double]) { lock.withLock { (samples, rtts) } }
}
