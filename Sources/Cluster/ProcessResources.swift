import Foundation

/// This process's resident memory and open file descriptors, read from /proc (Linux);
/// nil where /proc is missing. The learner writes them into every metrics line, so a
/// leak shows as a slope in `system/rss_mb` or `system/open_fds`.
public enum ProcessResources {
    /// Resident set size in bytes.
    public static var residentBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Open file descriptors (sockets, files, pipes, eventfds).
    public static var openFileDescriptors: Int? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        // The listing itself holds one descriptor while it runs.
        return max(0, entries.count - 1)
    }
}
