extension Transformer {
    /// Every parameter tensor, in layout order, with its name and shape.
    public func exportTensors() -> [NamedTensor] {
        layout.tensors.map { NamedTensor(name: $0.name, shape: $0.shape, values: Array(parameters[$0])) }
    }

    /// Replaces all parameters with `tensors`, which must name every tensor of the layout
    /// exactly once with the right shape. Nothing is changed when it throws.
    public func importTensors(_ tensors: [NamedTensor]) throws {
        var byName: [String: NamedTensor] = [:]
        for tensor in tensors {
            if byName[tensor.name] != nil { throw ParameterError.duplicateTensor(name: tensor.name) }
            guard let spec = layout.spec(named: tensor.name) else { throw ParameterError.unexpectedTensor(name: tensor.name) }
            if tensor.shape != spec.shape {
                throw ParameterError.shapeMismatch(name: tensor.name, expected: spec.shape, found: tensor.shape)
            }
            if tensor.values.count != spec.count {
                throw ParameterError.valueCountMismatch(name: tensor.name, shape: tensor.shape, values: tensor.values.count)
            }
            byName[tensor.name] = tensor
        }
        for spec in layout.tensors where byName[spec.name] == nil {
            throw ParameterError.missingTensor(name: spec.name)
        }
        for spec in layout.tensors {
            byName[spec.name]!.values.withUnsafeBufferPointer { parameters[spec].baseAddress!.update(from: $0.baseAddress!, count: spec.count) }
        }
        parameters.markModified()
    }

    /// Replaces all parameters from a flat buffer in layout order (`layout.count` floats).
    public func load(parameters source: UnsafeBufferPointer<Float>) throws {
        guard source.count == layout.count else { throw ParameterError.countMismatch(expected: layout.count, found: source.count) }
        parameters.pointer.update(from: source.baseAddress!, count: layout.count)
        parameters.markModified()
    }

    /// `load(parameters:)` for arrays.
    public func load(parameters source: [Float]) throws {
        try source.withUnsafeBufferPointer { try load(parameters: $0) }
    }
}
