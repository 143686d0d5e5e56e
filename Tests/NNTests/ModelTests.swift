import Testing
@testable import NN

/// The whole model: forward against the Double reference, the DQN-loss gradient against
/// finite differences, and agreement between its execution paths.
@Suite("Transformer")
struct ModelTests {
    @Test("forward matches the naive Double model", arguments: TransformerConfig.Positional.allCases)
    func forwardMatchesReference(positional: TransformerConfig.Positional) throws {
        // T = 100 spans four attention blocks.
        let config = smallConfig(positional: positional, context: 128)
        let model = try Transformer(config: config, seed: 7)
        randomizeParameters(model, seed: 8)
        var random = TestRandom(9)
        let b = 3, t = 100
        let tokens = random.tokens(b * t, config: config)
        let q = model.forward(tokens: tokens, batch: b, time: t)
        let reference = ReferenceTransformer(model).forward(tokens: tokens, batch: b, time: t)
        #expect(maxAbsDiff(q, reference) < 1e-4)
        // The inference path is the same computation without saved activations.
        #expect(maxAbsDiff(model.predict(tokens: tokens, batch: b, time: t), q) < 1e-6)
    }

    @Test("whole-model gradient of the DQN loss matches finite differences", arguments: TransformerConfig.Positional.allCases)
    func modelGradient(positional: TransformerConfig.Positional) throws {
        let config = smallConfig(positional: positional)
        let model = try Transformer(config: config, seed: 11)
        randomizeParameters(model, seed: 12)
        var random = TestRandom(13)
        let b = 2, t = 7, a = config.actions
        let tokens = random.tokens(b * t, config: config)
        let actions = (0..<(b * t)).map { _ in Int32(random.int(a)) }
        let targets = random.floats(b * t)
        // The second window is padded after 5 steps.
        let mask: [Float] = (0..<(b * t)).map { $0 >= t + 5 ? 0 : 1 }
        let q = model.forward(tokens: tokens, batch: b, time: t)
        let (_, dQ) = QRegressionLoss.compute(kind: .squared, q: q, actions: actions, targets: targets, mask: mask, actionCount: a)
        model.backward(dQ: dQ)
        let analytic = model.gradients.toArray()

        let reference = ReferenceTransformer(model)
        let weight = mask.reduce(0) { $0 + Double($1) }
        func loss(_ parameters: [Double]) -> Double {
            var r = reference
            r.parameters = parameters
            let qd = r.forward(tokens: tokens, batch: b, time: t)
            var total = 0.0
            for i in 0..<(b * t) where mask[i] != 0 {
                let d = qd[i * a + Int(actions[i])] - Double(targets[i])
                total += d * d
            }
            return total / weight
        }
        let indices = sampledIndices(model.layout, perTensor: 4, seed: 14)
        let numeric = indices.map { centralDifference(reference.parameters, $0, step: 1e-5, loss) }
        #expect(gradientErrorRatio(indices.map { analytic[$0] }, numeric, atol: 1e-4, rtol: 3e-3) <= 1)
    }

    /// b = 40 sequences of 32 tokens make three cache blocks (16, 16, 8 sequences), which two
    /// threads take in whatever order they come free.
    @Test("one thread and two threads give the same Q-values and gradients, and reruns are bitwise equal")
    func shardingIsInvisible() throws {
        let config = smallConfig(context: 32)
        let single = try Transformer(config: config, seed: 3, pool: WorkerPool(threads: 1))
        let double = try Transformer(config: config, seed: 3, pool: WorkerPool(threads: 2))
        var random = TestRandom(4)
        let b = 40, t = 32
        #expect(double.cacheBlocks(0..<b, time: t).count == 3)
        let tokens = random.tokens(b * t, config: config)
        let q1 = single.forward(tokens: tokens, batch: b, time: t)
        let q2 = double.forward(tokens: tokens, batch: b, time: t)
        // Different GEMM row counts round differently; nothing else may differ.
        #expect(maxAbsDiff(q1, q2) < 1e-6)
        let dQ = random.floats(b * t * config.actions)
        single.backward(dQ: dQ)
        double.backward(dQ: dQ)
        let g1 = single.gradients.toArray()
        let largest = g1.reduce(0) { max($0, abs($1)) }
        let g2 = double.gradients.toArray()
        #expect(maxAbsDiff(g1, g2) < 1e-5 * largest)
        for _ in 0..<3 {
            #expect(double.forward(tokens: tokens, batch: b, time: t) == q2)
            double.backward(dQ: dQ)
            #expect(double.gradients.toArray() == g2, "the schedule must not change the sums")
        }
    }

    @Test("backward accumulates only when asked")
    func accumulation() throws {
        let config = smallConfig()
        let model = try Transformer(config: config, seed: 5)
        var random = TestRandom(6)
        let tokens = random.tokens(2 * 7, config: config)
        let dQ = random.floats(2 * 7 * config.actions)
        _ = model.forward(tokens: tokens, batch: 2, time: 7)
        model.backward(dQ: dQ)
        let once = model.gradients.toArray()
        model.backward(dQ: dQ, accumulate: true)
        // Summing on top of the first pass rounds differently from doubling it: relative tolerance.
        let largest = once.reduce(0) { max($0, abs($1)) }
        #expect(maxAbsDiff(model.gradients.toArray(), once.map { 2 * $0 }) < 1e-6 * max(1, largest))
        model.backward(dQ: dQ)
        #expect(maxAbsDiff(model.gradients.toArray(), once) == 0)
    }

    @Test("padding at the end never changes earlier positions")
    func paddingIsCausal() throws {
        let config = smallConfig()
        let model = try Transformer(config: config, seed: 5)
        var random = TestRandom(6)
        var tokens = random.tokens(8, config: config)
        let q1 = model.predict(tokens: tokens, batch: 1, time: 8)
        for i in (5 * 3)..<(8 * 3) { tokens[i] = 0 }
        let q2 = model.predict(tokens: tokens, batch: 1, time: 8)
        #expect(maxAbsDiff(Array(q1[0..<(5 * 4)]), Array(q2[0..<(5 * 4)])) == 0)
    }

    @Test("GPT-2 initialisation is deterministic and scaled")
    func initialisation() throws {
        let config = TransformerConfig.reference
        let a = try Transformer(config: config, seed: 42), b = try Transformer(config: config, seed: 42)
        let c = try Transformer(config: config, seed: 43)
        #expect(a.parameters.toArray() == b.parameters.toArray())
        #expect(a.parameters.toArray() != c.parameters.toArray())
        func std(_ name: String) -> Double {
            let v = a.parameters[a.layout.spec(named: name)!].map(Double.init)
            return (v.reduce(0) { $0 + $1 * $1 } / Double(v.count)).squareRoot()
        }
        #expect(abs(std("blocks.0.mlp.fc.weight") - 0.02) < 0.001)
        #expect(abs(std("blocks.1.attn.proj.weight") - 0.01) < 0.001)
        #expect(a.parameters[a.layout.spec(named: "ln_f.weight")!].allSatisfy { $0 == 1 })
        #expect(a.parameters[a.layout.spec(named: "head.bias")!].allSatisfy { $0 == 0 })
    }
}
