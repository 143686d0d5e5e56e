// libFuzzer target over everything the learner does with bytes from the network:
// decode (protobuf-c through WireDecoder's arena) → validate experience → and, for any
// message that decodes, re-encode and decode again, which must reproduce the same bytes.
//
// Built only by scripts/fuzz.sh (`make fuzz`):
//   ICRL_FUZZ=1 swift build -c release --product icrl-fuzz --scratch-path .build-fuzz \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link,address
// A crash, an ASan report, a leak or a failed round trip stops the fuzzer with the input saved.
//
// SwiftPM links an executable's entry point as `<module>_main` (it renames `main` so tests
// can link executables), which leaves libFuzzer's own `main` out; so the entry point below
// hands control to libFuzzer's driver itself.
import Foundation
import Transport

nonisolated(unsafe) let decoder = WireDecoder(maxBytes: 1 << 20)  // libFuzzer calls in on one thread
let validator = ExperienceValidator(configFingerprint: 0x0123_4567_89AB_CDEF, maxMapSide: 8, maxSteps: 1 << 14, actions: 4)
let fileFrames = FileManager.default.temporaryDirectory.appendingPathComponent("icrl-fuzz-\(getpid()).bin")

/// One valid message of every type, written to `$ICRL_FUZZ_SEEDS` as the starting corpus.
let seeds: [WireMessage] = [
    .experience(ExperienceChunk(
        actorID: "actor-0", incarnation: 7, trialID: 3, sequence: 11, policyVersion: 5,
        configFingerprint: 0x0123_4567_89AB_CDEF, mapRows: 4, mapCols: 4, firstStep: 0, trialDone: true, behaviour: .model,
        observations: [0, 1, 2, 3, 7, 11], actions: [2, 2, 2, 1, 1, 1], rewards: [0, 0, 0, 0, 0, 1],
        nextObservations: [1, 2, 3, 7, 11, 15],
        flags: [StepFlags([.episodeStart, .mapStart]).rawValue, 0, 0, 0, 0, StepFlags.terminated.rawValue])),
    .weights(WeightsMessage(version: 9, configFingerprint: 1, configJSON: "{}", tensors: [
        WireTensor(name: "w", shape: [2, 2], values: [1, 2, 3, 4]),
    ])),
    .hello(Hello(actorID: "a", host: "h", pid: 1, configFingerprint: 2, incarnation: 3, environments: 4)),
    .helloReply(HelloReply(accepted: true, reason: "", learnerID: "l", weightsVersion: 1, heartbeatIntervalMilliseconds: 500)),
    .weightsRequest(WeightsRequest(actorID: "a", haveVersion: 2)),
    .heartbeat(Heartbeat(actorID: "a", incarnation: 3, unixTimeMilliseconds: 4, policyVersion: 5)),
    .stats(ActorStats(actorID: "a", incarnation: 1, envSteps: 2, episodes: 3, successes: 1, envStepsPerSecond: 5, inferenceMilliseconds: 0.5, chunksSent: 6, chunksDropped: 0)),
    .shutdown(reason: "done"),
]

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    if let folder = ProcessInfo.processInfo.environment["ICRL_FUZZ_SEEDS"] {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (i, message) in seeds.enumerated() {
            let bytes = WireCodec.encode(message)
            _ = FileManager.default.createFile(atPath: "\(folder)/seed-\(i)-\(message.kind)", contents: Data(bytes))
        }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt

@_cdecl("icrl_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    // 1. The wire path: what the learner's ingest and control loops do with a frame.
    if let message = try? decoder.decode(bytes) {
        if case .experience(let chunk) = message {
            _ = try? validator.validate(chunk)
        }
        let encoded = WireCodec.encode(message)
        let again = encoded.withUnsafeBytes { raw in try? decoder.decode(raw) }
        guard let again else { fatalError("a decoded message re-encoded into bytes that do not decode") }
        let reencoded = WireCodec.encode(again)
        guard reencoded == encoded else { fatalError("decode → encode → decode → encode changed the bytes") }
    }
    // 2. The experience-file path (icrl learner --dataset): length-delimited frames.
    if count <= 4096, (try? Data(bytes).write(to: fileFrames)) != nil {
        try? ExperienceFile.forEachFrame(in: fileFrames, maxFrameBytes: 1 << 16) { frame in
            if case .experience(let chunk)? = try? decoder.decode(frame) { _ = try? validator.validate(chunk) }
        }
    }
    return 0
}
