extension DQNLearner {
    /// Takes windows `windows` of `source`'s sampled batch as this learner's batch (its
    /// `batchSize` of them), so data-parallel ranks can be checked against one learner
    /// training on the union of their windows (`icrl check-ranks`).
    public func copyBatch(from source: DQNLearner, windows: Range<Int>) {
        precondition(windows.count == batch && windows.upperBound <= source.batch, "copyBatch: \(windows) does not fit a batch of \(batch)")
        precondition(source.time == time && source.features == features, "copyBatch: the learners' windows differ in shape")
        precondition(source.config.carriedLandings == config.carriedLandings, "copyBatch: the learners carry different landings")
        for (b, s) in zip(0..<batch, windows) {
            for i in 0..<(time * features) { tokens[b * time * features + i] = source.tokens[s * time * features + i] }
            for t in 0..<time { steps[b * time + t] = source.steps[s * time + t] }
            lengths[b] = source.lengths[s]
            endsTrial[b] = source.endsTrial[s]
            demonstrator[b] = source.demonstrator[s]
            previousSteps[b] = source.previousSteps[s]
            carried[b] = source.carried[s]
            carriedOnMap[b] = source.carriedOnMap[s]
            let m = config.carriedLandings
            for i in 0..<m { carriedEnds[b * m + i] = source.carriedEnds[s * m + i] }
        }
    }
}
