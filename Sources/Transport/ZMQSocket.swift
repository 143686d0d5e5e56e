import CZeroMQ

/// One ZeroMQ socket. Not thread-safe (libzmq sockets are not), hence not `Sendable`:
/// create, use and close it on one thread — the blocking loops run on dedicated threads.
public final class ZMQSocket {
    /// The `void *` libzmq handle; nil once closed.
    public private(set) var handle: UnsafeMutableRawPointer?
    public let type: ZMQSocketType
    // Keeps the context alive while the socket exists.
    private let context: ZMQContext

    /// The corresponding C function is `zmq_socket`.
    public init(_ context: ZMQContext, _ type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else { throw ZMQError("zmq_socket") }
        self.handle = handle
        self.type = type
        self.context = context
    }

    deinit { close() }

    /// Closes the socket at once; pending outgoing messages obey `ZMQ_LINGER`.
    ///
    /// The corresponding C function is `zmq_close`.
    public func close() {
        if let handle {
            _ = zmq_close(handle)
            self.handle = nil
        }
    }

    func liveHandle(_ operation: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(operation, code: ENOTSOCK) }
        return handle
    }

    /// The corresponding C function is `zmq_bind`.
    public func bind(_ endpoint: String) throws(ZMQError) {
        let h = try liveHandle("zmq_bind")
        _ = try retryingEINTR("zmq_bind(\(endpoint))") { zmq_bind(h, endpoint) }
    }

    /// The corresponding C function is `zmq_connect`.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let h = try liveHandle("zmq_connect")
        _ = try retryingEINTR("zmq_connect(\(endpoint))") { zmq_connect(h, endpoint) }
    }

    /// The corresponding C function is `zmq_disconnect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let h = try liveHandle("zmq_disconnect")
        _ = try retryingEINTR("zmq_disconnect(\(endpoint))") { zmq_disconnect(h, endpoint) }
    }

    /// Sends one frame. Returns false when `dontWait` is set (or a send timeout
    /// expired) and the message could not be queued: back-pressure, not an error.
    ///
    /// The corresponding C function is `zmq_send`.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try liveHandle("zmq_send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        do {
            _ = try retryingEINTR("zmq_send") { zmq_send(h, bytes.baseAddress, bytes.count, flags) }
            return true
        } catch where error.isWouldBlock {
            return false
        }
    }

    /// Sends one frame from an array.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        // Array.withUnsafeBytes rethrows untyped errors; carry the typed one out in a Result.
        try bytes.withUnsafeBytes { raw in
            Result { () throws(ZMQError) in try send(raw, more: more, dontWait: dontWait) }
        }.get()
    }

    /// Sends several frames as one multi-part message (ROUTER/DEALER envelopes).
    @discardableResult
    public func sendMultipart(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        for (i, frame) in frames.enumerated() {
            let sent = try send(frame, more: i + 1 < frames.count, dontWait: dontWait)
            if !sent {
                // Only the first frame can hit back-pressure: libzmq queues the rest atomically.
                return false
            }
        }
        return true
    }

    /// Receives one frame into a new message; nil when `dontWait` is set (or a
    /// receive timeout expired) and nothing was waiting.
    ///
    /// The corresponding C function is `zmq_msg_recv`.
    public func receiveMessage(dontWait: Bool = false) throws(ZMQError) -> ZMQMessage? {
        let h = try liveHandle("zmq_msg_recv")
        let message = ZMQMessage()
        do {
            _ = try retryingEINTR("zmq_msg_recv") { zmq_msg_recv(message.pointer, h, dontWait ? ZMQ_DONTWAIT : 0) }
            return message
        } catch where error.isWouldBlock {
            return nil
        }
    }

    /// Receives one frame as bytes; nil on timeout or when `dontWait` found nothing.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [UInt8]? {
        try receiveMessage(dontWait: dontWait)?.bytes
    }

    /// Receives every frame of one multi-part message; nil on timeout.
    public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        guard let first = try receiveMessage(dontWait: dontWait) else { return nil }
        var frames = [first.bytes]
        var more = first.hasMore
        while more {
            // The remaining frames of a multi-part message are already here; never block.
            guard let next = try receiveMessage() else { break }
            frames.append(next.bytes)
            more = next.hasMore
        }
        return frames
    }

    /// True when the last frame received has more frames after it.
    public var hasMore: Bool {
        (try? intOption(ZMQ_RCVMORE)) == 1
    }
}

// libzmq sockets must never cross threads.
@available(*, unavailable)
extension ZMQSocket: Sendable {}
