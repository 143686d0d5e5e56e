import Transport

/// One representative value of every message type, with awkward content
/// (empty strings, non-ASCII text, extreme integers, empty and odd-sized arrays).
enum WireSamples {
    static let chunk = ExperienceChunk(
        actorID: "actor-7@node-3", incarnation: 0xDEAD_BEEF_0000_0001, trialID: 42, sequence: .max,
        policyVersion: 17, configFingerprint: 0x0123_4567_89AB_CDEF, mapRows: 5, mapCols: 3,
        firstStep: 96, trialDone: true, behaviour: .oracle,
        observations: [0, 1, 4, 7, 14], actions: [2, 1, 1, 1, 0], rewards: [0, 0, 0, 0, 1],
        nextObservations: [1, 4, 7, 10, 13],
        flags: [StepFlags.episodeStart.rawValue | StepFlags.mapStart.rawValue, 0, 0, 0, StepFlags.terminated.rawValue])

    static let weights = WeightsMessage(
        version: 123, configFingerprint: 99, configJSON: #"{"dModel":16}"#,
        tensors: [
            WireTensor(name: "online.embed.0", shape: [3, 2], values: [1, -2, 3.5, .pi, -0, 1e-30]),
            WireTensor(name: "online.empty", shape: [0], values: []),
            WireTensor(name: "scalar", shape: [], values: [7]),
        ])

    static let all: [WireMessage] = [
        .experience(chunk),
        .experience(ExperienceChunk(
            actorID: "", incarnation: 0, trialID: 0, sequence: 0, policyVersion: 0, configFingerprint: 0,
            mapRows: 0, mapCols: 0, firstStep: 0, trialDone: false, behaviour: .unspecified,
            observations: [], actions: [], rewards: [], nextObservations: [], flags: [])),
        .weights(weights),
        .hello(Hello(actorID: "α-actor", host: "gpu-node-01", pid: 4242, configFingerprint: .max, incarnation: 9, environments: 64)),
        .helloReply(HelloReply(accepted: false, reason: "config fingerprint mismatch", learnerID: "learner", weightsVersion: 3, heartbeatIntervalMilliseconds: 500)),
        .weightsRequest(WeightsRequest(actorID: "a", haveVersion: 0)),
        .heartbeat(Heartbeat(actorID: "a", incarnation: 1, unixTimeMilliseconds: 1_790_000_000_000, policyVersion: 5)),
        .stats(ActorStats(actorID: "a", incarnation: 1, envSteps: 1_000_000, episodes: 10, successes: 3, envStepsPerSecond: 12345.5, inferenceMilliseconds: 0.75, chunksSent: 99, chunksDropped: 1,
                              time: ActorTimeSplit(wall: 5, env: 1.5, inference: 2.25, send: 0.125, backpressure: 1, weights: 0.0625))),
        .shutdown(reason: "training finished"),
    ]
}
