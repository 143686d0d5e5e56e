// Stateful libFuzzer target over the learner's path from chunks to the model's input:
// sequences of experience chunks from several fake actors → validate → replay (trials
// assembled across chunks) → window sampling → tokenization, checking after every chunk that
// each stored trial keeps `TrialInvariants` and that every token of sampled windows indexes
// its embedding table, for each observation encoding. No model runs.
//
// Built only by scripts/fuzz.sh (`make fuzz`), like Fuzz/WireFuzz; a violated property
// stops the fuzzer with the input saved in Fuzz/artifacts/.
//
// The input is a program. Each chunk op is:
//   op      bits 0-1 actor (incarnation 1-4), bits 2-4 trial id, bit 5 honest first step
//           (continue where the trial stopped, else the next byte is the first step),
//           bit 6 honest observations (each step starts where the previous one landed)
//   shape   rows = 1 + (b % 10), cols = 1 + (next b % 10), steps = 1 + (next b % 8)
//   steps   per step: observation, next observation, action, flags (one byte each)
// A leading byte 0xFF before an op samples and checks windows instead.
import Cluster
import DQN
import Foundation
import Transport

let fingerprint: UInt64 = 0x0123_4567_89AB_CDEF
let validator = ExperienceValidator(configFingerprint: fingerprint, maxMapSide: 8, maxSteps: 1 << 14, actions: 4)
let tokenizers = TokenizerConfig.ObservationEncoding.allCases.map {
    Tokenizer(config: TokenizerConfig(observation: $0, canvas: 8, randomPlacement: true))
}
let invariants = TrialInvariants(tokenizer: tokenizers[0].config)

struct Program {
    var bytes: UnsafeRawBufferPointer
    var offset = 0
    mutating func next() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }
}

struct FakeActor {
    var stepsSent: [UInt64: UInt64] = [:]
    var lastNext: [UInt64: UInt32] = [:]
    var sequence: UInt64 = 0
}

/// Builds the chunk an op describes; nil when the input runs out.
func chunk(op: UInt8, actors: inout [FakeActor], program: inout Program) -> ExperienceChunk? {
    let actor = Int(op & 3), trial = UInt64((op >> 2) & 7)
    let first: UInt64
    if op & 0x20 != 0 { first = actors[actor].stepsSent[trial] ?? 0 } else { guard let b = program.next() else { return nil }; first = UInt64(b) }
    guard let r = program.next(), let c = program.next(), let n = program.next() else { return nil }
    let rows = UInt32(1 + r % 10), cols = UInt32(1 + c % 10), count = Int(1 + n % 8)
    var observations: [UInt32] = [], next: [UInt32] = [], actions: [UInt32] = [], flags: [UInt32] = []
    var landed = actors[actor].lastNext[trial]
    for _ in 0..<count {
        guard let o = program.next(), let x = program.next(), let a = program.next(), let f = program.next() else { return nil }
        let observation = op & 0x40 != 0 ? (landed ?? UInt32(o) % (rows * cols)) : UInt32(o)
        observations.append(observation)
        next.append(UInt32(x))
        actions.append(UInt32(a % 5))
        flags.append(UInt32(f % 16))
        landed = UInt32(x)
    }
    actors[actor].stepsSent[trial] = first &+ UInt64(count)
    actors[actor].lastNext[trial] = landed
    actors[actor].sequence += 1
    return ExperienceChunk(
        actorID: "fuzz-\(actor)", incarnation: UInt64(actor + 1), trialID: trial, sequence: actors[actor].sequence,
        policyVersion: 0, configFingerprint: fingerprint, mapRows: rows, mapCols: cols, firstStep: first,
        trialDone: flags.last.map { $0 & 3 != 0 } ?? false && n & 0x80 != 0, behaviour: .random,
        observations: observations, actions: actions, rewards: flags.map { $0 & 1 != 0 ? 1 : 0 }, nextObservations: next,
        flags: flags)
}

/// Windows as the learner samples them; every token must index its table.
func checkWindows(_ replay: ReplayBuffer, seed: UInt64) {
    var rng = SplitMix(seed)
    for _ in 0..<4 {
        guard let window = replay.sampleWindow(length: 16, using: &rng) else { return }
        let steps = replay.trials[window.trial].steps
        let previous = window.start > 0 ? steps[window.start - 1] : nil
        for tokenizer in tokenizers {
            var tokens = [Int32](repeating: -1, count: window.count * tokenizer.featureCount)
            steps.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[window.start..<(window.start + window.count)])
                tokens.withUnsafeMutableBufferPointer { tokenizer.encode(into: $0.baseAddress!, window: slice, previous: previous) }
            }
            guard tokens.withUnsafeBufferPointer({ tokenizer.inVocabulary($0) }) else {
                fatalError("a sampled window tokenizes outside the \(tokenizer.config.observation) tables: \(tokens)")
            }
        }
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func run(_ bytes: UnsafeRawBufferPointer) {
    var program = Program(bytes: bytes)
    var actors = [FakeActor](repeating: FakeActor(), count: 4)
    var replay = ReplayBuffer(capacitySteps: 512, maxTrialSteps: 256, invariants: invariants)
    var ops: UInt64 = 0
    while let op = program.next() {
        ops += 1
        if op == 0xFF {
            checkWindows(replay, seed: ops)
            continue
        }
        guard let chunk = chunk(op: op, actors: &actors, program: &program) else { break }
        _ = try? replay.ingest(chunk, validator: validator, tokenizer: tokenizers[0])
        for trial in replay.trials {
            do { try invariants.check(trial.steps, after: nil) } catch { fatalError("the replay stored a trial that breaks \(error)") }
        }
        checkWindows(replay, seed: ops)
    }
    // A restart restores the same replay.
    guard let restored = try? ReplayBuffer.restore(snapshot: replay.snapshot(), capacitySteps: 512, maxTrialSteps: 256, invariants: invariants),
          restored.storedSteps == replay.storedSteps
    else { fatalError("the replay's snapshot does not restore") }
}

/// Seed programs: an honest trial over two chunks, and the map-size change that once
/// crashed the learner (a 3×3 trial continued as an 8×8 map at cell 63).
let seeds: [[UInt8]] = [
    [0x60, 2, 2, 1, 0, 3, 1, 4, 3, 6, 1, 0, 0x60, 2, 2, 0, 6, 7, 2, 0, 0xFF],
    [0x60, 2, 2, 1, 0, 3, 1, 12, 3, 6, 1, 0, 0x20, 7, 7, 0, 63, 62, 0, 0, 0xFF],
    [0x61, 4, 4, 7, 0, 1, 2, 12, 1, 2, 2, 0, 2, 3, 2, 0, 3, 7, 1, 0, 7, 11, 1, 0, 11, 15, 1, 0, 15, 14, 0, 1, 14, 13, 0, 4, 0xFF],
]

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    if let folder = ProcessInfo.processInfo.environment["ICRL_FUZZ_SEEDS"] {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (i, seed) in seeds.enumerated() {
            _ = FileManager.default.createFile(atPath: "\(folder)/seed-replay-\(i)", contents: Data(seed))
        }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt

@_cdecl("icrl_fuzz_replay_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}
