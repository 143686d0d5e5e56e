extension Transformer {
    /// Hard target update: `self ← online`.
    public func copyParameters(from online: Transformer) throws {
        try requireSameArchitecture(online)
        parameters.copy(from: online.parameters)
    }

    /// Polyak target update: `self ← (1 − τ)·self + τ·online`.
    public func polyakUpdate(from online: Transformer, tau: Float) throws {
        try requireSameArchitecture(online)
        precondition(tau >= 0 && tau <= 1, "Polyak τ must be in [0, 1], got \(tau)")
        let target = parameters.pointer, source = UnsafePointer(online.parameters.pointer)
        let keep = 1 - tau
        for i in 0..<layout.count { target[i] = keep * target[i] + tau * source[i] }
        parameters.markModified()
    }

    func requireSameArchitecture(_ other: Transformer) throws {
        if other.config.fingerprint != config.fingerprint {
            throw ParameterError.configMismatch(expected: config.fingerprintHex, found: other.config.fingerprintHex)
        }
    }
}
