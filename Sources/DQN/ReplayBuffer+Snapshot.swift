import NN

/// The replay buffer as a file, saved beside each checkpoint so a restarted learner
/// (`--resume`, a requeued Slurm job, a rescheduled pod) continues with the experience it
/// had, and chunks that continue trials begun before the restart still fit.
///
/// Layout, little-endian: magic `ICRLRPL1`; u32 version (1); u32 trial count; per trial
/// u64 incarnation, u64 trial id, u8 done, u32 behaviour, u32 step count, then 10 bytes
/// per step (`TrialStep` fields in declaration order); last, u32 CRC-32 of everything
/// before it. About `10 × storedSteps` bytes.
extension ReplayBuffer {
    public static let snapshotMagic = Array("ICRLRPL1".utf8)

    /// Why a snapshot could not be read.
    public struct SnapshotError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "replay snapshot: \(message)" }
    }

    /// The snapshot bytes of every non-empty trial, oldest first.
    public func snapshot() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.snapshotMagic.count + 12 + storedSteps * 10 + trials.count * 25)
        out += Self.snapshotMagic
        append(UInt32(1), to: &out)
        let kept = trials.filter { !$0.steps.isEmpty }
        append(UInt32(kept.count), to: &out)
        for trial in kept {
            append(trial.key.incarnation, to: &out)
            append(trial.key.trialID, to: &out)
            out.append(trial.done ? 1 : 0)
            append(trial.behaviour, to: &out)
            append(UInt32(trial.steps.count), to: &out)
            for s in trial.steps {
                append(s.observation, to: &out)
                append(s.nextObservation, to: &out)
                out += [s.action, s.reward, s.flags, s.rows, s.cols, s.placement]
            }
        }
        append(CRC32.checksum(out), to: &out)
        return out
    }

    /// A buffer holding a snapshot's trials, in order, under the given bounds (the oldest
    /// trials go first if `capacitySteps` is now smaller). Corrupt, truncated or foreign
    /// bytes are an error, and so is a step that breaks `invariants` (a snapshot written for
    /// another canvas, or edited by hand); nothing is half-loaded.
    public static func restore(
        snapshot bytes: [UInt8], capacitySteps: Int, maxTrialSteps: Int, invariants: TrialInvariants = TrialInvariants()
    ) throws(SnapshotError) -> ReplayBuffer {
        guard bytes.count >= snapshotMagic.count + 12, Array(bytes.prefix(snapshotMagic.count)) == snapshotMagic else {
            throw SnapshotError(message: "not a replay snapshot (bad magic or too short)")
        }
        let body = bytes.count - 4
        var reader = Reader(bytes: bytes, offset: body)
        let stored = reader.u32()
        let actual = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
        guard stored == actual else { throw SnapshotError(message: "checksum mismatch (corrupt or truncated file)") }
        reader = Reader(bytes: bytes, offset: snapshotMagic.count, end: body)
        guard let version = reader.u32(), version == 1 else { throw SnapshotError(message: "unknown version") }
        guard let count = reader.u32() else { throw SnapshotError(message: "truncated header") }
        var buffer = ReplayBuffer(capacitySteps: capacitySteps, maxTrialSteps: maxTrialSteps, invariants: invariants)
        for t in 0..<Int(count) {
            guard let incarnation = reader.u64(), let trialID = reader.u64(), let done = reader.u8(),
                  let behaviour = reader.u32(), let n = reader.u32(), reader.remaining >= Int(n) * 10
            else { throw SnapshotError(message: "trial \(t) is truncated") }
            var steps: [TrialStep] = []
            steps.reserveCapacity(Int(n))
            for _ in 0..<n {
                steps.append(TrialStep(
                    observation: reader.u16()!, nextObservation: reader.u16()!, action: reader.u8()!, reward: reader.u8()!,
                    flags: reader.u8()!, rows: reader.u8()!, cols: reader.u8()!, placement: reader.u8()!))
            }
            do {
                try buffer.append(steps, to: TrialKey(incarnation: incarnation, trialID: trialID), firstStep: 0, done: done != 0, behaviour: behaviour)
            } catch {
                throw SnapshotError(message: "trial \(t) does not fit this buffer (\(error))")
            }
        }
        guard reader.remaining == 0 else { throw SnapshotError(message: "\(reader.remaining) bytes after the last trial") }
        return buffer
    }

    private func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    /// Bounds-checked little-endian reads; nil past `end`.
    private struct Reader {
        let bytes: [UInt8]
        var offset: Int
        var end: Int

        init(bytes: [UInt8], offset: Int, end: Int? = nil) {
            self.bytes = bytes
            self.offset = offset
            self.end = end ?? bytes.count
        }

        var remaining: Int { end - offset }

        mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard offset + size <= end else { return nil }
            var value: T = 0
            for i in 0..<size { value |= T(bytes[offset + i]) << (8 * i) }
            offset += size
            return value
        }

        mutating func u8() -> UInt8? { read(UInt8.self) }
        mutating func u16() -> UInt16? { read(UInt16.self) }
        mutating func u32() -> UInt32? { read(UInt32.self) }
        mutating func u64() -> UInt64? { read(UInt64.self) }
    }
}
