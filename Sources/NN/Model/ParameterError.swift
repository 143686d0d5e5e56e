/// Parameters that do not fit a model: wrong names, shapes, counts or architecture.
public enum ParameterError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A flat buffer of the wrong length.
    case countMismatch(expected: Int, found: Int)
    /// A tensor the model has but the input lacks.
    case missingTensor(name: String)
    /// A tensor the input has but the model does not.
    case unexpectedTensor(name: String)
    /// The same name twice in the input.
    case duplicateTensor(name: String)
    /// A tensor whose shape differs from the model's.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// A tensor whose value count does not match its own shape.
    case valueCountMismatch(name: String, shape: [Int], values: Int)
    /// Two models (or a model and a message) with different config fingerprints.
    case configMismatch(expected: String, found: String)

    public var description: String {
        switch self {
        case let .countMismatch(expected, found):
            return "parameter buffer has \(found) floats, the model needs \(expected)"
        case let .missingTensor(name):
            return "tensor '\(name)' is missing"
        case let .unexpectedTensor(name):
            return "tensor '\(name)' does not belong to this model"
        case let .duplicateTensor(name):
            return "tensor '\(name)' appears more than once"
        case let .shapeMismatch(name, expected, found):
            return "tensor '\(name)' has shape \(found), the model needs \(expected)"
        case let .valueCountMismatch(name, shape, values):
            return "tensor '\(name)' has \(values) values but shape \(shape) needs \(shape.reduce(1, *))"
        case let .configMismatch(expected, found):
            return "model config fingerprint \(found) does not match \(expected)"
        }
    }
}
