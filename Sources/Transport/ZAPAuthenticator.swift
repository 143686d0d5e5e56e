import CZeroMQ
import Synchronization

/// A ZeroMQ authentication handler (ZAP, RFC 27) that admits CURVE clients whose public
/// key is listed and refuses every other connection, counting both.
///
/// libzmq asks the handler bound at `inproc://zeromq.zap.01` of the socket's context
/// about each new connection to a CURVE server socket; no handler would mean no check,
/// so the learner starts this one on a dedicated thread and waits until it is bound
/// before binding its own sockets (``run(ready:until:)``).
public final class ZAPAuthenticator: Sendable {
    /// The endpoint libzmq sends ZAP requests to.
    public static let endpoint = "inproc://zeromq.zap.01"

    public let authorizedKeys: Set<[UInt8]>
    /// Connections admitted and refused so far.
    public let accepted = Atomic<Int>(0)
    public let denied = Atomic<Int>(0)
    /// True from the moment the handler is bound until it stops. While false, libzmq
    /// would admit every CURVE client unchecked, so the learner must not serve.
    public let running = Atomic<Bool>(false)
    /// The last refused key (Z85), for the log.
    public let lastDenied = Mutex<String?>(nil)
    private let context: ZMQContext

    public init(context: ZMQContext, authorizedKeys: Set<[UInt8]>) {
        self.context = context
        self.authorizedKeys = authorizedKeys
    }

    /// Binds the handler's REP socket, calls `ready` (only then may CURVE server sockets
    /// bind), and answers ZAP requests until `stop` returns true or the context terminates.
    /// Runs on the thread that owns the socket.
    public func run(ready: () -> Void, until stop: () -> Bool) throws(ZMQError) {
        let socket = try ZMQSocket(context, .rep)
        defer { socket.close() }
        try socket.setLinger(milliseconds: 0)
        try socket.setReceiveTimeout(milliseconds: 100)
        try socket.bind(Self.endpoint)
        running.store(true, ordering: .relaxed)
        defer { running.store(false, ordering: .relaxed) }
        ready()
        while !stop() {
            let frames: [[UInt8]]?
            do {
                frames = try socket.receiveMultipart()
            } catch {
                if error.isContextTerminated { return }
                throw error
            }
            guard let frames else { continue }
            try socket.sendMultipart(reply(to: frames))
        }
    }

    /// The reply to one request: frames version, request id, status code, status text,
    /// user id, metadata.
    func reply(to frames: [[UInt8]]) -> [[UInt8]] {
        // Request: version, request id, domain, address, routing id, mechanism, credentials…
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else {
            denied.add(1, ordering: .relaxed)
            let requestID = frames.count > 1 ? frames[1] : []
            return [Array("1.0".utf8), requestID, Array("500".utf8), Array("malformed ZAP request".utf8), [], []]
        }
        let requestID = frames[1]
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        if mechanism == "CURVE", frames.count >= 7, frames[6].count == 32, authorizedKeys.contains(frames[6]) {
            accepted.add(1, ordering: .relaxed)
            let user = CurveKeyPair.encode(frames[6]) ?? ""
            return [Array("1.0".utf8), requestID, Array("200".utf8), Array("OK".utf8), Array(user.utf8), []]
        }
        denied.add(1, ordering: .relaxed)
        let key = mechanism == "CURVE" && frames.count >= 7 ? (CurveKeyPair.encode(frames[6]) ?? "?") : "(\(mechanism))"
        lastDenied.withLock { $0 = key }
        return [Array("1.0".utf8), requestID, Array("400".utf8), Array("public key not authorized".utf8), [], []]
    }
}
