import ArgumentParser
import NN

/// `icrl bench learner`: one DQN train step of the reference transformer.
struct LearnerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learner",
        abstract: "DQN train step (online forward + backward + AdamW + target forward), batch 32 x 256, reference config.",
        discussion: """
            Prints train_step_ms and its phases, train_gflops, sgemm_peak_gflops (same run), peak_rss_mb. \
            The online network trains block by block (forward, loss, backward per ~512 rows, as the learner \
            does); --separate-passes times a whole-batch forward then a whole-batch backward instead. \
            Compare with PyTorch: scripts/nn_vs_pytorch.sh.
            """
    )

    @Option(help: "Timed steps (median reported).")
    var steps = 10

    @Flag(help: "Time forward over the whole batch, then backward (the two-pass API), instead of the learner's block-by-block training pass.")
    var separatePasses = false

    @OptionGroup var output: BenchOutputOptions

    func run() throws {
        var figures = try NNBenchmark.learner(steps: steps, separatePasses: separatePasses)
        figures["bench"] = "learner"
        try output.emit(figures)
    }
}

/// `icrl bench actor`: one KV-cache decode step for 64 sequences at context 255.
struct ActorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor",
        abstract: "KV-cache decoding: one token for 64 sequences at context 255, reference config.",
        discussion: """
            Prints decode_ms (median), decode_tokens_per_s, sgemm_peak_gflops, peak_rss_mb. With --python, \
            also the Python actor (python/icrl_actor) in the same run: its decode step of the same shape, and \
            both actors' rollout loops without sockets (64 in-dist environments, env steps/s), with ratios.
            """
    )

    @Option(help: "Timed steps (median reported).")
    var steps = 50

    @Flag(help: "Also time the Python actor package (python3 -m icrl_actor.bench) and both rollout loops.")
    var python = false

    @Option(help: "With --python: seconds each rollout loop is timed.")
    var rolloutSeconds: Double = 10

    @OptionGroup var output: BenchOutputOptions

    func run() throws {
        var figures = try NNBenchmark.actor(steps: steps)
        figures["bench"] = "actor"
        if python {
            let swiftRollout = try Self.swiftRolloutStepsPerSecond(seconds: rolloutSeconds)
            let py = try Self.pythonFigures(steps: steps, seconds: rolloutSeconds)
            let pyDecode = py["decode_ms"] as? Double ?? .nan
            let pyRollout = py["rollout_steps_per_s"] as? Double ?? .nan
            figures["rollout_steps_per_s"] = swiftRollout
            figures["python_decode_ms"] = pyDecode
            figures["python_rollout_steps_per_s"] = pyRollout
            figures["python_numpy_version"] = py["numpy_version"] ?? "?"
            figures["decode_speedup_vs_python"] = pyDecode / (figures["decode_ms"] as? Double ?? .nan)
            figures["rollout_speedup_vs_python"] = swiftRollout / pyRollout
        }
        try output.emit(figures)
    }
}

/// `icrl bench kernels`: each kernel of one transformer block on one thread.
struct KernelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Per-kernel milliseconds for one worker's shard of a train step (16 x 256 tokens, one thread).",
        discussion: "Shows where the learner's time goes: LayerNorm, the linear layers' GEMMs, GELU and attention, forward and backward."
    )

    @Option(help: "Sequences in the shard.")
    var sequences = 16

    @OptionGroup var output: BenchOutputOptions

    func run() throws {
        var figures = NNBenchmark.kernels(sequences: sequences)
        figures["bench"] = "kernels"
        try output.emit(figures)
    }
}
