import Foundation
import Transport

/// Asks a learner for its `ClusterStatus` over the control socket (what `icrl top` shows).
/// One DEALER socket, reused across requests; replies to earlier, timed-out requests are
/// skipped. Not Sendable: use it from one thread.
public final class StatusClient {
    public let endpoint: String
    private let context: ZMQContext
    private let socket: ZMQSocket
    private let client: String

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// `control`: the learner's control endpoint (`tcp://HOST:PORT+2`).
    public init(control: String, curve: CurveClientSettings? = nil, client: String = "icrl top") throws {
        endpoint = control
        self.client = client
        context = try ZMQContext()
        socket = try ZMQSocket(context, .dealer)
        try socket.setLinger(milliseconds: 0)
        try socket.setMaxMessageSize(16 << 20)
        if let curve { try socket.makeCurveClient(serverKey: curve.learnerPublicKey, keys: curve.keys) }
        try socket.connect(control)
    }

    deinit {
        socket.close()
        context.shutdown()
    }

    /// Sends one request and waits up to `timeout` seconds for the reply.
    public func fetch(timeout: Double) throws -> ClusterStatus {
        _ = try socket.send(WireCodec.encode(.statusRequest(client: client)), dontWait: true)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                throw Failure(message: "no answer from the learner at \(endpoint) within \(timeout) s: is it running, and is that its control port (its --bind port + 2)?")
            }
            try socket.setReceiveTimeout(milliseconds: Int32(max(1, min(left, 0.25) * 1000)))
            guard let frame = try socket.receive() else { continue }
            switch try WireCodec.decode(frame, maxBytes: 16 << 20) {
            case .statusReply(let status): return status
            case .shutdown(let reason): throw Failure(message: "the learner is shutting down: \(reason)")
            default: continue
            }
        }
    }

    /// The control endpoint a learner recorded in its run folder (`learner.json`), with a
    /// wildcard host replaced by loopback, or nil when the folder has none.
    public static func controlEndpoint(runFolder: URL) -> String? {
        let url = runFolder.appendingPathComponent("learner.json")
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let control = object["control"] as? String
        else { return nil }
        return control.replacingOccurrences(of: "tcp://0.0.0.0:", with: "tcp://127.0.0.1:")
            .replacingOccurrences(of: "tcp://*:", with: "tcp://127.0.0.1:")
    }
}
