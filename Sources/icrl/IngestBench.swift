import ArgumentParser
import Cluster
import DQN
import Foundation
import Synchronization
import Transport

/// `icrl bench ingest`: how fast the learner's real ingest path (PULL → decode → validate
/// → replay) takes experience from several sender processes that replay prerecorded
/// chunks as fast as ZeroMQ lets them, and whether it loses any.
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Transitions/s the learner's ingest path accepts from N sender processes replaying recorded chunks; counts drops.",
        discussion: """
            The benchmark records experience once (random and oracle trials, the actors'
            chunk size), starts --senders processes (`icrl bench ingest-sender`) that each
            replay the recording to the learner's PULL socket with blocking sends for
            --seconds, and runs `ExperienceIngest` — the learner's own receive loop, with no
            training to throttle it — in this process. Received, rejected and lost chunks
            are compared with what the senders report having sent.
              icrl bench ingest --json
              icrl bench ingest --senders 4 --chunk-steps 256 --seconds 10
            """)

    @Option(help: "Sender processes.")
    var senders = 4

    @Option(help: "Seconds each sender replays.")
    var seconds = 5.0

    @Option(help: "Steps per chunk (the actors' default is 64).")
    var chunkSteps = 64

    @Option(help: "Steps to record before replaying.")
    var recordSteps = 200_000

    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        guard (1...64).contains(senders) else { throw ValidationError("--senders must be in 1...64") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard (1...4096).contains(chunkSteps) else { throw ValidationError("--chunk-steps must be in 1...4096") }
        guard recordSteps >= 10_000 else { throw ValidationError("--record-steps must be at least 10000") }
    }

    func run() throws {
        var config = RunConfig.preset(.best)
        config.rollout.chunkSteps = chunkSteps
        config.rollout.modelWeight = 0
        config.rollout.randomWeight = 1
        config.rollout.oracleWeight = 1
        let recording = FileManager.default.temporaryDirectory.appendingPathComponent("icrl-ingest-\(getpid()).pb")
        defer { try? FileManager.default.removeItem(at: recording) }
        try Self.record(config: config, steps: recordSteps, to: recording)

        let tokenizer = Tokenizer(config: config.tokenizer)
        let state = LearnerState(replay: ReplayBuffer(capacitySteps: 4_000_000), heartbeatTimeout: 3_600)
        let validator = ExperienceValidator(
            configFingerprint: config.fingerprint, maxMapSide: UInt32(config.tokenizer.canvas),
            maxSteps: 1 << 14, actions: UInt32(config.model.actions))
        let context = try ZMQContext()
        let ingest = ExperienceIngest(
            context: context, endpoint: "tcp://127.0.0.1:*", maxFrameBytes: 4 << 20,
            validator: validator, tokenizer: tokenizer, state: state)
        let endpoint = Mutex<String?>(nil)
        let receiver = DedicatedThread(name: "ingest") {
            do {
                try ingest.run { bound in endpoint.withLock { $0 = bound } }
            } catch {
                FileHandle.standardError.write(Data("ingest failed: \(error)\n".utf8))
            }
        }
        var bound: String?
        for _ in 0..<500 where bound == nil {
            bound = endpoint.withLock { $0 }
            if bound == nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        guard let bound else { throw ValidationError("the ingest socket did not bind") }

        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var processes: [(Process, Pipe)] = []
        for k in 0..<senders {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["bench", "ingest-sender", "--file", recording.path, "--endpoint", bound,
                                 "--seconds", String(seconds), "--sender", String(k)]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            processes.append((process, pipe))
        }
        // Watch the counter: the rate is steps over the span from first to last arrival.
        var firstArrival: Double?
        var lastArrival = 0.0
        var lastCount = 0
        while processes.contains(where: { $0.0.isRunning }) {
            let count = state.shared.withLock { $0.stepsReceived }
            let now = state.now
            if count > 0, firstArrival == nil { firstArrival = now }
            if count != lastCount { lastArrival = now; lastCount = count }
            Thread.sleep(forTimeInterval: 0.002)
        }
        var sentChunks = 0, sentSteps = 0
        for (process, pipe) in processes {
            process.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            guard process.terminationStatus == 0,
                  let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int] else {
                throw ValidationError("a sender failed (status \(process.terminationStatus)): \(text)")
            }
            sentChunks += object["chunks"] ?? 0
            sentSteps += object["steps"] ?? 0
        }
        // Drain what is still in flight, then stop.
        let deadline = state.now + 5
        while state.now < deadline, state.shared.withLock({ $0.stepsReceived }) < sentSteps {
            let count = state.shared.withLock { $0.stepsReceived }
            if count != lastCount { lastArrival = state.now; lastCount = count }
            Thread.sleep(forTimeInterval: 0.002)
        }
        state.stopping.store(true, ordering: .relaxed)
        receiver.join()
        context.shutdown()
        let s = state.shared.withLock { $0 }
        let span = max(1e-9, lastArrival - (firstArrival ?? 0))
        try output.emit([
            "bench": "ingest",
            "senders": senders,
            "chunk_steps": chunkSteps,
            "sent_chunks": sentChunks,
            "sent_transitions": sentSteps,
            "received_chunks": s.chunksReceived,
            "received_transitions": s.stepsReceived,
            "dropped_transitions": sentSteps - s.stepsReceived,
            "rejected_chunks": s.rejections.total,
            "lost_chunks": s.lostChunks,
            "seconds": span,
            "transitions_per_s": Double(s.stepsReceived) / span,
            "target_transitions_per_s": 1_000_000,
        ])
        // Losing or refusing recorded experience is a failure, whatever the speed.
        guard sentSteps == s.stepsReceived, s.rejections.total == 0, s.lostChunks == 0 else {
            throw ValidationError("ingest lost experience: sent \(sentSteps), received \(s.stepsReceived), rejected \(s.rejections.total), lost chunks \(s.lostChunks)")
        }
    }

    /// Plays random and oracle trials and writes their chunks to `url`, as `icrl collect` does.
    static func record(config: RunConfig, steps: Int, to url: URL) throws {
        let tokenizer = Tokenizer(config: config.tokenizer)
        let worker = try RolloutWorker(config: config.rollout, tokenizer: tokenizer, incarnation: 1, seed: 7)
        let writer = try ExperienceFile.Writer(url: url)
        var builders = (0..<config.rollout.environments).map { _ in
            ChunkBuilder(actorID: "recorder", incarnation: 1, configFingerprint: config.fingerprint, capacity: config.rollout.chunkSteps)
        }
        for i in builders.indices { builders[i].beginTrial() }
        var sequence: UInt64 = 0
        var chunks: [ExperienceChunk] = []
        while worker.stepsTaken < steps {
            worker.step(policy: nil, epsilon: 0) { s in
                chunks += builders[s.slot].add(s, policyVersion: 0, sequence: &sequence)
            }
            for chunk in chunks { try writer.append(.experience(chunk)) }
            chunks.removeAll(keepingCapacity: true)
        }
        try writer.close()
    }
}

/// `icrl bench ingest-sender`: one sender process of `icrl bench ingest`.
struct IngestSender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-sender", abstract: "One sender of icrl bench ingest (started by it).", shouldDisplay: false)

    @Option var file: String
    @Option var endpoint: String
    @Option var seconds: Double
    @Option var sender: Int

    func run() throws {
        var recorded: [ExperienceChunk] = []
        try ExperienceFile.forEachFrame(in: URL(fileURLWithPath: file)) { bytes in
            if case .experience(let chunk) = try WireCodec.decode(bytes) { recorded.append(chunk) }
        }
        // Only whole trials replay cleanly (a trial cut off by the recording's end would
        // continue with a gap on the next pass).
        let lastTrialDone = recorded.lastIndex { $0.trialDone }.map { $0 + 1 } ?? 0
        var trialsEnded = Set<UInt64>()
        for chunk in recorded[..<lastTrialDone] where chunk.trialDone { trialsEnded.insert(chunk.trialID) }
        recorded = recorded.filter { trialsEnded.contains($0.trialID) }
        let context = try ZMQContext()
        let push = try ZMQSocket(context, .push)
        try push.setLinger(milliseconds: 30_000)
        try push.connect(endpoint)
        let incarnation = UInt64(0xB0_0000 + sender)
        let start = Date()
        var sequence: UInt64 = 0, chunks = 0, steps = 0, pass: UInt64 = 0
        while Date().timeIntervalSince(start) < seconds {
            for var chunk in recorded {
                chunk.incarnation = incarnation
                chunk.trialID += pass << 32
                chunk.sequence = sequence
                sequence += 1
                _ = try push.send(WireCodec.encode(chunk))
                chunks += 1
                steps += chunk.count
                if chunks % 256 == 0, Date().timeIntervalSince(start) >= seconds { break }
            }
            pass += 1
        }
        push.close()
        context.shutdown()
        print("{\"chunks\":\(chunks),\"steps\":\(steps)}")
    }
}

/// `icrl bench hostile-sender`: sends every `HostileChunks` attack to a learner, as a peer
/// written from `Proto/` alone could (scripts/test_faults.sh checks the learner counts
/// each and keeps training).
struct HostileSender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostile-sender", abstract: "Send experience that breaks trial invariants (fault tests).", shouldDisplay: false)

    @Option(help: "The learner's address, tcp://HOST:PORT.") var learner: String
    @OptionGroup var runConfig: RunConfigOptions

    func run() throws {
        let config = try runConfig.load()
        let endpoints = try Endpoints(base: learner)
        let context = try ZMQContext()
        let push = try ZMQSocket(context, .push)
        try push.setLinger(milliseconds: 5_000)
        try push.connect(endpoints.experience)
        var expected: [String: Int] = [:]
        for attack in HostileChunks.sequences(fingerprint: config.fingerprint, incarnation: UInt64(getpid())) {
            for chunk in attack.chunks { _ = try push.send(WireCodec.encode(chunk)) }
            expected[attack.reason, default: 0] += 1
        }
        push.close()
        context.shutdown()
        let text = expected.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        print("{\(text)}")
    }
}
