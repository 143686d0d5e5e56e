import Foundation
import Transport

/// Appends one JSON object per line to `metrics.jsonl`: namespaced metric names
/// (`charts/env_steps_per_s`, `losses/td`), wall time and the learner's step; and, with
/// `tensorBoard`, the same values as scalars in a TensorBoard event file there
/// (step = learner update).
public final class MetricsLog {
    private let handle: FileHandle?
    public let url: URL?
    /// The TensorBoard event file this log also writes, if any.
    public let tensorBoard: TensorBoardEventFile?
    /// Event-file writes that failed (a full disk, say); metrics.jsonl is unaffected.
    public private(set) var tensorBoardFailures = 0
    /// metrics.jsonl lines that could not be written (a full disk): counted, never fatal.
    public private(set) var writeFailures = 0

    /// Opens (creating or appending to) `url`; nil writes nowhere. `tensorBoard`: a folder
    /// in which to start a new event file.
    public init(url: URL?, tensorBoard: URL? = nil) throws {
        self.url = url
        self.tensorBoard = try tensorBoard.map { try TensorBoardEventFile(folder: $0) }
        if let url {
            if !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            self.handle = handle
        } else {
            handle = nil
        }
    }

    deinit { try? handle?.close() }

    /// Writes one line; keys are sorted so lines diff well.
    public func write(_ metrics: [String: Double], step: Int, time: Date = Date()) {
        var object: [String: Any] = metrics.mapValues { $0.isFinite ? $0 as Any : NSNull() }
        object["step"] = step
        object["time"] = time.timeIntervalSince1970
        if let tensorBoard {
            do { try tensorBoard.write(scalars: metrics, step: step, time: time) } catch { tensorBoardFailures += 1 }
        }
        guard let handle,
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return }
        do { try handle.write(contentsOf: data + Data("\n".utf8)) } catch { writeFailures += 1 }
    }

    /// Marks a resumed run in the event file, so TensorBoard drops the points the previous
    /// process wrote after the checkpoint it resumed from.
    public func markRestart(step: Int) {
        do { try tensorBoard?.writeRestart(step: step) } catch { tensorBoardFailures += 1 }
    }
}
