import CZeroMQ

extension ZMQSocket {
    /// Makes this socket the CURVE server side: every connection is encrypted, and each
    /// client's public key goes to the ZAP handler of this socket's context (see
    /// ``ZAPAuthenticator``) before a byte of application data flows. Set before `bind`.
    ///
    /// The corresponding C function is `zmq_setsockopt` (`ZMQ_CURVE_SERVER`).
    public func makeCurveServer(keys: CurveKeyPair, domain: String = "icrl") throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, 1)
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(keys.secretKey.utf8))
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8))
    }

    /// Makes this socket a CURVE client of the server whose public key is `serverKey`,
    /// proving itself with `keys`. Set before `connect`.
    ///
    /// The corresponding C function is `zmq_setsockopt` (`ZMQ_CURVE_SERVERKEY`).
    public func makeCurveClient(serverKey: String, keys: CurveKeyPair) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8))
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(keys.publicKey.utf8))
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(keys.secretKey.utf8))
    }
}
