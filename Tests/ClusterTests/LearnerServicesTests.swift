import CZeroMQ
import Cluster
import DQN
import Foundation
import Synchronization
import Testing
import Transport

/// Runs the learner's ingest and control loops on their threads over real
/// loopback sockets and talks to them as actors — well-behaved and not.
@Suite("learner services over sockets", .serialized)
struct LearnerServicesTests {
    static let fingerprint: UInt64 = 0xF00D

    final class Running: @unchecked Sendable {
        let context: ZMQContext
        let state: LearnerState
        let control: ControlService
        let experienceEndpoint: String
        let controlEndpoint: String
        let threads: [DedicatedThread]

        init() throws {
            context = try ZMQContext()
            state = LearnerState(replay: ReplayBuffer(capacitySteps: 100_000), heartbeatTimeout: 5)
            let tokenizer = Tokenizer(config: TokenizerConfig())
            let ingest = ExperienceIngest(
                context: context, endpoint: "tcp://127.0.0.1:*", maxFrameBytes: 64 << 10,
                validator: ExperienceValidator(configFingerprint: LearnerServicesTests.fingerprint, maxMapSide: 8),
                tokenizer: tokenizer, state: state)
            control = ControlService(
                context: context, endpoint: "tcp://127.0.0.1:*", configFingerprint: LearnerServicesTests.fingerprint,
                learnerID: "test-learner", heartbeatIntervalMilliseconds: 200, state: state)
            let endpoints = Mutex<[String: String]>([:])
            let ready = DispatchSemaphore(value: 0)
            let control = self.control
            threads = [
                DedicatedThread(name: "ingest") {
                    try? ingest.run { e in endpoints.withLock { $0["experience"] = e }; ready.signal() }
                },
                DedicatedThread(name: "control") {
                    try? control.run { e in endpoints.withLock { $0["control"] = e }; ready.signal() }
                },
            ]
            ready.wait()
            ready.wait()
            experienceEndpoint = endpoints.withLock { $0["experience"]! }
            controlEndpoint = endpoints.withLock { $0["control"]! }
        }

        func stop() {
            control.requestShutdown(reason: "test over")
            context.shutdown()
            for thread in threads { thread.join() }
        }

        /// Polls until `condition` holds on the shared state or 5 s pass.
        func wait(_ condition: (LearnerState.Shared) -> Bool) -> Bool {
            for _ in 0..<500 {
                if state.shared.withLock({ condition($0) }) { return true }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return false
        }
    }

    static func chunk(trial: UInt64, sequence: UInt64, first: UInt64, done: Bool, fingerprint: UInt64 = fingerprint) -> ExperienceChunk {
        ExperienceChunk(
            actorID: "actor-a", incarnation: 1, trialID: trial, sequence: sequence, policyVersion: 0,
            configFingerprint: fingerprint, mapRows: 3, mapCols: 3, firstStep: first, trialDone: done, behaviour: .random,
            // A first chunk walks 0 → 1 → 2 → 5; a continuation goes on from 5 (4, 3, 6).
            observations: first == 0 ? [0, 1, 2] : [5, 4, 3], actions: first == 0 ? [2, 2, 1] : [0, 0, 1],
            rewards: [0, 0, done ? 1 : 0], nextObservations: first == 0 ? [1, 2, 5] : [4, 3, 6],
            flags: [first == 0 ? StepFlags([.episodeStart, .mapStart]).rawValue : 0, 0, done ? StepFlags.terminated.rawValue : 0])
    }

    @Test("chunks lost in transit are counted from sequence jumps; a late chunk (two connections drained together) is not a new jump")
    func lostChunks() throws {
        let context = try ZMQContext()
        defer { context.shutdown() }
        let state = LearnerState(replay: ReplayBuffer(capacitySteps: 100_000), heartbeatTimeout: 5)
        let ingest = ExperienceIngest(
            context: context, endpoint: "tcp://127.0.0.1:*", maxFrameBytes: 64 << 10,
            validator: ExperienceValidator(configFingerprint: Self.fingerprint, maxMapSide: 8),
            tokenizer: Tokenizer(config: TokenizerConfig()), state: state)
        // One-chunk trials, so that only the sequence numbers differ: 2 and 3 never come,
        // 4 arrives after 6 and 7 (an old connection's queue drained beside a new one's).
        for sequence: UInt64 in [0, 1, 5, 6, 4, 7] {
            ingest.ingest(Self.chunk(trial: 100 + sequence, sequence: sequence, first: 0, done: true))
        }
        let (lost, received, refused) = state.shared.withLock { ($0.lostChunks, $0.chunksReceived, $0.rejections.total) }
        #expect(received == 6 && refused == 0)
        // 2, 3 and 4 were missing when 5 arrived; before the fix, 4 arriving late reset the
        // newest sequence and 7 then counted 5 and 6 as lost too.
        #expect(lost == 3)
    }

    @Test("good chunks reach the replay; malformed, oversized and mismatched ones are counted by reason")
    func ingest() throws {
        let learner = try Running()
        defer { learner.stop() }
        let push = try ZMQSocket(learner.context, .push)
        defer { push.close() }
        try push.setLinger(milliseconds: 0)
        try push.connect(learner.experienceEndpoint)
        try push.send(WireCodec.encode(Self.chunk(trial: 1, sequence: 0, first: 0, done: false)))
        try push.send(WireCodec.encode(Self.chunk(trial: 1, sequence: 1, first: 3, done: true)))
        try push.send([0xDE, 0xAD, 0xBE, 0xEF])                                                         // decode_error
        try push.send(WireCodec.encode(Self.chunk(trial: 2, sequence: 2, first: 0, done: true, fingerprint: 1)))  // config_fingerprint
        try push.send(WireCodec.encode(.heartbeat(Heartbeat(actorID: "a", incarnation: 1, unixTimeMilliseconds: 0, policyVersion: 0))))  // wrong_socket
        var bad = Self.chunk(trial: 3, sequence: 3, first: 0, done: false)
        bad.actions[0] = 9
        try push.send(WireCodec.encode(bad))                                                             // action_range
        try push.send(WireCodec.encode(Self.chunk(trial: 4, sequence: 4, first: 6, done: false)))         // gap
        #expect(learner.wait { $0.rejections.total == 5 && $0.stepsReceived == 6 })
        let counts = learner.state.shared.withLock { $0.rejections.byReason }
        #expect(counts == ["decode_error": 1, "config_fingerprint": 1, "wrong_socket": 1, "action_range": 1, "gap": 1])
        #expect(learner.state.shared.withLock { $0.replay.completedTrials } == 1)

        // An oversized frame makes libzmq drop that connection; the learner keeps going.
        let big = try ZMQSocket(learner.context, .push)
        try big.setLinger(milliseconds: 0)
        try big.connect(learner.experienceEndpoint)
        try big.send([UInt8](repeating: 0, count: 100 << 10))
        big.close()
        try push.send(WireCodec.encode(Self.chunk(trial: 5, sequence: 5, first: 0, done: true)))
        #expect(learner.wait { $0.stepsReceived == 9 })
    }

    @Test("hello with the right config is accepted, a wrong one refused with a reason; weights are served")
    func control() throws {
        let learner = try Running()
        defer { learner.stop() }
        learner.state.shared.withLock {
            $0.weightsVersion = 7
            $0.weightsFrame = WireCodec.encode(.weights(WeightsMessage(version: 7, configFingerprint: Self.fingerprint, configJSON: "{}", tensors: [])))
        }
        func ask(_ message: WireMessage, id: String) throws -> WireMessage? {
            let dealer = try ZMQSocket(learner.context, .dealer)
            defer { dealer.close() }
            try dealer.setLinger(milliseconds: 0)
            try dealer.setReceiveTimeout(milliseconds: 5_000)
            try dealer.setOption(ZMQ_ROUTING_ID, bytes: Array(id.utf8))
            try dealer.connect(learner.controlEndpoint)
            try dealer.send(WireCodec.encode(message))
            return try dealer.receive().map { try WireCodec.decode($0) }
        }
        let good = try ask(.hello(Hello(actorID: "a", host: "h", pid: 1, configFingerprint: Self.fingerprint, incarnation: 1, environments: 4)), id: "a")
        guard case .helloReply(let accepted)? = good else { Issue.record("no reply"); return }
        #expect(accepted.accepted && accepted.weightsVersion == 7)
        let wrong = try ask(.hello(Hello(actorID: "b", host: "h", pid: 2, configFingerprint: 1, incarnation: 1, environments: 4)), id: "b")
        guard case .helloReply(let refused)? = wrong else { Issue.record("no reply"); return }
        #expect(!refused.accepted && refused.reason.contains("fingerprint"))
        let weights = try ask(.weightsRequest(WeightsRequest(actorID: "a", haveVersion: 0)), id: "a2")
        guard case .weights(let w)? = weights else { Issue.record("no weights"); return }
        #expect(w.version == 7)
        #expect(learner.state.shared.withLock { $0.peers.liveCount } == 1)
    }
}
