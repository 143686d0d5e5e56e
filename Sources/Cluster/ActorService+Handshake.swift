import CZeroMQ
import Transport

extension ActorService {
    static let handshakeEvents = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
        | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED

    /// Turns a failed handshake with the learner into an error that says what to fix;
    /// retrying would fail the same way forever. True when the control connection came
    /// back after it was lost (a partition that outlived the heartbeat timeout, or a
    /// learner restart): the caller re-dials its experience socket then.
    @discardableResult
    func checkHandshake(_ monitor: ZMQSocket, failures: inout Int, lostControl: inout Bool) throws -> Bool {
        var rejoined = false
        while let event = try monitor.receiveMonitorEvent(dontWait: true) {
            switch Int32(event.event) {
            case ZMQ_EVENT_DISCONNECTED:
                lostControl = true
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
                if lostControl { rejoined = true }
                lostControl = false
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                throw RefusedError(reason: """
                    the learner refused this actor's CURVE key (ZAP status \(event.value)): add this actor's \
                    public key \(options.curve?.keys.publicKey ?? "(none)") to the learner's --authorized-keys file
                    """)
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL where event.value == UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH):
                let hint = options.curve == nil
                    ? "the learner requires CURVE: pass --curve-key and --learner-key"
                    : "the learner runs without CURVE: drop --curve-key and --learner-key, or start it with --curve-key"
                throw RefusedError(reason: "the learner and this actor disagree on security: \(hint)")
            default:
                // Other failures can be transient (a learner restarting mid-handshake): retry, but say so.
                failures += 1
                // The first and then every 50th: a retry loop logs nothing new after the first.
                guard failures % 50 == 1 else { continue }
                let hint = options.curve == nil ? "" : " (is --learner-key the learner's public key?)"
                logger.warning("handshake with the learner at \(event.endpoint) failed (event 0x\(String(event.event, radix: 16)), value 0x\(String(event.value, radix: 16)))\(hint); retrying (\(failures) so far)")
            }
        }
        return rejoined
    }
}
