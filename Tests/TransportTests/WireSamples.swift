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

    static let status = ClusterStatus(
        learnerID: "node-1/4242", elapsedSeconds: 3_600.5, updates: 7_000, updatesPerSecond: 1.9,
        envStepsPerSecond10s: 12_345, envStepsPerSecond60s: 12_000, envStepsPerSecond300s: 11_500,
        replaySteps: 400_000, replayCapacity: 1_000_000, policyLagMin: 2, policyLagAvg: 5.5, policyLagMax: 9,
        rejections: 3, rssBytes: 400 << 20, weightsVersion: 6_990, envSteps: .max,
        actors: [
            ActorStatus(actorID: "a0", host: "node-2", pid: 77, state: .live, secondsSinceSeen: 0.2, envStepsPerSecond: 6_100,
                        episodesPerSecond: 24, success: 0.62, policyVersion: 6_980, policyLag: 10, queueDepth: 1, rssBytes: 210 << 20,
                        time: ["env": 0.31, "inference": 0.45, "send": 0.03, "backpressure": 0.2, "weights": 0.01],
                        stepsReceived: 1_000_000, straggler: false),
            ActorStatus(actorID: "β", state: .dead, secondsSinceSeen: 30,
                        time: ["env": 0, "inference": 0, "send": 0, "backpressure": 0, "weights": 0], straggler: true),
        ],
        ranks: [
            LearnerRankStatus(rank: 0, replaySteps: 200_000, replayTrials: 900, updates: 7_000, rejections: 0,
                              time: ["sample": 0.05, "forward_backward": 0.7, "allreduce": 0.02, "sync": 0.01]),
            LearnerRankStatus(rank: 1, replaySteps: 199_000, replayTrials: 880, updates: 7_000, rejections: 2,
                              time: ["sample": 0.04, "forward_backward": 0.72, "allreduce": 0.03, "sync": 0.02]),
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
                              time: ActorTimeSplit(wall: 5, env: 1.5, inference: 2.25, send: 0.125, backpressure: 1, weights: 0.0625),
                              rssBytes: 212 << 20, queueDepth: 3)),
        .shutdown(reason: "training finished"),
        .statusRequest(client: "icrl top"),
        .statusReply(ClusterStatus()),
        .statusReply(status),
    ]
}
