import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe file replacement: write a temporary file in the same folder, fsync it,
/// rename it over the destination, fsync the folder. A reader sees the old file or the
/// new one, never a partial one, even across a power cut.
public enum AtomicFile {
    public static func store(_ bytes: [UInt8], to url: URL) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func failure(_ operation: String) -> CheckpointError {
            CheckpointError(path: path, .io(operation: operation, message: String(cString: strerror(errno))))
        }
        let fd = retryingEINTR { open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw failure("open(\(temporary))") }
        var ok = false
        defer { if !ok { unlink(temporary) } }
        do {
            defer { close(fd) }
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = retryingEINTR { write(fd, raw.baseAddress! + offset, raw.count - offset) }
                    guard written > 0 else { throw failure("write") }
                    offset += written
                }
            }
            guard retryingEINTR({ fsync(fd) }) == 0 else { throw failure("fsync") }
        }
        guard rename(temporary, path) == 0 else { throw failure("rename") }
        ok = true
        let folderFD = retryingEINTR { open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard folderFD >= 0 else { throw failure("open(\(folder))") }
        defer { close(folderFD) }
        guard retryingEINTR({ fsync(folderFD) }) == 0 else { throw failure("fsync(\(folder))") }
    }

    /// Reads a whole file.
    public static func read(_ url: URL) throws -> [UInt8] {
        // An empty file is empty: Foundation's read of one leaks a 4 KiB buffer (found by
        // the file fuzzer under LeakSanitizer), and it would be refused as truncated anyway.
        if let size = try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int, size == 0 { return [] }
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            throw CheckpointError(path: url.path, .io(operation: "read", message: "\(error.localizedDescription)"))
        }
    }

    /// Repeats a system call while it fails with EINTR.
    private static func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }
}
