import NN

/// The learner's hyperparameters (cleanrl-style: one documented struct, defaults that work).
/// Stored in the run folder and in every checkpoint.
public struct DQNConfig: Codable, Hashable, Sendable {
    /// Windows per update.
    public var batchSize = 32
    /// Tokens per window; at most the model's context. Windows of shorter trials are padded.
    public var windowLength = 256
    /// Regression targets: discount, reward scale, bootstrap mode.
    public var gamma: Float = 0.9
    public var gammaAcrossEpisodes: Float = 0.9
    public var rewardScale: Float = 30
    public var bootstrap: DQNTargets.Bootstrap = .episode
    /// Timeouts get no target under per-episode bootstrap (`DQNTargets.masksTimeouts`).
    /// Configs written before this field existed decode with it off, as they were trained.
    public var masksTimeouts = true
    /// Fraction of sampled windows that begin at their trial's first step. Evaluation reads
    /// a trial from its start; uniform window starts put step 0 of a 400-step trial in
    /// about 1 window of 145 (`ReplayBuffer.sampleWindow`). 0: uniform starts only (the
    /// setting of configs written before this field existed).
    public var trialStartFraction: Double = 0.25
    /// Sample every acting policy's trials equally often (`ReplayBuffer.sampleWindow`),
    /// whatever share of the replay each holds. For offline datasets: with teacher
    /// relabelling the labels are the teacher's whoever acted, so the data's quality only
    /// changes which states the model sees, and balancing keeps a dataset made mostly of
    /// one policy from crowding out the others' states. Off: in proportion to steps held.
    public var balancesBehaviours = false
    /// Show every sampled window through a random one of the grid's eight symmetries
    /// (`GridSymmetry.augment`: transposes and flips, actions relabelled), each map on a
    /// fresh canvas placement. The maps' distribution is symmetric, so this multiplies the
    /// distinct trials a fixed dataset holds; it rewrites only the sampled copy.
    public var augmentsSymmetries = false
    /// Share of sampled windows whose whole episodes are reordered on each map
    /// (`EpisodeShuffle`): any order of a map's episodes is a history some actor could have
    /// written, and with teacher relabelling it shows a demonstrator's data from the states a
    /// learner's own mistakes reach. 0: windows as stored.
    public var episodeShuffleFraction: Double = 0
    /// Target network: Polyak τ per update (1 = hard copy every `targetEvery` updates).
    public var polyakTau: Float = 0.01
    public var targetEvery = 1
    /// Huber δ on the TD error (in scaled-reward units); nil uses the squared error.
    public var huberDelta: Float? = 10
    /// AdamW.
    public var learningRate: Float = 3e-4
    public var weightDecay: Float = 0.01
    public var maxGradNorm: Float = 1.0
    /// Linear learning-rate warm-up over this many updates.
    public var warmupUpdates = 200
    /// DQfD's large-margin term on demonstrator trials (`MarginImitationLoss`): its weight λ
    /// beside the TD loss (0 turns it off). It teaches the model the teacher's in-context
    /// exploration far faster than TD alone, which only sees rewards.
    public var imitationWeight: Float = 0
    /// The margin m, in scaled-reward units (Q of a goal-reaching step is `rewardScale`).
    public var imitationMargin: Float = 3
    /// Whose trials count as demonstrations.
    public var imitationBehaviours: [RolloutBehaviour] = [.oracle]
    /// Teacher relabelling (DAgger-style): every token of every sampled window, the model's
    /// own trials included, is labelled with the actions the oracle (cautious with
    /// `teacherUnknownStepCost` > 0) would take knowing what the window shows (`TeacherLabels`), and the margin term
    /// (`imitationWeight` > 0, `imitationMargin`) pulls the greedy action toward that set,
    /// beside the TD loss. Non-slippery maps only.
    public var teacherRelabel = false
    /// The relabelling teacher's caution (`OracleAgent.unknownStepCost`): extra steps it
    /// charges a route to a known goal per cell never stood on. 0: the belief-greedy oracle,
    /// which takes any shortest route through unknown ice.
    public var teacherUnknownStepCost = 0
    /// Landing tokens carried into a window from before its start, at most (0: none). A
    /// landing token opens an episode after one that fell in a hole or reached the goal, and
    /// is the only token that says where that cell is (`Tokenizer.showsLanding`). Slippery
    /// trials outgrow the context, so a window of consecutive steps forgets holes the trial
    /// met early. With this set, a window sampled from inside a trial starts with the newest
    /// landings from before it (no loss on them; the teacher knows those on the window's map;
    /// an earlier map's may come too, since the model is not told of map changes), and the
    /// model's decoder keeps such tokens in view when it re-encodes, at most this many
    /// (`KVCacheDecoder.salientToken`), so acting and training see the same kind of context.
    public var carriedLandings = 0

    public init() {}

    /// Decodes configs written before a field existed with that field's default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DQNConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        batchSize = try value(.batchSize, d.batchSize)
        windowLength = try value(.windowLength, d.windowLength)
        gamma = try value(.gamma, d.gamma)
        gammaAcrossEpisodes = try value(.gammaAcrossEpisodes, d.gammaAcrossEpisodes)
        rewardScale = try value(.rewardScale, d.rewardScale)
        bootstrap = try value(.bootstrap, d.bootstrap)
        masksTimeouts = try value(.masksTimeouts, false)
        trialStartFraction = try value(.trialStartFraction, 0)
        balancesBehaviours = try value(.balancesBehaviours, false)
        augmentsSymmetries = try value(.augmentsSymmetries, false)
        episodeShuffleFraction = try value(.episodeShuffleFraction, 0)
        polyakTau = try value(.polyakTau, d.polyakTau)
        targetEvery = try value(.targetEvery, d.targetEvery)
        huberDelta = try c.decodeIfPresent(Float.self, forKey: .huberDelta)
        learningRate = try value(.learningRate, d.learningRate)
        weightDecay = try value(.weightDecay, d.weightDecay)
        maxGradNorm = try value(.maxGradNorm, d.maxGradNorm)
        warmupUpdates = try value(.warmupUpdates, d.warmupUpdates)
        imitationWeight = try value(.imitationWeight, d.imitationWeight)
        imitationMargin = try value(.imitationMargin, d.imitationMargin)
        imitationBehaviours = try value(.imitationBehaviours, d.imitationBehaviours)
        teacherRelabel = try value(.teacherRelabel, false)
        teacherUnknownStepCost = try value(.teacherUnknownStepCost, 0)
        carriedLandings = try value(.carriedLandings, 0)
    }

    var lossKind: QRegressionLoss.Kind {
        huberDelta.map { .huber(delta: $0) } ?? .squared
    }

    var targets: DQNTargets {
        DQNTargets(gamma: gamma, gammaAcrossEpisodes: gammaAcrossEpisodes, rewardScale: rewardScale, bootstrap: bootstrap,
                   masksTimeouts: masksTimeouts)
    }

    var adam: AdamW.Hyperparameters {
        AdamW.Hyperparameters(learningRate: learningRate, weightDecay: weightDecay, maxGradNorm: maxGradNorm)
    }
}
