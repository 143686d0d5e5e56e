import CZeroMQ
import Foundation

/// A CURVE key pair (Curve25519), as ZeroMQ's CurveZMQ uses it to encrypt and
/// authenticate connections. Keys are kept in Z85 text: 40 printable characters for
/// 32 bytes, the form libzmq's socket options and `icrl keygen` files use.
public struct CurveKeyPair: Sendable, Equatable {
    /// Z85, 40 characters. Safe to share: it goes in the learner's authorized-keys file.
    public var publicKey: String
    /// Z85, 40 characters. Never leaves the machine it was generated on.
    public var secretKey: String

    /// Why a key could not be made or used.
    public struct KeyError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Whether this libzmq was built with CURVE (libsodium); Debian's is.
    ///
    /// The corresponding C function is `zmq_has`.
    public static var isSupported: Bool { zmq_has("curve") == 1 }

    /// A fresh random key pair.
    ///
    /// The corresponding C function is `zmq_curve_keypair`.
    public static func generate() throws(KeyError) -> CurveKeyPair {
        guard isSupported else { throw KeyError(message: "this libzmq has no CURVE support (build it with libsodium)") }
        var publicBuffer = [CChar](repeating: 0, count: 41)
        var secretBuffer = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicBuffer, &secretBuffer) == 0 else {
            throw KeyError(message: "zmq_curve_keypair failed: \(String(cString: zmq_strerror(zmq_errno())))")
        }
        return CurveKeyPair(publicKey: Self.text(publicBuffer), secretKey: Self.text(secretBuffer))
    }

    /// The pair whose secret half is `secretKey` (Z85); the public half is derived.
    ///
    /// The corresponding C function is `zmq_curve_public`.
    public init(secretKey: String) throws(KeyError) {
        _ = try Self.decode(secretKey, what: "secret key")
        var publicBuffer = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicBuffer, secretKey) == 0 else {
            throw KeyError(message: "cannot derive a public key: \(String(cString: zmq_strerror(zmq_errno())))")
        }
        self.publicKey = Self.text(publicBuffer)
        self.secretKey = secretKey
    }

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The 32 bytes behind a Z85 key; a clear error for anything that is not one.
    ///
    /// The corresponding C function is `zmq_z85_decode`.
    public static func decode(_ z85: String, what: String = "key") throws(KeyError) -> [UInt8] {
        let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")
        guard z85.count == 40, z85.allSatisfy({ z85Alphabet.contains($0) }) else {
            throw KeyError(message: "not a CURVE \(what): want 40 Z85 characters (as `icrl keygen` writes), got \(z85.count) characters")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&bytes, z85) != nil else {
            throw KeyError(message: "not a CURVE \(what): Z85 decoding failed")
        }
        return bytes
    }

    /// The Z85 text of 32 key bytes.
    ///
    /// The corresponding C function is `zmq_z85_encode`.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, bytes, 32) != nil else { return nil }
        return Self.text(text)
    }

    /// The text of a NUL-terminated C buffer.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
