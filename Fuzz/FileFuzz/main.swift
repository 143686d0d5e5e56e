// libFuzzer target over the files users download and share: checkpoints (`--init`,
// `--config FILE.safetensors`, `icrl eval --checkpoint`), run config JSON (`--config`), and
// replay snapshots (`--resume`). A file must never trap or read out of bounds: it loads, or
// it is refused with an error. Checked on success: the loaded model has exactly its
// config's parameters; a restored replay keeps its trial invariants.
//
// The first input byte picks the path (bits 0-1: 0/3 checkpoint, 1 config JSON, 2 replay
// snapshot); with bit 7 set the harness repairs the file's CRC-32 first (the checkpoint's
// `checksum` metadata, the snapshot's trailer), so mutations reach the parsers behind the
// checksum instead of stopping at it. Built only by scripts/fuzz.sh (`make fuzz`); the
// seed corpus is Fuzz/corpus/icrl-fuzz-files (and $ICRL_FUZZ_SEEDS, written at start).
import DQN
import Foundation
import NN

let file = FileManager.default.temporaryDirectory.appendingPathComponent("icrl-fuzz-files-\(getpid()).safetensors")
/// A model small enough that its checkpoint fits a fuzzer input (a few kilobytes).
let tinyConfig = TransformerConfig(featureVocabularies: [3, 3, 5, 2, 2, 4, 4], dModel: 4, heads: 1, layers: 1, mlpHidden: 4, contextLength: 8)
nonisolated(unsafe) let tinyModel = try! Transformer(config: tinyConfig, seed: 1)  // libFuzzer calls in on one thread
let invariants = TrialInvariants()

func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}

/// Rewrites the `"crc32:XXXXXXXX"` in a safetensors header to match its data section.
func repairCheckpointCRC(_ bytes: inout [UInt8]) {
    guard bytes.count >= 8 else { return }
    let n = bytes.withUnsafeBytes { Int(truncatingIfNeeded: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    guard n >= 0, n <= bytes.count - 8 else { return }
    let header = bytes[8..<(8 + n)]
    let marker = Array("crc32:".utf8)
    guard let at = header.indices.first(where: { i in i + marker.count + 8 <= header.endIndex && Array(bytes[i..<(i + marker.count)]) == marker })
    else { return }
    let hex = Array(String(format: "%08x", crc32(bytes[(8 + n)...])).utf8)
    bytes.replaceSubrange((at + marker.count)..<(at + marker.count + 8), with: hex)
}

func repairSnapshotCRC(_ bytes: inout [UInt8]) {
    guard bytes.count >= 4 else { return }
    let crc = crc32(bytes[0..<(bytes.count - 4)])
    withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((bytes.count - 4)..., with: $0) }
}

func seeds() throws -> [(String, [UInt8])] {
    try Checkpoint.write(to: file, online: tinyModel, counters: ["updates": 3], extra: ["run_config": "{}"])
    let checkpoint = try [UInt8](Data(contentsOf: file))
    let config = RunConfig.preset(.smoke)
    var replay = ReplayBuffer(capacitySteps: 64, maxTrialSteps: 64, invariants: invariants)
    let steps = [TrialStep(observation: 0, nextObservation: 1, action: 2, reward: 0, flags: TrialStep.episodeStartBit | TrialStep.mapStartBit, rows: 2, cols: 2),
                 TrialStep(observation: 1, nextObservation: 3, action: 1, reward: 1, flags: TrialStep.terminatedBit, rows: 2, cols: 2)]
    try replay.append(steps, to: ReplayBuffer.TrialKey(incarnation: 1, trialID: 0), firstStep: 0, done: true, behaviour: 1)
    return [("checkpoint", [0x80] + checkpoint), ("checkpoint-raw", [0x00] + checkpoint),
            ("config", [0x01] + Array(config.json().utf8)), ("snapshot", [0x82] + replay.snapshot())]
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    if let folder = ProcessInfo.processInfo.environment["ICRL_FUZZ_SEEDS"] {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, bytes) in (try? seeds()) ?? [] {
            _ = FileManager.default.createFile(atPath: "\(folder)/seed-\(name)", contents: Data(bytes))
        }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt

@_cdecl("icrl_fuzz_files_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard count >= 1 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let mode = input[0]
    var bytes = [UInt8](input[1...])
    switch mode & 3 {
    case 1:
        // Run config JSON: decoded, then validated, as --config does.
        if let config = try? RunConfig.from(json: String(decoding: bytes, as: UTF8.self)) { _ = try? config.validate() }
    case 2:
        if mode & 0x80 != 0 { repairSnapshotCRC(&bytes) }
        if let replay = try? ReplayBuffer.restore(snapshot: bytes, capacitySteps: 1 << 12, maxTrialSteps: 1 << 10, invariants: invariants) {
            for trial in replay.trials where !trial.steps.isEmpty {
                guard (try? invariants.check(trial.steps, after: nil)) != nil else { fatalError("a restored trial breaks its invariants") }
            }
        }
    default:
        if mode & 0x80 != 0 { repairCheckpointCRC(&bytes) }
        guard (try? Data(bytes).write(to: file)) != nil else { return 0 }
        _ = try? Checkpoint.info(at: file)
        if let model = try? Checkpoint.loadModel(from: file) {
            guard model.parameters.count == model.layout.count else { fatalError("a loaded model's parameters do not match its layout") }
        }
        // Restoring into a fixed architecture: the mismatch paths (--resume, --init).
        _ = try? Checkpoint.restore(from: file, online: tinyModel, target: nil, optimizer: AdamW(layout: tinyModel.layout))
    }
    return 0
}
