import Transport

/// How the learner spreads its sockets over libzmq's I/O threads.
///
/// With one I/O thread, every weights broadcast (the frame times the number of subscribers:
/// 256 actors × 1.6 MB is 400 MB a second at one broadcast a second) and the experience
/// stream went through the same thread as the control socket, so a status request or a
/// hello waited behind them: the control round trip's p99 under 256 peers was 844 ms
/// against a p50 of 1.5 ms (6.6 ms with this split). Control gets a thread of its own.
enum LearnerIOThreads {
    /// Threads the learner's context starts.
    static let count: Int32 = 2
    /// The control ROUTER: hello, heartbeats, stats, status.
    static let control: UInt64 = 1 << 0
    /// Weights PUB and experience PULL: the bulk bytes.
    static let bulk: UInt64 = 1 << 1

    /// Pins `socket` to `threads` when `context` runs the learner's I/O threads. A context
    /// with fewer (a test's, a tool's) leaves it unpinned: an affinity naming no thread the
    /// context has leaves its connections without an I/O thread, and they never come up.
    static func pin(_ socket: ZMQSocket, to threads: UInt64, in context: ZMQContext) throws {
        guard context.ioThreads >= count else { return }
        try socket.setIOThreadAffinity(threads)
    }
}
