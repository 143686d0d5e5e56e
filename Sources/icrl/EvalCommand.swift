import ArgumentParser
import DQN
import Evaluation
import Foundation
import FrozenLake
import NN

/// `icrl eval`: in-context learning curves — success rate by episode index — of one or
/// more agents on the same held-out maps.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Success rate by episode of agents on held-out maps (in-context learning curves).",
        discussion: """
            A trial is E consecutive episodes on one map; the agent keeps what it
            learned across the trial's episodes and forgets it between maps. The
            table shows, for each episode, the fraction of maps on which that
            episode reached a goal. Maps come from the suite's evaluation split,
            which never overlaps the maps training draws. The same --seed gives
            the same maps, start cells and results.

            Agents (compare several with --agent a,b or a repeated --agent):
            \(ClassicalAgentKind.allCases.map { "  \($0.rawValue.padding(17))\($0.summary)" }.joined(separator: "\n"))

            Examples:
              icrl eval --agent oracle --suite in-dist
              icrl eval --agent random,qlearning,oracle,known-map --maps 200
              icrl eval --agent oracle --suite ood --slippery --json
              icrl eval --agent cautious-oracle,planner --suite ood8 --maps 100
              icrl eval --agent known-map,planner --map-name 8x8 --slippery --maps 100
              icrl eval --agent oracle --checkpoint models/icrl-best.safetensors --suite nonstationary
              icrl eval --agent qlearning,oracle --suite stitch --episodes 5
              icrl eval --agent oracle --map SFFF,FHFH,FFFH,HFFG --context ctx.jsonl --trials 20
              icrl eval --agent qlearning --maps 5 --trace q.jsonl
              python3 scripts/replay_trace_gym.py q.jsonl   # replays it in Gymnasium
            """
    )

    @Option(
        name: .customLong("agent"), parsing: .singleValue,
        help: ArgumentHelp(
            "Agent to evaluate: \(ClassicalAgentKind.names). Repeat or comma-separate to compare agents on the same maps.",
            valueName: "name"))
    var agentNames: [String] = []

    @Option(
        name: .customLong("checkpoint"), parsing: .singleValue,
        help: ArgumentHelp("A trained model (checkpoint .safetensors) to evaluate beside the agents; repeat to compare models.", valueName: "file"))
    var checkpoints: [String] = []

    @Option(help: ArgumentHelp("The model's forced exploration: none (ours, default) or paper (model used with probability 0, 0, 0.1, 0.1, ..., 0.9, 0.9, then 1 by episode).", valueName: "none|paper"))
    var warmup: String = TransformerAgent.Warmup.none.rawValue

    @Option(help: "Probability of a random action at every step for the model (0: greedy).")
    var epsilon: Double = 0

    @Option(
        name: .customLong("context-keep"),
        help: ArgumentHelp(
            "Tokens of history the model keeps when a trial outgrows its context and is re-encoded (default: half the context). Long trials (slippery ice) lose early episodes from view; more keeps more, at more re-encoding.",
            valueName: "tokens"))
    var contextKeep: Int?

    @Flag(
        name: .customLong("carry-landings"), inversion: .prefixedNo,
        help: "When a trial outgrows the model's context, keep in view the older tokens that show where an episode fell in a hole or reached the goal (at most half the kept tokens), not only the most recent. Default: on with --slippery (slippery trials outgrow the context) and for models trained with dqn.carriedLandings, off otherwise.")
    var carryLandings: Bool?

    @Option(
        name: .customLong("agent-memory"),
        help: ArgumentHelp(
            "Hold the --agent agents to the trial's last N steps, as a model's context holds it (default: the whole trial). Each decision replays the N steps, so this is slow; for measuring how much of a ceiling is memory.",
            valueName: "steps"))
    var agentMemory: Int?

    @Flag(
        name: .customLong("agent-memory-ends"),
        help: "With --agent-memory: also remember every step that fell in a hole or reached the goal, however old (what --carry-landings keeps in a model's view).")
    var agentMemoryEnds = false

    @OptionGroup(title: "Planner") var planner: PlannerOptions

    @OptionGroup var trials: EvalTrialOptions
    @OptionGroup var output: EvalOutputOptions

    /// The agents named on the command line, in order, without duplicates.
    func classicalAgents() throws -> [ClassicalAgentKind] {
        var kinds: [ClassicalAgentKind] = []
        for name in agentNames.flatMap({ $0.split(separator: ",") }).map({ $0.trimmedSpaces() }) where !name.isEmpty {
            guard let kind = ClassicalAgentKind(rawValue: name) else {
                throw ValidationError("unknown agent '\(name)'; choose from \(ClassicalAgentKind.names)")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds
    }

    func validate() throws {
        guard try !classicalAgents().isEmpty || !checkpoints.isEmpty else {
            throw ValidationError("name an agent to evaluate, e.g. --agent oracle (choices: \(ClassicalAgentKind.names)), or a model with --checkpoint FILE")
        }
        guard TransformerAgent.Warmup(rawValue: warmup) != nil else {
            throw ValidationError("--warmup must be none or paper")
        }
        guard (0...1).contains(epsilon) else { throw ValidationError("--epsilon must lie between 0 and 1") }
        for path in checkpoints where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("checkpoint \(path) does not exist (a run writes RUN/checkpoints/latest.safetensors; the shipped model is models/icrl-best.safetensors)")
        }
    }

    /// The model and its tokenizer from a checkpoint written by the learner.
    static func loadAgent(
        path: String, lanes: Int, epsilon: Double, warmup: TransformerAgent.Warmup, contextKeep: Int? = nil,
        carryLandings: Bool? = nil, slippery: Bool = false
    ) throws -> TransformerAgent {
        let url = URL(fileURLWithPath: path)
        let info = try Checkpoint.info(at: url)
        guard let json = info.extra["run_config"] else {
            throw ValidationError("\(path) has no run_config metadata: it was not written by icrl learner")
        }
        let run = try RunConfig.from(json: json)
        let model = try Checkpoint.loadModel(from: url)
        if let keep = contextKeep, !(0..<model.config.contextLength).contains(keep) {
            throw ValidationError("--context-keep \(keep) must be in 0..<\(model.config.contextLength), the context of \(path)")
        }
        return try TransformerAgent(
            model: model, tokenizer: Tokenizer(config: run.tokenizer), lanes: lanes, epsilon: epsilon, warmup: warmup,
            contextKeep: contextKeep,
            carriedLandings: carriedLandings(choice: carryLandings, slippery: slippery, run: run))
    }

    /// How many older landing tokens the model's re-encodings keep (`--carry-landings`): the
    /// run's `dqn.carriedLandings` when it trained so, up to half of what is kept when asked
    /// or on slippery ice, where 30-episode trials outgrow the context (validation, in-dist:
    /// .618 → .706 at 10 minutes of the slippery preset; non-slippery suites within .002).
    static func carriedLandings(choice: Bool?, slippery: Bool, run: RunConfig) -> Int {
        switch choice ?? (slippery || run.dqn.carriedLandings > 0) {
        case false: 0
        case true: run.dqn.carriedLandings > 0 ? run.dqn.carriedLandings : Int.max
        }
    }

    func run() throws {
        if let steps = agentMemory, steps < 1 {
            throw ValidationError("--agent-memory counts steps: 1 or more (leave it out to remember whole trials)")
        }
        if agentMemoryEnds, agentMemory == nil {
            throw ValidationError("--agent-memory-ends needs --agent-memory N (the recent steps remembered beside the ends)")
        }
        let specs = try trials.trialSpecs()
        let harness = trials.harness()
        let trace = try output.traceWriter()
        var results: [EvaluationResult] = []
        for kind in try classicalAgents() {
            // Only known-map reads `revealedMap`; see ClassicalAgentKind.seesMap.
            let name = agentMemory.map { "\(kind.rawValue)@\($0)\(agentMemoryEnds ? "+ends" : "")" } ?? kind.rawValue
            results.append(try harness.run(agentName: name, trials: specs, trace: trace) { [agentMemory, agentMemoryEnds, planner] setup in
                let make = { kind.makeAgent(revealing: setup.revealedMap, prior: trials.mapSuite.generator, planner: planner.settings) }
                guard let steps = agentMemory else { return make() }
                return AnyInContextAgent(RecentMemoryAgent(steps: steps, keepsEnds: agentMemoryEnds, makeBase: make))
            })
        }
        for path in checkpoints {
            var agent = try Self.loadAgent(
                path: path, lanes: harness.batchSize, epsilon: epsilon, warmup: TransformerAgent.Warmup(rawValue: warmup)!,
                contextKeep: contextKeep, carryLandings: carryLandings, slippery: trials.slippery)
            do { try agent.checkFits(specs) } catch { throw ValidationError("\(path): \(error)") }
            let name = checkpoints.count == 1 ? "model" : "model:" + URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            results.append(try harness.run(agentName: name, agent: &agent, trials: specs, trace: trace))
        }
        try output.emit(
            results, suite: trials.suiteLabel, title: trials.title,
            swapAfter: trials.experiment == .nonstationary ? trials.swapAfter : nil)
    }
}

/// Which trials `icrl eval` runs: suite, number of maps and episodes, dynamics, seed.
struct EvalTrialOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Suite: \(MapSuite.names), \(ExperimentSuite.names). in-dist = the paper's 3-5 x 3-5 maps; ood = 6-7 x 6-7; ood8 = 8 x 8; 4x4/8x8 = Gymnasium's generate_random_map; nonstationary = in-dist maps swapped for another of the same shape after --swap-after episodes (60 episodes by default); stitch = in-dist maps with two scripted half-path episodes in the context.",
        valueName: "name"))
    var suite: String = MapSuite.inDistribution.rawValue

    @Option(name: .customLong("swap-after"), help: "With --suite nonstationary: episodes on the first map before the swap.")
    var swapAfter: Int = 30

    @Option(help: ArgumentHelp(
        "Scripted episodes (trace format, one JSON object per line; an episode may start on any S/F cell) put in the agent's context before every trial. Their map is the trial's map, or must equal --map.",
        valueName: "file.jsonl"))
    var context: String?

    @Option(name: .customLong("trials"), help: "With --map or --context: trials to run on that map (same as --maps).")
    var trialCount: Int?

    @Option(help: ArgumentHelp("Evaluate on this one map instead of a suite (rows separated by commas, e.g. SFFF,FHFH,FFFH,HFFG); --maps then counts trials on it.", valueName: "rows"))
    var map: String?

    @Option(name: .customLong("map-name"), help: ArgumentHelp(
        "Evaluate on one of Gymnasium's named maps (FrozenLake-v1's map_name): 4x4 (SFFF,FHFH,FFFH,HFFG) or 8x8 (200 steps, as FrozenLake8x8-v1); --maps then counts trials on it, and the planner's prior is Gymnasium's generate_random_map of that size.",
        valueName: "4x4|8x8"))
    var mapName: String?

    /// Gymnasium's named map and the suite of its generator, when --map-name is given.
    var namedMap: (map: FrozenLakeMap, suite: MapSuite)? {
        switch mapName {
        case "4x4": (.gymnasium4x4, .classic4x4)
        case "8x8": (.gymnasium8x8, .classic8x8)
        default: nil
        }
    }

    @Option(help: "Number of maps (trials), drawn from the suite's --split; the paper used 50.")
    var maps: Int = 50

    @Option(help: ArgumentHelp(
        "Held-out maps to play: eval (the maps figures are reported on) or validation (the maps to choose recipes and checkpoints on; never trained on, never reported).",
        valueName: "eval|validation"))
    var split: String = "eval"

    /// The validated held-out split.
    var mapSplit: MapSplit { MapSplit(name: split) ?? .evaluation }

    @Option(name: .customLong("episodes"), help: "Episodes per map; the agent keeps its memory across them. The paper used 30 (60 for nonstationary, the default there).")
    var episodesOption: Int?

    /// Episodes per trial: as given, or the experiment's default.
    var episodes: Int { episodesOption ?? (experiment == .nonstationary ? 60 : 30) }

    @Option(help: "Seed for the maps, start cells, slips and agents' randomness.")
    var seed: UInt64 = 0

    @Flag(help: "Slippery ice (Gymnasium's is_slippery): moves go sideways with probability 1 - success rate. The paper's setting is not slippery.")
    var slippery = false

    @Option(name: .customLong("success-rate"), help: "With --slippery: probability of moving in the intended direction (Gymnasium's success_rate; default 1/3); each sideways move gets half the rest.")
    var successRateOption: Double?

    /// The slip model's success rate (Gymnasium's default 1/3 unless given).
    var successRate: Double { successRateOption ?? 1.0 / 3.0 }

    @Option(name: .customLong("max-steps"), help: "Steps before an episode is truncated (default: 100, or 200 for 8x8 maps, as Gymnasium registers them).")
    var maxSteps: Int?

    func validate() throws {
        guard MapSuite(rawValue: suite) != nil || experiment != nil else {
            throw ValidationError("unknown suite '\(suite)'; choose from \(MapSuite.names), \(ExperimentSuite.names)")
        }
        guard trialTotal >= 1 else { throw ValidationError("--maps (or --trials) must be at least 1 (try --maps 50)") }
        guard let held = MapSplit(name: split), held != .train else {
            throw ValidationError("--split \(split): choose eval or validation (training maps are not for evaluation)")
        }
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1 (try --episodes 30)") }
        if experiment == .nonstationary {
            guard swapAfter >= 1, swapAfter < episodes else {
                throw ValidationError("--swap-after must lie in 1..<--episodes (\(episodes)); the paper swaps after 30 of 60")
            }
        }
        if context != nil, experiment != nil {
            throw ValidationError("--context scripts one map's trials; it does not combine with --suite \(suite) (stitch generates its own contexts)")
        }
        if successRateOption != nil, !slippery {
            throw ValidationError("--success-rate only applies to slippery ice; add --slippery")
        }
        guard (0.0...1.0).contains(successRate) else {
            throw ValidationError("--success-rate must lie between 0 and 1 (Gymnasium's default is 0.333)")
        }
        if let map {
            do { _ = try FrozenLakeMap(map) } catch { throw ValidationError("--map: \(error)") }
        }
        if let mapName {
            guard namedMap != nil else { throw ValidationError("--map-name \(mapName): Gymnasium names two maps, 4x4 and 8x8") }
            guard map == nil, context == nil else { throw ValidationError("--map-name picks the map; drop --map and --context") }
        }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be at least 1 (Gymnasium uses 100)") }
    }

    /// The experiment named by --suite, if it is one rather than a map suite.
    var experiment: ExperimentSuite? { ExperimentSuite(rawValue: suite) }

    /// The validated map suite (experiments play in-dist maps; a named map, its generator's suite).
    var mapSuite: MapSuite { namedMap?.suite ?? MapSuite(rawValue: suite) ?? .inDistribution }

    /// Trials to run.
    var trialTotal: Int { trialCount ?? maps }

    /// The suite's name in JSON output.
    var suiteLabel: String {
        if let mapName { return "gymnasium-" + mapName }
        if let map { return "map:" + map }
        if let context { return "context:" + context }
        return suite
    }

    /// Dynamics of every trial.
    var config: EnvConfig {
        EnvConfig(slippery: slippery, successRate: successRate, maxSteps: maxSteps ?? mapSuite.defaultMaxSteps)
    }

    /// The trials: a fixed map (with or without a scripted context), an experiment, or one
    /// stationary trial per evaluation map of a suite.
    func trialSpecs() throws -> [TrialSpec] {
        if let context {
            let episodes: [TraceEpisode]
            do { episodes = try TraceReader.read(path: context) } catch { throw ValidationError("--context: \(error)") }
            let fixed = try map.map { try FrozenLakeMap($0) } ?? episodes[0].map
            for (i, episode) in episodes.enumerated() {
                guard episode.map == fixed else {
                    throw ValidationError("--context: episode \(i + 1) plays \(episode.map) but the trials play \(fixed); one context scripts one map")
                }
                guard episode.slippery == slippery else {
                    throw ValidationError("--context: episode \(i + 1) is \(episode.slippery ? "" : "not ")slippery but the trials are \(slippery ? "" : "not "); add or drop --slippery")
                }
            }
            return Array(repeating: TrialSpec(map: fixed, context: episodes.map(\.steps)), count: trialTotal)
        }
        if let named = namedMap {
            return Array(repeating: TrialSpec(map: named.map), count: trialTotal)
        }
        if let map, let fixed = try? FrozenLakeMap(map) {
            return Array(repeating: TrialSpec(map: fixed), count: trialTotal)
        }
        switch experiment {
        case .nonstationary: return TrialSpec.nonStationary(.inDistribution, count: trialTotal, seed: seed, swapAfter: swapAfter, split: mapSplit)
        case .stitch: return TrialSpec.stitching(.inDistribution, count: trialTotal, seed: seed, split: mapSplit)
        case nil: return TrialSpec.suite(mapSuite, count: trialTotal, seed: seed, split: mapSplit)
        }
    }

    /// The harness for these trials.
    func harness() -> EvaluationHarness { EvaluationHarness(episodesPerTrial: episodes, config: config, seed: seed) }

    /// One line describing the run, above the table.
    var title: String {
        let dynamics = slippery ? "slippery (success rate \(formatted(successRate)))" : "not slippery"
        var source = mapName.map { "Gymnasium's \($0) map" } ?? map.map { "map \($0)" } ?? (context != nil ? "context \(context!)" : "suite \(suite)")
        if experiment == .nonstationary { source += " (swap after episode \(swapAfter))" }
        return "\(source) · \(trialTotal) trials · \(episodes) episodes · \(dynamics) · max \(config.maxSteps) steps · seed \(seed)"
    }

    private func formatted(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded())
        return "\(thousandths / 1000).\(String(thousandths % 1000).leftPadded(3, with: "0"))"
    }
}

/// `--planner-*`: the posterior planner's knobs (``PlannerAgent/Settings``).
struct PlannerOptions: ParsableArguments {
    @Option(name: .customLong("planner-samples"), help: "Maps the planner draws from the posterior per decision it plans (cost grows linearly).")
    var samples = PlannerAgent.Settings().samples

    @Option(name: .customLong("planner-horizon"), help: "Episodes the planner's rollouts play after the current one (how far the value of information reaches).")
    var horizon = PlannerAgent.Settings().horizonEpisodes

    @Option(name: .customLong("planner-margin"), help: "Expected successes by which an action must beat the cautious oracle's for the planner to take it.")
    var margin = PlannerAgent.Settings().switchMargin

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--planner-samples must be at least 1 (default 16)") }
        guard horizon >= 0 else { throw ValidationError("--planner-horizon counts episodes: 0 or more (default 2)") }
        guard margin >= 0 else { throw ValidationError("--planner-margin must be 0 or more (default 0.05)") }
    }

    var settings: PlannerAgent.Settings {
        PlannerAgent.Settings(samples: samples, horizonEpisodes: horizon, switchMargin: margin)
    }
}

/// Experiments that are not a plain map suite.
enum ExperimentSuite: String, CaseIterable {
    case nonstationary
    case stitch

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// How `icrl eval` reports: a table, JSON lines, and optionally a trace file.
struct EvalOutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON object per agent, {\"suite\",\"agent\",\"maps\",\"episodes\",\"success_by_episode\",\"mean_success\"}, instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("Also write the results to this folder: NAME.md (Markdown table), NAME.csv, NAME.svg (success-by-episode plot), NAME.jsonl, with NAME from --name.", valueName: "dir"))
    var report: String?

    @Option(help: "File name (without extension) of the --report files; default: the suite's name.")
    var name: String?

    @Option(help: ArgumentHelp("Write every episode as a JSON line to this file ({\"map\",\"slippery\",\"episode\",\"steps\":[{\"s\",\"a\",\"r\",\"s2\",\"terminated\",\"truncated\"}]}), replayable in Gymnasium.", valueName: "file"))
    var trace: String?

    /// The trace file, if one was asked for.
    func traceWriter() throws -> TraceWriter? {
        guard let trace else { return nil }
        return try TraceWriter(path: trace)
    }

    /// Prints the results as JSON lines or as a table, and writes the report files.
    func emit(_ results: [EvaluationResult], suite: String, title: String, swapAfter: Int? = nil) throws {
        if json {
            for result in results { print(result.jsonLine(suite: suite)) }
        } else {
            print(EvaluationResult.table(results, title: title), terminator: "")
        }
        guard let report else { return }
        let folder = URL(fileURLWithPath: report)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let base = name ?? String(suite.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
            let extra = swapAfter.map { Array(($0 + 1)...($0 + 5)) } ?? []
            let files: [(String, String)] = [
                ("md", EvaluationResult.markdown(results, title: title, extraEpisodes: extra)),
                ("csv", EvaluationResult.csv(results)),
                ("svg", EvaluationResult.chart(results, title: title, markerAfter: swapAfter)),
                ("jsonl", results.map { $0.jsonLine(suite: suite) }.joined(separator: "\n") + "\n"),
            ]
            for (ext, text) in files {
                try text.write(to: folder.appendingPathComponent(base + "." + ext), atomically: true, encoding: .utf8)
            }
            FileHandle.standardError.write(Data("report: \(folder.path)/\(base).{md,csv,svg,jsonl}\n".utf8))
        } catch {
            throw ValidationError("cannot write the report to \(report): \(error.localizedDescription)")
        }
    }
}

extension String {
    /// The string padded with spaces on the right to `width` characters.
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }

    /// The string padded on the left with `pad` to `width` characters.
    fileprivate func leftPadded(_ width: Int, with pad: Character) -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

extension Substring {
    /// The text without surrounding spaces.
    fileprivate func trimmedSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
