import Foundation

/// A trace file being written: JSON Lines from ``TraceEncoder``, buffered and appended
/// to the file in large writes.
public final class TraceWriter {
    /// Where the trace goes.
    public let path: String
    private let handle: FileHandle
    private var pending: [UInt8] = []
    /// Episodes written so far.
    public private(set) var episodes = 0

    /// Creates (or truncates) the file at `path`.
    /// - Throws: ``TraceError/cannotCreate(_:)`` if the file cannot be opened for writing.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw TraceError.cannotCreate(path) }
        self.handle = handle
        pending.reserveCapacity(1 << 20)
    }

    deinit {
        try? flush()
        try? handle.close()
    }

    /// Appends complete lines (each ending in a newline) for `count` episodes.
    public func append(_ bytes: [UInt8], episodes count: Int) throws {
        pending.append(contentsOf: bytes)
        episodes += count
        if pending.count >= 1 << 20 { try flush() }
    }

    /// Writes everything buffered so far to the file.
    public func flush() throws {
        guard !pending.isEmpty else { return }
        try handle.write(contentsOf: Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}

/// Trace files that cannot be written.
public enum TraceError: Error, CustomStringConvertible, Equatable {
    case cannotCreate(String)

    public var description: String {
        switch self {
        case .cannotCreate(let path): "cannot create trace file \(path); check that its folder exists and is writable"
        }
    }
}
