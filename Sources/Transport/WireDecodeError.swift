/// Why a byte string is not a message this build accepts.
public enum WireDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// protobuf-c could not parse the bytes (truncated, corrupt, or not protobuf).
    case malformed(byteCount: Int)
    /// The envelope was written by a peer speaking another schema version.
    case unsupportedSchemaVersion(received: UInt32, supported: UInt32)
    /// The envelope parsed but carries no message.
    case missingBody
    /// A tensor whose byte length does not match its shape.
    case badTensor(name: String, detail: String)
    /// The frame is larger than the configured limit.
    case oversized(byteCount: Int, limit: Int)
    /// A field holds a value the schema does not define (an unknown enum value).
    case invalidField(name: String, detail: String)

    public var description: String {
        switch self {
        case .malformed(let n):
            "malformed message: \(n) bytes are not a valid icrl.Envelope (truncated, corrupt, or from another program)"
        case .unsupportedSchemaVersion(let got, let want):
            "unsupported schema_version \(got): this build speaks \(want); run the same icrl version on learner and actors"
        case .missingBody:
            "envelope carries no message body"
        case .badTensor(let name, let detail):
            "tensor '\(name)' is inconsistent: \(detail)"
        case .oversized(let n, let limit):
            "frame of \(n) bytes exceeds the limit of \(limit) bytes"
        case .invalidField(let name, let detail):
            "field '\(name)' is invalid: \(detail)"
        }
    }

    /// A stable snake_case reason for rejection counters (`rejected/<reason>`).
    public var reason: String {
        switch self {
        case .malformed: "decode_error"
        case .unsupportedSchemaVersion: "schema_version"
        case .missingBody: "empty_envelope"
        case .badTensor: "bad_tensor"
        case .oversized: "oversized"
        case .invalidField: "invalid_field"
        }
    }
}
