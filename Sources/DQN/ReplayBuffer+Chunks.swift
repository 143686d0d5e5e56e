extension ReplayBuffer {
    /// The newest step of an open trial, so a continuing chunk can inherit its placement.
    public func lastStep(of key: TrialKey) -> TrialStep? {
        guard let absolute = openIndex(of: key) else { return nil }
        return trials[absolute].steps.last
    }
}
