import CZeroMQ

/// Waits on several sockets at once.
public struct ZMQPoller {
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds a socket to wait on for incoming messages; returns its index.
    @discardableResult
    public mutating func addReadable(_ socket: ZMQSocket) -> Int {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) and returns the indices of
    /// the sockets with a message waiting.
    ///
    /// The corresponding C function is `zmq_poll`.
    public mutating func poll(timeoutMilliseconds: Int) throws(ZMQError) -> [Int] {
        let count = Int32(items.count)
        let ready = try items.withUnsafeMutableBufferPointer { (buffer) throws(ZMQError) -> Int32 in
            try retryingEINTR("zmq_poll") { zmq_poll(buffer.baseAddress, count, timeoutMilliseconds) }
        }
        if ready == 0 { return [] }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
