import Foundation
import FrozenLake

/// How an actor generates experience (cleanrl-style documented defaults).
public struct RolloutConfig: Codable, Hashable, Sendable {
    /// Environments stepped together (batched through the model).
    public var environments = 64
    /// Maps a trial visits; the map changes without warning between them.
    public var mapsPerTrial = 1
    /// Episodes on each map: drawn uniformly from this range (the paper: 20–40).
    public var episodesPerMapMin = 20
    public var episodesPerMapMax = 40
    /// Step limit per episode (Gymnasium's FrozenLake-v1: 100). A lower limit in training
    /// keeps lost episodes from filling the context.
    public var episodeStepLimit = 100
    /// Training maps come from this suite's training split (never the evaluation split).
    /// Several suites, comma-separated (`in-dist,ood8,8x8`), give each trial a suite drawn
    /// uniformly: one model for small and 8 × 8 maps.
    public var suite: String = MapSuite.inDistribution.rawValue
    /// When set (rows separated by commas), every trial plays this one map instead of
    /// drawing from the suite: for smoke tests.
    public var fixedMap: String?
    /// Slippery dynamics.
    public var slippery = false
    /// Relative weight of each behaviour when a trial picks who acts in it.
    public var modelWeight: Double = 1
    public var randomWeight: Double = 0
    public var qlearningWeight: Double = 0
    public var oracleWeight: Double = 0
    /// The oracle behaviour's caution (`OracleAgent.unknownStepCost`; 0: belief-greedy).
    public var oracleUnknownStepCost = 0
    /// ε-greedy schedule of the model behaviour, linear in learner updates.
    public var epsilonStart: Double = 1
    public var epsilonEnd: Double = 0.05
    public var epsilonDecayUpdates = 5_000
    /// Ape-X's per-lane exploration: environment lane `i` of `N` acts with
    /// `ε^(1 + spread·i/(N−1))`, so every actor always has nearly greedy lanes — whose
    /// loops and dead ends the learner must see to learn to avoid them — beside exploring
    /// ones. 0 gives every lane the same ε.
    public var epsilonSpread: Double = 0
    /// Exploring starts: the share of episodes, after a map's first, that begin on a random
    /// S or F cell instead of a start cell, so contexts hold episodes that begin mid-map —
    /// as scripted ones do (the stitching suite) — and values are learned from every cell.
    /// Evaluation always starts on S. 0: every episode starts on S, as in Gymnasium.
    public var exploringStartFraction: Double = 0
    /// Steps per experience chunk.
    public var chunkSteps = 64

    public init() {}

    /// Decodes configs written before a field existed with that field's default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RolloutConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        environments = try value(.environments, d.environments)
        mapsPerTrial = try value(.mapsPerTrial, d.mapsPerTrial)
        episodesPerMapMin = try value(.episodesPerMapMin, d.episodesPerMapMin)
        episodesPerMapMax = try value(.episodesPerMapMax, d.episodesPerMapMax)
        episodeStepLimit = try value(.episodeStepLimit, d.episodeStepLimit)
        suite = try value(.suite, d.suite)
        fixedMap = try c.decodeIfPresent(String.self, forKey: .fixedMap)
        slippery = try value(.slippery, d.slippery)
        modelWeight = try value(.modelWeight, d.modelWeight)
        randomWeight = try value(.randomWeight, d.randomWeight)
        qlearningWeight = try value(.qlearningWeight, d.qlearningWeight)
        oracleWeight = try value(.oracleWeight, d.oracleWeight)
        oracleUnknownStepCost = try value(.oracleUnknownStepCost, 0)
        epsilonStart = try value(.epsilonStart, d.epsilonStart)
        epsilonEnd = try value(.epsilonEnd, d.epsilonEnd)
        epsilonDecayUpdates = try value(.epsilonDecayUpdates, d.epsilonDecayUpdates)
        epsilonSpread = try value(.epsilonSpread, d.epsilonSpread)
        chunkSteps = try value(.chunkSteps, d.chunkSteps)
        exploringStartFraction = try value(.exploringStartFraction, 0)
    }

    /// ε after `updates` learner updates.
    public func epsilon(updates: Int) -> Double {
        guard epsilonDecayUpdates > 0 else { return epsilonEnd }
        let f = min(1, Double(updates) / Double(epsilonDecayUpdates))
        return epsilonStart + (epsilonEnd - epsilonStart) * f
    }

    /// ε of environment lane `lane` of `lanes` when the schedule is at `epsilon`.
    public func epsilon(_ epsilon: Double, lane: Int, lanes: Int) -> Double {
        guard epsilonSpread > 0, lanes > 1 else { return epsilon }
        return pow(epsilon, 1 + epsilonSpread * Double(lane) / Double(lanes - 1))
    }

    /// The map suites, validated: nil if any name is unknown.
    public var mapSuites: [MapSuite]? {
        let names = suite.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let suites = names.compactMap { MapSuite(rawValue: $0) }
        return suites.count == names.count && !suites.isEmpty ? suites : nil
    }
}
