import Foundation

/// Appends one JSON object per line to `metrics.jsonl`: namespaced metric names
/// (`charts/env_steps_per_s`, `losses/td`), wall time and the learner's step.
public final class MetricsLog {
    private let handle: FileHandle?
    public let url: URL?

    /// Opens (creating or appending to) `url`; nil writes nowhere.
    public init(url: URL?) throws {
        self.url = url
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
        guard let handle,
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return }
        handle.write(data + Data("\n".utf8))
    }
}
