import DQN
import Evaluation
import Foundation
import FrozenLake
import NN
import Testing

@Suite("Experiment suites, scripted contexts and reports")
struct ExperimentSuiteTests {
    func run(_ kind: ClassicalAgentKind, trials: [TrialSpec], episodes: Int, trace: TraceWriter? = nil) throws -> EvaluationResult {
        try EvaluationHarness(episodesPerTrial: episodes, seed: 4).run(agentName: kind.rawValue, trials: trials, trace: trace) {
            kind.makeAgent(revealing: $0.revealedMap)
        }
    }

    @Test("stitching trials: one start, two half-path episodes that chain into a shortest path and end on a goal")
    func stitchingSuite() throws {
        let specs = TrialSpec.stitching(.inDistribution, count: 40, seed: 2)
        #expect(specs.count == 40)
        for spec in specs {
            let map = spec.maps[0]
            #expect(map.startObservations.count == 1)
            #expect(spec.context.count == 2)
            let (a, b) = (spec.context[0], spec.context[1])
            #expect(a.first?.observation == map.startObservations[0])
            #expect(a.last?.truncated == true && a.allSatisfy { !$0.terminated && $0.reward == 0 })
            #expect(a.last?.nextObservation == b.first?.observation, "the halves meet")
            #expect(b.last?.terminated == true && b.last?.reward == 1)
            #expect(a.count + b.count == map.shortestPathLengths[0], "together they are a shortest path")
            #expect(!a.isEmpty && !b.isEmpty)
        }
        #expect(specs == TrialSpec.stitching(.inDistribution, count: 40, seed: 2), "deterministic per seed")
    }

    @Test("the halves in context help the oracle (which still risks unknown shortcuts); tabular Q-learning cannot use them")
    func stitchingAgents() throws {
        let specs = TrialSpec.stitching(.inDistribution, count: 60, seed: 5)
        let oracle = try run(.oracle, trials: specs, episodes: 3)
        let qlearning = try run(.qlearning, trials: specs, episodes: 3)
        let blank = try run(.oracle, trials: specs.map { TrialSpec(map: $0.maps[0]) }, episodes: 3)
        // The oracle heads for the known goal along a shortest path through safe *or unknown*
        // cells, so where an unknown shortcut ties with the scripted path it may fall.
        #expect(oracle.successByEpisode[0] >= blank.successByEpisode[0] + 0.15, "oracle \(oracle.successByEpisode) vs without the context \(blank.successByEpisode)")
        #expect(qlearning.successByEpisode[0] < 0.5, "qlearning \(qlearning.successByEpisode)")
    }

    @Test("non-stationary pairs share a shape and differ; the swap happens where asked")
    func nonStationarySuite() throws {
        let specs = TrialSpec.nonStationary(.inDistribution, count: 30, seed: 1, swapAfter: 30)
        #expect(specs.count == 30)
        for spec in specs {
            #expect(spec.maps.count == 2 && spec.swapAfter == [30])
            #expect(spec.maps[0].geometry == spec.maps[1].geometry && spec.maps[0] != spec.maps[1])
        }
        let oracle = try run(.oracle, trials: specs, episodes: 60)
        let curve = oracle.successByEpisode
        #expect(curve[29] > curve[30] + 0.2, "success drops at the swap: \(curve[29]) → \(curve[30])")
    }

    @Test("trace files read back exactly as the harness wrote them; impossible steps are refused with the line")
    func traceRoundTrip() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ctx-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let specs = TrialSpec.suite(.inDistribution, count: 3, seed: 9)
        let trace = try TraceWriter(path: path)
        _ = try run(.oracle, trials: specs, episodes: 4, trace: trace)
        let episodes = try TraceReader.read(path: path)
        #expect(episodes.count == 12)
        #expect(episodes[5].map == specs[1].maps[0] && episodes[5].trial == 1 && episodes[5].episode == 1 && episodes[5].agent == "oracle")

        let good = #"{"map":["SFF","FHF","FFG"],"steps":[{"s":0,"a":2,"r":0.0,"s2":1,"terminated":false,"truncated":false}]}"#
        #expect(try TraceReader.parse(good).count == 1)
        let bad: [(String, String)] = [
            (#"{"map":["SFF","FHF","FFG"],"steps":[{"s":0,"a":1,"r":0.0,"s2":1,"terminated":false,"truncated":false}]}"#, "cannot give"),
            (#"{"map":["SFF","FHF","FFG"],"steps":[{"s":4,"a":1,"r":0.0,"s2":7,"terminated":false,"truncated":false}]}"#, "hole or goal"),
            (#"{"map":["SFF","FHF","FFG"],"steps":[{"s":0,"a":7,"r":0.0,"s2":1,"terminated":false,"truncated":false}]}"#, "outside 0...3"),
            (#"{"map":["SFF","FHF","FFG"],"steps":[{"s":0,"a":2,"r":0.0,"s2":1,"terminated":false,"truncated":false},{"s":0,"a":2,"r":0.0,"s2":1,"terminated":false,"truncated":false}]}"#, "ended on 1"),
            (#"{"map":["SXF"],"steps":[]}"#, "bad map"),
            (#"{"steps":[]}"#, "not a trace line"),
        ]
        for (text, reason) in bad {
            #expect {
                _ = try TraceReader.parse(good + "\n" + text)
            } throws: { error in
                let e = error as? TraceFormatError
                return e?.line == 2 && e?.reason.contains(reason) == true
            }
        }
    }

    @Test("reports: CSV and Markdown carry every agent's curve; the SVG has one line per agent and the swap marker")
    func reports() {
        let a = EvaluationResult(agent: "model", successes: [[false, true, true, true, true, true]], episodeLengths: [[1, 1, 1, 1, 1, 1]])
        let b = EvaluationResult(agent: "oracle, belief", successes: [[true, true, false, true, true, true]], episodeLengths: [[1, 1, 1, 1, 1, 1]])
        let csv = EvaluationResult.csv([a, b])
        #expect(csv.hasPrefix("episode,model,\"oracle, belief\"\n1,0.0,1.0\n"))
        #expect(csv.hasSuffix("mean,0.8333333333333334,0.8333333333333334\n"))
        let md = EvaluationResult.markdown([a, b], title: "t", extraEpisodes: [6])
        #expect(md.contains("| 3 | 1.000 | 0.000 |") && md.contains("| mean | 0.833 | 0.833 |"))
        let svg = EvaluationResult.chart([a, b], title: "curves <x>", markerAfter: 3)
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.contains("stroke-dasharray") && svg.contains("curves &lt;x&gt;") && svg.hasSuffix("</svg>\n"))
        let map = try! FrozenLakeMap("SFF,FHF,FFG")
        let picture = TrajectoryPicture(title: "t", episodes: [
            TraceEpisode(map: map, slippery: false, steps: [Transition(observation: 0, action: 2, reward: 0, nextObservation: 1, terminated: false, truncated: true)], agent: "model", trial: 0, episode: 0),
        ]).render()
        #expect(picture.contains("episode 1: 1 steps, cut off") && picture.contains("<polyline"))
    }
}

@Suite("Transformer agent input checks")
struct TransformerAgentCheckTests {
    @Test("a map larger than the model's canvas is refused before any trial runs, with the sizes in the message")
    func canvasTooSmall() throws {
        let tokenizer = Tokenizer(config: TokenizerConfig(observation: .rowColumn, canvas: 4, randomPlacement: false))
        let model = try Transformer(
            config: TransformerConfig(featureVocabularies: tokenizer.vocabularies, dModel: 8, heads: 2, layers: 1, mlpHidden: 16, contextLength: 16),
            seed: 1)
        let agent = try TransformerAgent(model: model, tokenizer: tokenizer, lanes: 2)
        try agent.checkFits([TrialSpec(map: try FrozenLakeMap("SFFF,FHFH,FFFH,HFFG"))])
        #expect {
            try agent.checkFits(TrialSpec.suite(.outOfDistribution, count: 2, seed: 0))
        } throws: { error in
            "\(error)".contains("4x4 canvas") && "\(error)".contains("trial 1")
        }
    }
}
