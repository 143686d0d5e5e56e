import CProtobufC
import Foundation
import ICRLWire

/// A TensorBoard event file (`events.out.tfevents.*`), append-only: TFRecord framing
/// (u64 length, masked CRC-32C of the length, the record, masked CRC-32C of the record)
/// around `tensorboard.Event` messages packed with protobuf-c (`Proto/tensorboard.proto`).
/// TensorBoard, W&B's importer and `tf.data.TFRecordDataset` read it.
public final class TensorBoardEventFile {
    public let url: URL
    private let handle: FileHandle

    /// Why the file could not be written.
    public struct WriteError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "TensorBoard event file: \(message)" }
    }

    /// Creates a new event file in `folder` (made if missing), named as TensorBoard names
    /// them, and writes its file-version record. Each writer gets its own file, so a
    /// resumed run appends a new file beside the old ones and never rewrites them.
    public init(folder: URL, time: Date = Date()) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let stamp = Int(time.timeIntervalSince1970)
        var name = "events.out.tfevents.\(stamp).\(host).\(getpid()).0"
        var n = 0
        while FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            n += 1
            name = "events.out.tfevents.\(stamp).\(host).\(getpid()).\(n)"
        }
        url = folder.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw WriteError(message: "cannot create \(url.path)")
        }
        handle = try FileHandle(forWritingTo: url)
        try append(Self.event(wallTime: time.timeIntervalSince1970, step: 0) { event, arena in
            event.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION
            event.file_version = arena.cString("brain.Event:2")
        })
    }

    deinit { try? handle.close() }

    /// One event with a scalar per metric (non-finite values are left out, as TensorBoard
    /// would drop them), at `step`.
    public func write(scalars: [String: Double], step: Int, time: Date = Date()) throws {
        let finite = scalars.filter { $0.value.isFinite }.sorted { $0.key < $1.key }
        try append(Self.event(wallTime: time.timeIntervalSince1970, step: Int64(step)) { event, arena in
            let summary = arena.allocate(Tensorboard__Summary.self, count: 1)
            tensorboard__summary__init(summary)
            let values = arena.allocate(UnsafeMutablePointer<Tensorboard__Summary__Value>?.self, count: finite.count)
            for (i, (tag, value)) in finite.enumerated() {
                let v = arena.allocate(Tensorboard__Summary__Value.self, count: 1)
                tensorboard__summary__value__init(v)
                v.pointee.tag = arena.cString(tag)
                v.pointee.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE
                v.pointee.simple_value = Float(value)
                values[i] = v
            }
            summary.pointee.n_value = finite.count
            summary.pointee.value = values
            event.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY
            event.summary = summary
        })
    }

    /// A SessionLog START at `step`: TensorBoard then drops this run's points at or after
    /// `step` written before the restart (a resumed learner repeats those updates).
    public func writeRestart(step: Int, time: Date = Date()) throws {
        try append(Self.event(wallTime: time.timeIntervalSince1970, step: Int64(step)) { event, arena in
            let log = arena.allocate(Tensorboard__SessionLog.self, count: 1)
            tensorboard__session_log__init(log)
            log.pointee.status = TENSORBOARD__SESSION_LOG__SESSION_STATUS__START
            event.what_case = TENSORBOARD__EVENT__WHAT_SESSION_LOG
            event.session_log = log
        })
    }

    /// The packed bytes of one event, filled in by `fill`.
    static func event(wallTime: Double, step: Int64, _ fill: (inout Tensorboard__Event, CArena) -> Void) -> [UInt8] {
        let arena = CArena()
        var event = Tensorboard__Event()
        tensorboard__event__init(&event)
        event.wall_time = wallTime
        event.step = step
        fill(&event, arena)
        let size = tensorboard__event__get_packed_size(&event)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = tensorboard__event__pack(&event, buffer.baseAddress)
        }
    }

    /// One TFRecord: the record framed and checksummed, written in a single call.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        out += length
        withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { out += $0 }
        out += data
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { out += $0 }
        return out
    }

    private func append(_ event: [UInt8]) throws {
        do {
            try handle.write(contentsOf: Self.record(event))
        } catch {
            throw WriteError(message: "cannot append to \(url.path): \(error)")
        }
    }
}
