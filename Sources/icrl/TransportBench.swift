import ArgumentParser
import Foundation
import Transport

/// `icrl bench transport`: experience chunks through ZeroMQ + protobuf-c + decoding,
/// against raw libzmq frames of the same size, over loopback TCP in one run.
struct TransportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport",
        abstract: "Experience chunks/s through ZeroMQ + protobuf-c + validation vs raw libzmq frames of the same size.",
        discussion: """
            A sender thread and a receiver thread talk over tcp://127.0.0.1. The raw run sends
            one pre-built frame over and over; the codec run encodes a fresh chunk per message
            and the receiver decodes and validates every one, as the learner does. `codec_to_raw_ratio` is the figure to watch.
            """
    )

    @Option(help: "Steps per experience chunk (sets the message size).")
    var steps = 64

    @Option(help: "Messages per measurement.")
    var messages = 100_000

    @Option(help: "Raw and codec measurements alternate this many times; the figures are medians, so one noisy round (another process, a frequency step) cannot decide the ratio.")
    var rounds = 5

    @OptionGroup var output: BenchOutputOptions

    func validate() throws {
        guard steps >= 1, steps <= 100_000 else { throw ValidationError("--steps must be in 1...100000") }
        guard messages >= 1_000 else { throw ValidationError("--messages must be at least 1000 for a stable figure") }
        guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be in 1...100") }
    }

    func run() throws {
        let sample = Self.chunk(steps: steps, sequence: 0)
        let frameBytes = WireCodec.encode(.experience(sample)).count
        let decoder = WireDecoder()
        let validator = ExperienceValidator(configFingerprint: sample.configFingerprint)
        var raws: [Double] = [], codecs: [Double] = [], ratios: [Double] = []
        var rejected = 0
        for _ in 0..<rounds {
            let raw = try Self.measure(messages: messages) { sequence in
                [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: frameBytes)
            } receive: { _ in true }
            let codec = try Self.measure(messages: messages) { sequence in
                // An actor holds its steps already; what it pays per chunk is the stamp and the encode.
                var chunk = sample
                chunk.sequence = UInt64(sequence)
                return WireCodec.encode(chunk)
            } receive: { message in
                // What the learner does with every frame: decode and validate.
                guard case .experience(let chunk)? = try? decoder.decode(message),
                      (try? validator.validate(chunk)) != nil else { return false }
                return chunk.count == steps
            }
            raws.append(raw.perSecond)
            codecs.append(codec.perSecond)
            ratios.append(codec.perSecond / raw.perSecond)
            rejected += codec.rejected
        }
        // A frame the learner would refuse means the benchmark measured the wrong path.
        guard rejected == 0 else {
            throw ValidationError("\(rejected) benchmark chunks failed validation; the codec figure would not be the learner's path")
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        // Per-message costs on one thread, to see which side limits the pipeline.
        let encoded = WireCodec.encode(sample)
        let encodeSeconds = Self.time(repeats: 20_000) { i in
            var chunk = sample
            chunk.sequence = UInt64(i)
            _ = WireCodec.encode(chunk)
        }
        let decodeSeconds = Self.time(repeats: 20_000) { _ in
            _ = encoded.withUnsafeBytes { try? decoder.decode($0) }
        }
        try output.emit([
            "encode_us": encodeSeconds * 1e6,
            "decode_us": decodeSeconds * 1e6,
            "bench": "transport",
            "frame_bytes": frameBytes,
            "steps_per_chunk": steps,
            "messages": messages,
            "rounds": rounds,
            "raw_msgs_per_s": median(raws),
            "codec_msgs_per_s": median(codecs),
            "codec_steps_per_s": median(codecs) * Double(steps),
            "codec_to_raw_ratio": median(ratios),
            "codec_to_raw_ratio_min": ratios.min() ?? 0,
            "codec_to_raw_ratio_max": ratios.max() ?? 0,
            "codec_rejected": rejected,
        ])
    }

    static func chunk(steps: Int, sequence: UInt64) -> ExperienceChunk {
        let cells = UInt32(25)
        let observations = (0..<steps).map { UInt32($0) % cells }
        return ExperienceChunk(
            actorID: "bench-actor", incarnation: 1, trialID: sequence / 8, sequence: sequence,
            policyVersion: sequence / 100, configFingerprint: 0xABCD, mapRows: 5, mapCols: 5,
            firstStep: sequence * UInt64(steps), trialDone: false, behaviour: .model,
            observations: observations, actions: (0..<steps).map { UInt32($0 & 3) },
            rewards: (0..<steps).map { $0 % 20 == 19 ? 1 : 0 },
            nextObservations: observations.map { ($0 + 1) % cells },
            // An episode every 20 steps: it starts, and its last step reaches the goal (reward 1
            // is only valid on a terminating step, so the validator checks every step).
            flags: (0..<steps).map { $0 % 20 == 0 ? StepFlags.episodeStart.rawValue : ($0 % 20 == 19 ? StepFlags.terminated.rawValue : 0) })
    }

    /// Mean seconds per call of `body` over `repeats` calls.
    static func time(repeats: Int, _ body: (Int) -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<repeats { body(i) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repeats)
    }

    struct Measurement {
        var perSecond: Double
        var rejected: Int
    }

    /// Sends `messages` frames made by `make` from a sender thread; the calling thread
    /// receives them all and checks each with `receive`. Times first-receive to last.
    static func measure(
        messages: Int,
        make: @escaping @Sendable (Int) -> [UInt8],
        receive check: (ZMQMessage) -> Bool
    ) throws -> Measurement {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context, .pull)
        try pull.setReceiveTimeout(milliseconds: 10_000)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint
        let sender = DedicatedThread(name: "bench-sender") {
            do {
                let push = try ZMQSocket(context, .push)
                try push.setLinger(milliseconds: 10_000)
                try push.connect(endpoint)
                for sequence in 0..<messages {
                    try push.send(make(sequence))
                }
                push.close()
            } catch {
                FileHandle.standardError.write(Data("sender failed: \(error)\n".utf8))
            }
        }
        var rejected = 0
        guard let first = try pull.receiveMessage() else { throw ZMQError("zmq_msg_recv", code: EAGAIN) }
        if !check(first) { rejected += 1 }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 1..<messages {
            guard let message = try pull.receiveMessage() else { throw ZMQError("zmq_msg_recv", code: EAGAIN) }
            if !check(message) { rejected += 1 }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        sender.join()
        pull.close()
        return Measurement(perSecond: Double(messages - 1) / seconds, rejected: rejected)
    }
}
