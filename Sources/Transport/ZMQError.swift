import CZeroMQ

/// A failed libzmq call: the operation that failed and `zmq_errno()` at that moment.
public struct ZMQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The libzmq function that failed, e.g. `zmq_bind`.
    public var operation: String
    /// The `errno` value libzmq reported.
    public var code: Int32

    public init(_ operation: String, code: Int32 = zmq_errno()) {
        self.operation = operation
        self.code = code
    }

    /// libzmq's own text for `code`.
    public var message: String { String(cString: zmq_strerror(code)) }

    public var description: String { "\(operation) failed: \(message) (errno \(code))" }

    /// The context was terminated while the call waited; the caller should close its socket and stop.
    public var isContextTerminated: Bool { code == ETERM }
    /// A non-blocking call had nothing to do, or a timeout expired.
    public var isWouldBlock: Bool { code == EAGAIN }
}

/// Runs a libzmq call that returns -1 on failure, retrying when a signal interrupted it.
@inline(__always)
func retryingEINTR(_ operation: String, _ body: () -> Int32) throws(ZMQError) -> Int32 {
    while true {
        let rc = body()
        if rc >= 0 { return rc }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZMQError(operation, code: code)
    }
}
