/// Why a checkpoint could not be written or read. Every description names the file and
/// the problem.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A system call failed (`operation` and `errno`'s text).
        case io(operation: String, message: String)
        /// The file ends before the header or the data it declares.
        case truncated(detail: String)
        /// The header is not the safetensors JSON this format expects.
        case malformedHeader(detail: String)
        /// The metadata does not say `icrl.checkpoint.v1`.
        case unsupportedFormat(found: String)
        /// The data section's CRC-32 differs from the one stored in the header.
        case checksumMismatch(expected: String, actual: String)
        /// The checkpoint's model config differs from the model it is loaded into.
        case configMismatch(expected: String, found: String)
        /// A tensor the model needs is not in the file.
        case missingTensor(name: String)
        /// A tensor in the file that the model does not have.
        case unexpectedTensor(name: String)
        /// A tensor of the wrong shape.
        case shapeMismatch(name: String, expected: [Int], found: [Int])
        /// A tensor stored as something other than F32.
        case unsupportedDType(name: String, dtype: String)
    }

    /// The checkpoint's path.
    public let path: String
    public let kind: Kind

    public init(path: String, _ kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public var description: String {
        let problem: String
        switch kind {
        case let .io(operation, message): problem = "\(operation) failed: \(message)"
        case let .truncated(detail): problem = "file is truncated: \(detail)"
        case let .malformedHeader(detail): problem = "malformed safetensors header: \(detail)"
        case let .unsupportedFormat(found): problem = "not an ICRL checkpoint (format '\(found)')"
        case let .checksumMismatch(expected, actual):
            problem = "checksum mismatch: header says \(expected), data is \(actual) — the file is corrupt"
        case let .configMismatch(expected, found): problem = "model config mismatch: the model is \(expected), the file holds \(found)"
        case let .missingTensor(name): problem = "tensor '\(name)' is missing"
        case let .unexpectedTensor(name): problem = "tensor '\(name)' does not belong to this model"
        case let .shapeMismatch(name, expected, found): problem = "tensor '\(name)' has shape \(found), expected \(expected)"
        case let .unsupportedDType(name, dtype): problem = "tensor '\(name)' has dtype \(dtype), only F32 is supported"
        }
        return "checkpoint \(path): \(problem)"
    }
}
