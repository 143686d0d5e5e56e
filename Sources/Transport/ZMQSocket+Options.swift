import CZeroMQ

extension ZMQSocket {
    /// Sets an `int` option.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        let h = try liveHandle("zmq_setsockopt")
        var v = value
        _ = try retryingEINTR("zmq_setsockopt(\(option))") {
            zmq_setsockopt(h, option, &v, MemoryLayout<Int32>.size)
        }
    }

    /// Sets an `int64_t` option (`ZMQ_MAXMSGSIZE`).
    public func setOption(_ option: Int32, int64 value: Int64) throws(ZMQError) {
        let h = try liveHandle("zmq_setsockopt")
        var v = value
        _ = try retryingEINTR("zmq_setsockopt(\(option))") {
            zmq_setsockopt(h, option, &v, MemoryLayout<Int64>.size)
        }
    }

    /// Sets a binary option (`ZMQ_SUBSCRIBE`, `ZMQ_ROUTING_ID`, CURVE keys).
    public func setOption(_ option: Int32, bytes: [UInt8]) throws(ZMQError) {
        let h = try liveHandle("zmq_setsockopt")
        _ = try bytes.withUnsafeBytes { raw in
            Result { () throws(ZMQError) in
                try retryingEINTR("zmq_setsockopt(\(option))") { zmq_setsockopt(h, option, raw.baseAddress, raw.count) }
            }
        }.get()
    }

    /// Pins the connections this socket makes or accepts from now on to some of the
    /// context's I/O threads (bit i: thread i). A latency-sensitive socket on a thread of
    /// its own does not queue behind a bulk one's bytes. Set before `bind` or `connect`.
    ///
    /// The corresponding C function is `zmq_setsockopt` with `ZMQ_AFFINITY`.
    public func setIOThreadAffinity(_ threads: UInt64) throws(ZMQError) {
        try setOption(ZMQ_AFFINITY, int64: Int64(bitPattern: threads))
    }

    /// Reads an `int` option.
    ///
    /// The corresponding C function is `zmq_getsockopt`.
    public func intOption(_ option: Int32) throws(ZMQError) -> Int32 {
        let h = try liveHandle("zmq_getsockopt")
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        _ = try retryingEINTR("zmq_getsockopt(\(option))") { zmq_getsockopt(h, option, &value, &size) }
        return value
    }

    /// The endpoint the socket last bound to, with the port the OS chose for `tcp://…:*`.
    public var lastEndpoint: String {
        get throws(ZMQError) {
            let h = try liveHandle("zmq_getsockopt")
            var buffer = [CChar](repeating: 0, count: 512)
            var size = buffer.count
            _ = try retryingEINTR("zmq_getsockopt(ZMQ_LAST_ENDPOINT)") {
                zmq_getsockopt(h, ZMQ_LAST_ENDPOINT, &buffer, &size)
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Milliseconds a blocking receive waits before returning nil; -1 waits forever.
    public func setReceiveTimeout(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVTIMEO, milliseconds)
    }

    /// Milliseconds a blocking send waits before reporting back-pressure; -1 waits forever.
    public func setSendTimeout(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDTIMEO, milliseconds)
    }

    /// How long `close` keeps unsent messages; 0 drops them at once.
    public func setLinger(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_LINGER, milliseconds)
    }

    /// Bounds the queue of messages in each direction (`ZMQ_SNDHWM` and `ZMQ_RCVHWM`).
    public func setHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, messages)
        try setOption(ZMQ_RCVHWM, messages)
    }

    /// Frames larger than this make libzmq drop the connection (`ZMQ_MAXMSGSIZE`); -1 is unlimited.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setOption(ZMQ_MAXMSGSIZE, int64: bytes)
    }

    /// Detects dead peers on a silent link: ZMTP heartbeats every `interval` ms, the
    /// connection dropped (and, on a connecting socket, re-dialled) after `timeout` ms without
    /// traffic (before the heal of any partition longer than that), and each dial given up after
    /// `connectTimeout` ms, so that a host cut off by a
    /// partition comes back within seconds of the heal instead of after TCP's retransmission
    /// back-off (tens of seconds), and a learner frees a vanished actor's connection.
    /// (`ZMQ_HEARTBEAT_IVL`, `ZMQ_HEARTBEAT_TIMEOUT`, `ZMQ_HEARTBEAT_TTL`, `ZMQ_CONNECT_TIMEOUT`.)
    /// The timeout is generous (10 s) because a PING is answered by the peer's I/O thread,
    /// which a process with hundreds of sockets keeps busy; rejoining after a partition
    /// depends on the dial timeout, not on it.
    ///
    /// Not for a socket whose peer stops reading on purpose (an actor's experience socket,
    /// which the learner throttles): the peer's PONG then waits behind unread data and the
    /// connection is dropped, losing what was queued on it. Nor TCP_USER_TIMEOUT (`ZMQ_TCP_MAXRT`)
    /// there: Linux counts zero-window probes against it and aborts the healthy, throttled link.
    public func setLivenessChecks(interval: Int32 = 1_000, timeout: Int32 = 10_000, connectTimeout: Int32 = 2_000) throws(ZMQError) {
        try setOption(ZMQ_HEARTBEAT_IVL, interval)
        try setOption(ZMQ_HEARTBEAT_TIMEOUT, timeout)
        try setOption(ZMQ_HEARTBEAT_TTL, timeout)
        try setOption(ZMQ_CONNECT_TIMEOUT, connectTimeout)
    }

    /// Kernel TCP keepalive on every connection of the socket: a peer that vanished without
    /// a FIN or RST (a partitioned host) is found after `idle` + `count` · `interval` seconds
    /// of silence and its connection (and descriptor) freed. For a bound socket this is the
    /// safe counterpart of `setLivenessChecks`: the kernel probes, so the socket's engine
    /// writes nothing extra. (`ZMQ_TCP_KEEPALIVE`, `_IDLE`, `_INTVL`, `_CNT`.)
    public func setTCPKeepalive(idle: Int32 = 20, interval: Int32 = 5, count: Int32 = 3) throws(ZMQError) {
        try setOption(ZMQ_TCP_KEEPALIVE, 1)
        try setOption(ZMQ_TCP_KEEPALIVE_IDLE, idle)
        try setOption(ZMQ_TCP_KEEPALIVE_INTVL, interval)
        try setOption(ZMQ_TCP_KEEPALIVE_CNT, count)
    }

    /// Subscribes a SUB socket to messages starting with `prefix` (empty: everything).
    public func subscribe(_ prefix: [UInt8] = []) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix)
    }
}
