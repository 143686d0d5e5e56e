import DQN
import Foundation
import Transport

/// The weights of data-parallel ranks no longer agree.
public struct RankDivergenceError: Error, CustomStringConvertible {
    /// Every rank's weight checksum, in rank order.
    public var checksums: [UInt64]
    /// The update at which they were compared.
    public var update: Int

    public var description: String {
        "the learner ranks' weights diverged at update \(update) (checksums \(checksums.map { String($0, radix: 16) }.joined(separator: ", "))); "
            + "the last checkpoint holds agreeing weights: restart with --resume, and report this (a rank computing differently: a different binary, CPU kernel or config)"
    }
}

extension LearnerService {
    /// Names of the per-rank statistics gathered at rank 0 (`ranks/rank-R/<name>`).
    static let rankStatisticNames = [
        "replay_steps", "replay_trials", "steps_stored", "rejected", "updates",
        "timing/sample", "timing/forward_backward", "timing/allreduce", "timing/rank_sync",
    ]

    /// This rank's statistics for the metrics line, gathered at rank 0 (rows in rank order there).
    func rankStatistics(_ group: DataParallelGroup, window: MetricsWindow, now: Double) -> [[Double]]? {
        let dt = max(now - window.start, 1e-9)
        let (steps, trials, stored, rejected) = state.shared.withLock {
            (Double($0.replay.storedSteps), Double($0.replay.trialCount), Double($0.stepsReceived), Double($0.rejections.total))
        }
        let fraction = { (stage: LearnerStage) in min(1, (window.stageSeconds[stage] ?? 0) / dt) }
        let row = [steps, trials, stored, rejected, Double(learner.updates),
                   fraction(.sample), fraction(.forwardBackward), fraction(.allreduce), fraction(.rankSync)]
        return group.gather(row)
    }

    /// `ranks/rank-R/*` for every rank, and the other ranks' refusals (trial continuity is
    /// checked where a trial is stored) under `rejected/on_other_ranks`.
    static func rankMetrics(_ rows: [[Double]]) -> [String: Double] {
        var m: [String: Double] = ["ranks/count": Double(rows.count)]
        var otherRejected = 0.0
        for (rank, row) in rows.enumerated() {
            for (name, value) in zip(rankStatisticNames, row) { m["ranks/rank-\(rank)/\(name)"] = value }
            if rank > 0 { otherRejected += row[3] }
        }
        m["rejected/on_other_ranks"] = otherRejected
        return m
    }

    /// The gathered rows as `icrl top` shows them.
    static func rankStatuses(_ rows: [[Double]]) -> [LearnerRankStatus] {
        rows.enumerated().map { rank, row in
            let value = { (i: Int) in UInt64(max(0, row[i])) }
            return LearnerRankStatus(
                rank: UInt32(rank), replaySteps: value(0), replayTrials: value(1), updates: value(4), rejections: value(3),
                time: ["sample": row[5], "forward_backward": row[6], "allreduce": row[7], "sync": row[8]])
        }
    }

    /// Compares every rank's weight checksum; the error when they differ (every rank sees
    /// the same list, so all of them stop).
    func checkWeights(_ group: DataParallelGroup) -> RankDivergenceError? {
        let checksums = group.weightChecksums(learner)
        guard Set(checksums).count > 1 else { return nil }
        let error = RankDivergenceError(checksums: checksums, update: learner.updates)
        logger.critical("\(error)")
        return error
    }

    /// Samples this rank's batch from its replay shard (windows with out-of-vocabulary
    /// tokens are counted and skipped); with ranks, true only if every rank has one, since
    /// the gradient sum needs them all.
    func sampleShardBatch(group: DataParallelGroup?) -> Bool {
        let sampled = state.shared.withLock { s in
            let refusedBefore = learner.refusedWindows
            defer {
                for _ in refusedBefore..<learner.refusedWindows { s.rejections.count("token_range") }
            }
            return s.replay.storedSteps >= shard.minReplaySteps && learner.sampleBatch(from: s.replay, using: &rng)
        }
        return group.map { $0.allReady(sampled) } ?? sampled
    }

    /// A rank other than 0: no sockets. Each iteration it takes rank 0's orders and the
    /// trials rank 0 forwarded to it, stores them in its replay shard, samples its batch
    /// and trains in step with the others; it writes its replay shard when rank 0 writes
    /// a checkpoint, and leaves when rank 0 stops.
    func runFollower(_ group: DataParallelGroup) throws {
        let config = options.config
        let tokenizer = Tokenizer(config: config.tokenizer)
        let validator = ExperienceValidator(
            configFingerprint: config.fingerprint, maxMapSide: UInt32(min(config.tokenizer.canvas, 16)),
            maxSteps: 1 << 14, actions: UInt32(config.model.actions))
        // Never bound: its ingest path stores what rank 0 forwards.
        let ingest = ExperienceIngest(
            context: context, endpoint: options.endpoints.experience, maxFrameBytes: options.maxFrameBytes,
            validator: validator, tokenizer: tokenizer, state: state, logger: logger, tracksSequences: false)
        if options.resume, let folder = options.runFolder { restoreReplay(from: folder) }
        group.broadcastState(learner, configFingerprint: config.fingerprint)
        rng = Self.samplingRNG(seed: config.seed, rank: group.rank, updates: learner.updates == 0 && !options.resume ? nil : learner.updates)
        logger.info("learner rank \(group.rank) of \(group.ranks): training in step with rank 0 from update \(learner.updates)")
        let clock = ContinuousClock()
        let start = clock.now
        var window = MetricsWindow(start: 0, updates: learner.updates)
        var diverged: RankDivergenceError?
        while true {
            let syncStart = clock.now
            let orders = group.broadcast(orders: .init())
            for frame in group.scatter(frames: nil) {
                do throws(WireDecodeError) {
                    let message = try WireCodec.decode(frame, maxBytes: options.maxFrameBytes)
                    guard case .experience(let chunk) = message else {
                        state.shared.withLock { $0.rejections.count("wrong_message") }
                        continue
                    }
                    ingest.ingest(chunk)
                } catch {
                    state.shared.withLock { $0.rejections.count(error.reason) }
                }
            }
            window.time(.rankSync, since: syncStart, clock: clock)
            if orders.stop { break }
            let sampleStart = clock.now
            if sampleShardBatch(group: group) {
                window.time(.sample, since: sampleStart, clock: clock)
                window.add(learner.trainOnSampledBatch())
            } else {
                Thread.sleep(forTimeInterval: 0.02)
                window.time(.waitingForData, since: sampleStart, clock: clock)
            }
            if orders.checkWeights, let error = checkWeights(group) {
                diverged = error
                break
            }
            if orders.metrics {
                let now = (clock.now - start).seconds
                _ = rankStatistics(group, window: window, now: now)
                window = MetricsWindow(start: now, updates: learner.updates)
            }
            if orders.checkpoint { writeShard() }
        }
        if let diverged { throw diverged }
        writeShard()
        logger.info("learner rank \(group.rank) stopped after \(learner.updates) updates")
    }

    private func writeShard() {
        guard let folder = options.runFolder else { return }
        do {
            try writeReplaySnapshot(to: folder)
        } catch {
            logger.error("rank \(group?.rank ?? 0): replay shard write failed (training continues): \(error)")
        }
    }
}
