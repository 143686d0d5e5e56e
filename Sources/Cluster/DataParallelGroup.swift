import Collective
import DQN
import Foundation
import Logging
import NN
import Transport

/// The ranks of a data-parallel learner (`mpirun -np N icrl learner`), as one learner sees
/// them. Rank 0 is the learner actors know: it binds the sockets, takes every actor's
/// experience and forwards each trial to the rank that owns it; every rank keeps a replay
/// shard, samples its own batch, and the ranks sum their gradients before one shared AdamW
/// step. All of it happens in lockstep, once per training-loop iteration, from the
/// training thread (MPI is initialised funneled).
///
/// A collective that fails ends the job with a logged reason (fail-stop): the ranks must
/// not drift apart, and MPI offers no way to continue without the lost rank.
public final class DataParallelGroup: GradientReducer {
    public let communicator: MPICommunicator
    public var rank: Int { communicator.rank }
    public var ranks: Int { communicator.size }
    let logger: Logger

    public init(communicator: MPICommunicator, logger: Logger) {
        self.communicator = communicator
        self.logger = logger
    }

    /// What rank 0 tells every rank at the top of an iteration.
    public struct Orders: Equatable, Sendable {
        /// Leave the loop (the time or update budget is spent, or a stop was asked for).
        public var stop = false
        /// Write checkpoints now: rank 0 the weights and its replay, the others their shard.
        public var checkpoint = false
        /// Report per-rank statistics to rank 0 now (a metrics line is due).
        public var metrics = false
        /// Compare weight checksums now.
        public var checkWeights = false

        public init(stop: Bool = false, checkpoint: Bool = false, metrics: Bool = false, checkWeights: Bool = false) {
            self.stop = stop
            self.checkpoint = checkpoint
            self.metrics = metrics
            self.checkWeights = checkWeights
        }

        var bits: Int64 { (stop ? 1 : 0) | (checkpoint ? 2 : 0) | (metrics ? 4 : 0) | (checkWeights ? 8 : 0) }
        init(bits: Int64) {
            self.init(stop: bits & 1 != 0, checkpoint: bits & 2 != 0, metrics: bits & 4 != 0, checkWeights: bits & 8 != 0)
        }
    }

    /// Rank 0's orders to every rank (`orders` is read on rank 0 only).
    public func broadcast(orders: Orders) -> Orders {
        var bits = orders.bits
        collective("broadcast the orders") {
            try withUnsafeMutableBytes(of: &bits) { raw in try communicator.broadcast(raw) }
        }
        return Orders(bits: bits)
    }

    /// Rank 0 sends each rank the experience frames it forwarded since the last iteration;
    /// every rank gets its own (rank 0: `frames` is read, one list per rank; its own entry
    /// comes back empty).
    public func scatter(frames: [[[UInt8]]]?) -> [[UInt8]] {
        let payloads = frames.map { $0.map(Self.pack) }
        let mine = collective("forward experience") { try communicator.scatter(payloads) }
        return Self.unpack(mine)
    }

    /// True when every rank can sample a batch (the smallest vote wins).
    public func allReady(_ ready: Bool) -> Bool {
        collective("vote on readiness") { try communicator.allreduceMin(ready ? 1 : 0) } == 1
    }

    /// Every rank's checksum of `learner`'s online weights; equal on a healthy group.
    public func weightChecksums(_ learner: DQNLearner) -> [UInt64] {
        let checksum = Self.checksum(learner.online.parameters)
        return collective("compare weight checksums") { try communicator.allgather(checksum) }
    }

    /// Every rank's `values` at rank 0, in rank order (nil on the others).
    public func gather(_ values: [Double]) -> [[Double]]? {
        collective("gather rank statistics") { try communicator.gather(values) }
    }

    /// Makes every rank's learner rank 0's: online and target weights, AdamW moments and
    /// step, update count. Run once before training (after a resume or a warm start).
    /// Refuses (ending the job) when the ranks' configs differ: their buffers would not match.
    public func broadcastState(_ learner: DQNLearner, configFingerprint: UInt64) {
        let identity = configFingerprint ^ (UInt64(learner.online.parameters.count) &* 0x9E37_79B9_7F4A_7C15)
        let all = collective("compare configs") { try communicator.allgather(identity) }
        if Set(all).count > 1 {
            logger.critical("the learner ranks were started with different configs (model, tokenizer or DQN settings): give every rank the same --preset/--config (rank 0's run folder has config.json); ending the job")
            communicator.abort(code: 2)
        }
        for buffer in [learner.online.parameters, learner.target.parameters, learner.optimizer.m, learner.optimizer.v] {
            collective("broadcast the weights") {
                try communicator.broadcast(UnsafeMutableRawBufferPointer(start: buffer.pointer, count: buffer.count * MemoryLayout<Float>.size))
            }
            buffer.markModified()
        }
        var counters = [Int64(learner.updates), Int64(learner.optimizer.step)]
        collective("broadcast the counters") {
            try counters.withUnsafeMutableBytes { raw in try communicator.broadcast(raw) }
        }
        learner.updates = Int(counters[0])
        learner.optimizer.step = Int(counters[1])
    }

    // MARK: GradientReducer

    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {
        collective("sum the gradient") { try communicator.allreduceSum(values) }
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        collective("sum the loss normalisers") { try communicator.allreduceSum(values) }
    }

    // MARK: Helpers

    /// The rank that owns a trial: a hash of (incarnation, trial), so every chunk of a trial
    /// goes to the same rank, in order, and trials spread evenly whatever the actor count.
    public static func owner(incarnation: UInt64, trialID: UInt64, ranks: Int) -> Int {
        guard ranks > 1 else { return 0 }
        var z = incarnation &+ trialID &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(ranks))
    }

    /// FNV-1a of a parameter buffer's bytes.
    public static func checksum(_ buffer: ParameterBuffer) -> UInt64 {
        FNV1a64.hash(UnsafeRawBufferPointer(start: buffer.pointer, count: buffer.count * MemoryLayout<Float>.size))
    }

    /// Frames as one payload: a little-endian UInt32 length before each.
    public static func pack(_ frames: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(frames.reduce(0) { $0 + 4 + $1.count })
        for frame in frames {
            withUnsafeBytes(of: UInt32(frame.count).littleEndian) { out += $0 }
            out += frame
        }
        return out
    }

    /// The frames of a payload `pack` made. A truncated tail (impossible from `pack`) ends it.
    public static func unpack(_ payload: [UInt8]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var at = 0
        while at + 4 <= payload.count {
            let n = Int(UInt32(payload[at]) | UInt32(payload[at + 1]) << 8 | UInt32(payload[at + 2]) << 16 | UInt32(payload[at + 3]) << 24)
            at += 4
            guard at + n <= payload.count else { break }
            frames.append(Array(payload[at..<(at + n)]))
            at += n
        }
        return frames
    }

    /// Runs one MPI call; a failure ends the whole job after saying what failed.
    private func collective<T>(_ what: String, _ body: () throws -> T) -> T {
        do {
            return try body()
        } catch {
            logger.critical("rank \(rank) of \(ranks): could not \(what): \(error); ending the job (a lost rank stops every rank; restart with --resume)")
            communicator.abort(code: 3)
        }
    }
}
