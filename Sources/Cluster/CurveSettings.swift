import Transport

/// CURVE on the learner's side: its key pair and the actors it lets in.
///
/// With it, all three learner sockets (experience, weights, control) encrypt and
/// authenticate every connection; an actor whose public key is not in `authorizedKeys`
/// is refused during the handshake, before any of its frames reach the learner.
public struct CurveServerSettings: Sendable {
    public var keys: CurveKeyPair
    /// 32-byte public keys of the admitted actors.
    public var authorizedKeys: Set<[UInt8]>

    public init(keys: CurveKeyPair, authorizedKeys: Set<[UInt8]>) {
        self.keys = keys
        self.authorizedKeys = authorizedKeys
    }
}

/// CURVE on an actor's side: the learner's public key (who we expect to talk to) and
/// this actor's own key pair (who we are).
public struct CurveClientSettings: Sendable {
    /// Z85.
    public var learnerPublicKey: String
    public var keys: CurveKeyPair

    public init(learnerPublicKey: String, keys: CurveKeyPair) {
        self.learnerPublicKey = learnerPublicKey
        self.keys = keys
    }
}
