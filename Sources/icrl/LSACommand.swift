import ArgumentParser
import Evaluation
import Foundation
import InContextSARSA

/// `icrl lsa`: the second seed — one linear self-attention layer that runs SARSA in context.
struct LSACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsa",
        abstract: "A linear self-attention layer trained to mimic batch SARSA or actor-critic on random MDPs, then improving policies in context.",
        discussion: """
            icrl lsa train --out models/lsa.json      # teacher mimicking, a few seconds
            icrl lsa eval --model models/lsa.json --svg results/lsa.svg --json
            icrl lsa train --algorithm actor-critic --out models/lsa-actor-critic.json
            icrl lsa converge --algorithm actor-critic --svg results/lsa-convergence.svg --json
            """,
        subcommands: [LSATrain.self, LSAEval.self, LSAConverge.self])
}

/// The experiment's settings as options.
struct LSAOptions: ParsableArguments {
    @Option(help: "The update taught: sarsa (batch semi-gradient SARSA) or actor-critic (TD(0) critic, softmax policy-gradient actor).")
    var algorithm: String = LSAAlgorithm.sarsa.rawValue
    @Option(help: "Actor step size β (actor-critic).") var beta = 0.5
    @Option(help: "Feature dimension d of φ(s, a).") var features = LSAConfig().features
    @Option(help: "Transitions per window (n).") var window = LSAConfig().window
    @Option(help: "States of the random MDPs.") var states = LSAConfig().states
    @Option(help: "Actions of the random MDPs.") var actions = LSAConfig().actions
    @Option(help: "Teacher step size α.") var alpha = LSAConfig().alpha
    @Option(help: "Behaviour ε.") var epsilon = LSAConfig().epsilon
    @Option(help: "Adam steps of teacher mimicking.") var steps = LSAConfig().steps
    @Option(help: "Seed of the training MDPs and the initialisation.") var seed: UInt64 = LSAConfig().seed

    func validate() throws {
        guard features >= 1, window >= 1, states >= 1, actions >= 2, steps >= 1 else {
            throw ValidationError("features, window, states and steps must be ≥ 1, actions ≥ 2")
        }
        guard alpha > 0, beta > 0, (0...1).contains(epsilon) else { throw ValidationError("--alpha and --beta must be positive and --epsilon in 0...1") }
        guard LSAAlgorithm(rawValue: algorithm) != nil else {
            throw ValidationError("--algorithm \(algorithm): choose \(LSAAlgorithm.allCases.map(\.rawValue).joined(separator: " or "))")
        }
    }

    var config: LSAConfig {
        var c = LSAConfig()
        c.features = features; c.window = window; c.states = states; c.actions = actions
        c.alpha = alpha; c.epsilon = epsilon; c.steps = steps; c.seed = seed
        if let kind = LSAAlgorithm(rawValue: algorithm), kind != .sarsa {
            c.algorithm = kind
            c.beta = beta
        }
        return c
    }
}

struct LSATrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Teacher-mimicking training; writes the layer and its record as JSON.")

    @OptionGroup var options: LSAOptions
    @Option(help: "Where to write the trained layer.") var out = "models/lsa.json"

    func run() throws {
        let config = options.config
        let model = LSATrainer.train(config) { step, loss in
            print("step \(step)  mimic loss \(String(format: "%.3e", loss))")
            fflush(nil)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: out).deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(model).write(to: URL(fileURLWithPath: out), options: .atomic)
        print("""
            mimic loss \(String(format: "%.3e", model.mimicLossStart)) → \(String(format: "%.3e", model.mimicLossEnd)) \
            (\(String(format: "%.0f", model.mimicLossStart / max(model.mimicLossEnd, 1e-300)))× lower), \
            cosine with the \(config.kind.rawValue) construction \(String(format: "%.4f", model.constructionCosine)); wrote \(out)
            """)
    }
}

struct LSAEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "In-context policy improvement on unseen MDPs: the trained layer vs teacher SARSA, random and optimal.")

    @Option(help: "Trained layer (icrl lsa train); trained here with the default settings when absent.") var model: String?
    @Option(help: "Unseen MDPs to average over.") var mdps = 200
    @Option(help: "Windows (in-context updates) per MDP.") var iterations = 30
    @Option(help: "Seed of the evaluation MDPs (a stream apart from training).") var seed: UInt64 = 1
    @Option(help: "Write the return-by-iteration plot here.") var svg: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let trained: LSAModel
        if let model {
            do {
                trained = try JSONDecoder().decode(LSAModel.self, from: Data(contentsOf: URL(fileURLWithPath: model)))
            } catch {
                throw ValidationError("cannot read \(model): \(error.localizedDescription) (write one with icrl lsa train --out \(model))")
            }
        } else {
            trained = LSATrainer.train(LSAConfig())
        }
        let result = LSAEvaluation.run(trained.layer, config: trained.config, mdps: mdps, iterations: iterations, seed: seed)
        if let svg {
            var chart = SVGLineChart(
                title: "In-context policy improvement, \(mdps) unseen MDPs (\(trained.config.states) states, \(trained.config.actions) actions)",
                series: LSAEvaluation.agents(for: trained.config.kind).map { SVGLineChart.Series(name: $0, values: result.normalized[$0]!) })
            chart.xLabel = "windows in context (iteration + 1)"
            chart.yLabel = "normalised return (random 0, optimal 1)"
            try chart.render().write(toFile: svg, atomically: true, encoding: .utf8)
        }
        if json {
            let object: [String: Any] = [
                "mimic_loss_start": trained.mimicLossStart, "mimic_loss_end": trained.mimicLossEnd,
                "construction_cosine": trained.constructionCosine, "mdps": mdps,
                "return_by_iteration": result.normalized, "return_by_iteration_raw": result.raw,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("mimic loss \(trained.mimicLossStart) → \(trained.mimicLossEnd); construction cosine \(trained.constructionCosine)")
        print("normalised return of the greedy policy (random 0, optimal 1), mean over \(mdps) unseen MDPs")
        let agents = LSAEvaluation.agents(for: trained.config.kind)
        print("iteration " + agents.map { $0.padding(toLength: 13, withPad: " ", startingAt: 0) }.joined())
        for it in stride(from: 0, through: iterations, by: max(1, iterations / 10)) {
            print(String(it).padding(toLength: 10, withPad: " ", startingAt: 0)
                  + agents.map { String(format: "%-13.3f", result.normalized[$0]![it]) }.joined())
        }
    }
}

struct LSAConverge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "converge",
        abstract: "Gradient descent on the mimicking loss from the construction's neighbourhood and from random starts: distance to the solution manifold, its fitted rate, and the Hessian's prediction.",
        discussion: """
            The loss is over a fixed set of windows (--samples), so its gradient is exact; the step is \
            1/λ_max of the Hessian at the construction. Prints one line per run, or JSON with --json.
              icrl lsa converge --algorithm actor-critic --svg results/lsa-convergence.svg --json > results/lsa-convergence.json
            """)

    @OptionGroup var options: LSAOptions
    @Option(help: "Windows in the fixed training set.") var samples = 64
    @Option(help: "Gradient-descent steps per run.") var gdSteps = 20_000
    @Option(help: "Starts near the construction (plus uniform noise of --noise).") var neighbourhoodStarts = 2
    @Option(help: "Noise of the neighbourhood starts.") var noise = 0.05
    @Option(help: "Small random starts (scale 0.05).") var randomStarts = 2
    @Option(help: "Write the distance-by-step plot here.") var svg: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let result = LSAConvergence.measure(
            config: options.config, samples: samples, steps: gdSteps, recordEvery: max(1, gdSteps / 200),
            neighbourhoodStarts: neighbourhoodStarts, neighbourhood: noise, randomStarts: randomStarts,
            progress: json ? nil : { print($0); fflush(nil) })
        if let svg {
            let logs = result.runs.map { run in run.distance.map { log10(max($0, 1e-12)) } }
            let lo = (logs.flatMap { $0 }.min() ?? -12).rounded(.down), hi = (logs.flatMap { $0 }.max() ?? 0).rounded(.up)
            var chart = SVGLineChart(
                title: "\(options.config.kind.rawValue) LSA, d = \(options.config.features): distance to the solution manifold under gradient descent",
                series: zip(result.runs, logs).map { SVGLineChart.Series(name: $0.start, values: $1) })
            chart.xLabel = "gradient-descent steps ÷ \(result.recordEvery)"
            chart.yLabel = "log10 distance (up to scale)"
            chart.yRange = lo...max(hi, lo + 1)
            chart.width = 860
            chart.right = 260
            try chart.render().write(toFile: svg, atomically: true, encoding: .utf8)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        let measured = result.runs.compactMap(\.fittedRate)
        print("predicted rate −ln(1 − ηλ_min) = \(result.predictedRate) per step (λ_min \(result.lambdaMinNonzero), λ_max \(result.lambdaMax), null dimension \(result.nullDimension), expected \(result.expectedNullDimension))")
        for run in result.runs {
            print("\(run.start): fitted rate \(run.fittedRate.map { String(format: "%.4g (%.2f× predicted)", $0, $0 / result.predictedRate) } ?? "— (did not reach 1 % of its start)")")
        }
        if measured.isEmpty { print("no run reached the linear regime in \(gdSteps) steps") }
    }
}
