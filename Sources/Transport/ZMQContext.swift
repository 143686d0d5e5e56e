import CZeroMQ

/// A libzmq context: owns the I/O threads every socket of a process shares.
///
/// Contexts are thread-safe in libzmq, so this type is `Sendable`; sockets are not.
/// Close every socket before the context goes away: `zmq_ctx_term` waits for them.
public final class ZMQContext: @unchecked Sendable {
    /// The `void *` libzmq handle.
    public let handle: UnsafeMutableRawPointer
    /// Background I/O threads it runs (`ZMQSocket.setIOThreadAffinity` bits name them).
    public let ioThreads: Int32

    /// Creates a context with `ioThreads` background I/O threads (one is plenty below ~1 GB/s).
    ///
    /// The corresponding C function is `zmq_ctx_new`.
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        self.handle = handle
        self.ioThreads = max(1, ioThreads)
        if ioThreads != 1 {
            _ = zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
        }
    }

    /// Makes every blocking call on this context's sockets fail with `ETERM`, so
    /// threads parked in `receive` wake up and close their sockets.
    ///
    /// The corresponding C function is `zmq_ctx_shutdown`.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
