import CZeroMQ

/// One event a monitored socket reported (see `zmq_socket_monitor`).
public struct ZMQMonitorEvent: Sendable, Hashable {
    /// `ZMQ_EVENT_*` bit, e.g. `ZMQ_EVENT_DISCONNECTED`.
    public var event: UInt16
    /// The event's value (a file descriptor or an error code, depending on the event).
    public var value: UInt32
    /// The endpoint the event concerns.
    public var endpoint: String

    public static let accepted = UInt16(ZMQ_EVENT_ACCEPTED)
    public static let disconnected = UInt16(ZMQ_EVENT_DISCONNECTED)
}

extension ZMQSocket {
    /// Publishes this socket's `events` (a mask of `ZMQ_EVENT_*`) on the inproc PAIR
    /// endpoint `endpoint`; connect a `.pair` socket there and read them with
    /// ``receiveMonitorEvent(dontWait:)``.
    ///
    /// libzmq refuses a frame larger than `ZMQ_MAXMSGSIZE` by closing the connection it
    /// came on, before the application sees a byte; the monitor's `DISCONNECTED` event is
    /// the only trace such a drop leaves.
    ///
    /// The corresponding C function is `zmq_socket_monitor`.
    public func startMonitor(endpoint: String, events: Int32) throws(ZMQError) {
        let h = try liveHandle("zmq_socket_monitor")
        _ = try retryingEINTR("zmq_socket_monitor(\(endpoint))") { zmq_socket_monitor(h, endpoint, events) }
    }

    /// Reads one monitor event from a `.pair` socket connected to a monitor endpoint; nil
    /// on timeout or when `dontWait` found nothing. A malformed event is an error.
    ///
    /// The corresponding C function is `zmq_msg_recv`.
    public func receiveMonitorEvent(dontWait: Bool = false) throws(ZMQError) -> ZMQMonitorEvent? {
        guard let frames = try receiveMultipart(dontWait: dontWait) else { return nil }
        // Version 1 layout: frame 1 is a 16-bit event and a 32-bit value, frame 2 the endpoint.
        guard frames.count == 2, frames[0].count == 6 else { throw ZMQError("zmq_socket_monitor event", code: EPROTO) }
        let event = UInt16(frames[0][0]) | UInt16(frames[0][1]) << 8
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(frames[0][2 + i]) << (8 * i) }
        return ZMQMonitorEvent(event: event, value: value, endpoint: String(decoding: frames[1], as: UTF8.self))
    }
}
