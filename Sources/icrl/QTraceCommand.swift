import ArgumentParser
import DQN
import Foundation
import FrozenLake
import NN

/// `icrl qtrace`: trials played exactly as `icrl actor` plays them (the rollout worker and
/// the KV-cache decoder with its re-encoding window), written with every token and its
/// Q-values. Other implementations of the model and tokenizer check themselves against it
/// (the Python actor's parity test), and it shows what the model saw and valued at each step.
struct QTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qtrace",
        abstract: "Play trials as an actor does and write each step's token and Q-values (JSON Lines).",
        discussion: """
            One line per finished trial: {"incarnation", "trial_id", "steps": [[observation, \
            next_observation, action, reward, flags, rows, cols, placement], …], "tokens": [[features…], …], \
            "q": [[Q per action], …]}. The trial structure, map suite and tokenizer are the \
            checkpoint's run config; every trial is played by the model, ε-greedily.
              icrl qtrace --checkpoint models/icrl-best.safetensors --trials 100 --out q.jsonl
              python3 -m unittest discover python/tests   # the Python actor checks itself against it
            """)

    @Option(help: "Checkpoint written by icrl learner (its run config gives the tokenizer and trial structure).")
    var checkpoint: String = "models/icrl-best.safetensors"

    @Option(help: "Finished trials to write.")
    var trials: Int = 100

    @Option(help: "Exploration: the share of random actions (varied actions exercise more of the model).")
    var epsilon: Double = 0.3

    @Option(help: "Environments stepped in lockstep (decoder sequences).")
    var environments: Int = 16

    @Option(help: "Random seed of maps, episodes and exploration; also the trials' incarnation.")
    var seed: UInt64 = 1

    @Flag(name: .customLong("carry-landings"),
          help: "Decode as a run with dqn.carriedLandings does: re-encodings keep older landing tokens in view, at most a quarter of the context (on, with the config's number, when the checkpoint's config sets it).")
    var carryLandings = false

    @Option(help: "Output file (JSON Lines).")
    var out: String

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard environments >= 1 else { throw ValidationError("--environments must be at least 1") }
        guard (0...1).contains(epsilon) else { throw ValidationError("--epsilon must lie between 0 and 1") }
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw ValidationError("checkpoint \(checkpoint) does not exist (the shipped model is models/icrl-best.safetensors)")
        }
    }

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        guard let json = try Checkpoint.info(at: url).extra["run_config"] else {
            throw ValidationError("\(checkpoint) has no run_config metadata: it was not written by icrl learner")
        }
        var config = try RunConfig.from(json: json).rollout
        config.environments = environments
        config.modelWeight = 1
        config.randomWeight = 0
        config.qlearningWeight = 0
        config.oracleWeight = 0
        config.exploringStartFraction = 0
        var run = try RunConfig.from(json: json)
        if carryLandings, run.dqn.carriedLandings == 0 { run.dqn.carriedLandings = run.model.contextLength / 4 }
        let model = try Checkpoint.loadModel(from: url)
        let policy = RecordingPolicy(try DecoderPolicy(model: model, sequences: environments, run: run), features: run.model.featureCount)
        let incarnation = seed | 1
        let worker = try RolloutWorker(config: config, tokenizer: Tokenizer(config: run.tokenizer), incarnation: incarnation, seed: seed)
        guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
            throw ValidationError("cannot create \(out); check that its folder exists and is writable")
        }
        defer { try? handle.close() }
        var open = [TrialRecord](repeating: TrialRecord(), count: environments)
        var written = 0
        while written < trials {
            worker.step(policy: policy, epsilon: epsilon) { s in
                open[s.slot].add(s.step, tokens: policy.tokens[s.slot], q: policy.q[s.slot])
                guard s.endsTrial else { return }
                if written < trials {
                    handle.write(Data(open[s.slot].line(incarnation: incarnation, trialID: s.trialID).utf8))
                    written += 1
                }
                open[s.slot] = TrialRecord()
            }
        }
        print("wrote \(written) trials to \(out)")
    }
}

/// The actor's decoder, keeping each sequence's latest token and Q-values.
final class RecordingPolicy: BatchedQPolicy {
    let inner: DecoderPolicy
    let features: Int
    private(set) var tokens: [[Int32]]
    private(set) var q: [[Float]]

    init(_ inner: DecoderPolicy, features: Int) {
        self.inner = inner
        self.features = features
        tokens = Array(repeating: [], count: inner.sequences)
        q = Array(repeating: [], count: inner.sequences)
    }

    var sequences: Int { inner.sequences }

    func step(tokens input: UnsafeBufferPointer<Int32>, active: [Bool]) -> UnsafeBufferPointer<Float> {
        let out = inner.step(tokens: input, active: active)
        let actions = out.count / sequences
        for i in 0..<sequences where active[i] {
            tokens[i] = Array(input[(i * features)..<((i + 1) * features)])
            q[i] = Array(out[(i * actions)..<((i + 1) * actions)])
        }
        return out
    }

    func reset(sequence i: Int) { inner.reset(sequence: i) }
}

/// One trial's steps, tokens and Q-values, as a JSON line.
struct TrialRecord {
    var steps: [String] = []
    var tokens: [String] = []
    var q: [String] = []

    mutating func add(_ step: TrialStep, tokens t: [Int32], q values: [Float]) {
        steps.append("[\(step.observation),\(step.nextObservation),\(step.action),\(step.reward),\(step.flags),\(step.rows),\(step.cols),\(step.placement)]")
        tokens.append("[" + t.map { String($0) }.joined(separator: ",") + "]")
        q.append("[" + values.map { "\($0)" }.joined(separator: ",") + "]")
    }

    func line(incarnation: UInt64, trialID: UInt64) -> String {
        "{\"incarnation\":\(incarnation),\"trial_id\":\(trialID),\"steps\":[\(steps.joined(separator: ","))],"
            + "\"tokens\":[\(tokens.joined(separator: ","))],\"q\":[\(q.joined(separator: ","))]}\n"
    }
}
