import CZeroMQ

/// One received frame, owned by libzmq until this object goes away (no copy on receive).
public final class ZMQMessage {
    /// The `zmq_msg_t`, at a stable, pointer-aligned address as libzmq requires.
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// Frame size in bytes.
    public var count: Int { zmq_msg_size(pointer) }

    /// True when more frames of the same multi-part message follow.
    public var hasMore: Bool { zmq_msg_more(pointer) != 0 }

    /// Calls `body` with the frame's bytes; they are valid only during the call.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: zmq_msg_data(pointer), count: count))
    }

    /// A copy of the frame's bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }
}
