/// A tensor as it travels over the network or into a file: a name from
/// `ParameterLayout`, a row-major shape and its values.
public struct NamedTensor: Hashable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}
