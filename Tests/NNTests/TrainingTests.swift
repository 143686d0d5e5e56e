import Foundation
import Testing
@testable import NN

@Suite("Training pieces")
struct TrainingTests {
    @Test("AdamW matches a plain Double implementation, with clipping and decay only on matrices")
    func adamW() throws {
        let config = smallConfig()
        let model = try Transformer(config: config, seed: 1)
        let hp = AdamW.Hyperparameters(learningRate: 1e-2, weightDecay: 0.1, maxGradNorm: 0.5)
        let optimizer = AdamW(layout: model.layout, hyperparameters: hp)
        var random = TestRandom(2)
        var p = model.parameters.toArray().map(Double.init)
        var m = [Double](repeating: 0, count: p.count), v = m
        let decays = model.layout.tensors.flatMap { spec in [Bool](repeating: spec.decays, count: spec.count) }
        for step in 1...3 {
            let g = random.floats(p.count, scale: 0.1)
            g.withUnsafeBufferPointer { model.gradients.buffer.baseAddress!.update(from: $0.baseAddress!, count: g.count) }
            let norm = optimizer.update(parameters: model.parameters, gradients: model.gradients)
            let trueNorm = g.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(Double(norm) - trueNorm) < 1e-4 * trueNorm)
            let clip = trueNorm > 0.5 ? 0.5 / (trueNorm + 1e-6) : 1
            for i in p.indices {
                let gi = Double(g[i]) * clip
                if decays[i] { p[i] *= 1 - 1e-2 * 0.1 }
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.999 * v[i] + 0.001 * gi * gi
                let mh = m[i] / (1 - pow(0.9, Double(step))), vh = v[i] / (1 - pow(0.999, Double(step)))
                p[i] -= 1e-2 * mh / (vh.squareRoot() + 1e-8)
            }
        }
        #expect(maxAbsDiff(model.parameters.toArray(), p) < 1e-5)
        #expect(optimizer.step == 3)
    }

    @Test("weight decay leaves gains, biases and embeddings alone")
    func decayMask() throws {
        let model = try Transformer(config: smallConfig(), seed: 1)
        let optimizer = AdamW(layout: model.layout, hyperparameters: .init(learningRate: 0.1, weightDecay: 0.5))
        let before = model.parameters.toArray()
        model.zeroGradients()
        optimizer.update(parameters: model.parameters, gradients: model.gradients)
        let after = model.parameters.toArray()
        for spec in model.layout.tensors {
            let changed = spec.range.contains { before[$0] != after[$0] }
            #expect(changed == spec.decays, "\(spec.name)")
        }
    }

    @Test("the regression loss and its gradient, squared and Huber", arguments: [QRegressionLoss.Kind.squared, .huber(delta: 0.7)])
    func loss(kind: QRegressionLoss.Kind) {
        var random = TestRandom(3)
        let n = 9, a = 3
        let q = random.floats(n * a)
        let actions = (0..<n).map { Int32($0 % a) }
        let targets = random.floats(n)
        let mask: [Float] = [1, 1, 0.5, 1, 0, 1, 1, 0, 0]
        let (value, dQ) = QRegressionLoss.compute(kind: kind, q: q, actions: actions, targets: targets, mask: mask, actionCount: a)
        func f(_ qd: [Double]) -> Double {
            var total = 0.0
            for i in 0..<n {
                let d = qd[i * a + Int(actions[i])] - Double(targets[i])
                let l: Double
                switch kind {
                case .squared: l = d * d
                case let .huber(delta): l = abs(d) <= Double(delta) ? 0.5 * d * d : Double(delta) * (abs(d) - 0.5 * Double(delta))
                }
                total += Double(mask[i]) * l
            }
            return total / 5.5
        }
        let qd = q.map(Double.init)
        #expect(abs(Double(value) - f(qd)) < 1e-5)
        #expect(gradientErrorRatio(dQ, qd.indices.map { centralDifference(qd, $0, f) }) <= 1)
        #expect(dQ[4 * a + 1] == 0)
    }

    @Test("DQfD's margin loss: value and gradient match finite differences; zero once the expert leads by the margin")
    func marginImitation() {
        var random = TestRandom(5)
        let n = 8, a = 4, margin: Float = 0.3
        let q = random.floats(n * a)
        let actions = (0..<n).map { Int32(($0 * 3) % a) }
        let mask: [Float] = [1, 1, 0.5, 1, 0, 1, 1, 0]
        let (value, dQ) = MarginImitationLoss.compute(q: q, actions: actions, mask: mask, actionCount: a, margin: margin)
        func f(_ qd: [Double]) -> Double {
            var total = 0.0
            for i in 0..<n {
                let e = Int(actions[i])
                let best = (0..<a).map { qd[i * a + $0] + ($0 == e ? 0 : Double(margin)) }.max()!
                total += Double(mask[i]) * (best - qd[i * a + e])
            }
            return total / 5.5
        }
        let qd = q.map(Double.init)
        #expect(abs(Double(value) - f(qd)) < 1e-5)
        #expect(gradientErrorRatio(dQ, qd.indices.map { centralDifference(qd, $0, f) }) <= 1)
        #expect(dQ[(4 * a)..<(5 * a)].allSatisfy { $0 == 0 })
        // An expert action ahead by more than the margin everywhere: no loss, no gradient.
        var ahead = q
        for i in 0..<n { ahead[i * a + Int(actions[i])] = 10 }
        let settled = MarginImitationLoss.compute(q: ahead, actions: actions, mask: mask, actionCount: a, margin: margin)
        #expect(settled.loss == 0 && settled.dQ.allSatisfy { $0 == 0 })
    }

    @Test("the margin loss toward a set of teacher actions: finite differences; one-action sets equal the single-action loss")
    func marginImitationSets() {
        var random = TestRandom(6)
        let n = 10, a = 4, margin: Float = 0.4
        let q = random.floats(n * a)
        // Empty and full sets add nothing; the others mix one, two and three allowed actions.
        let allowed: [UInt8] = [0b0001, 0b0110, 0b1011, 0, 0b1111, 0b0100, 0b1001, 0b0010, 0b1110, 0b1000]
        let mask: [Float] = [1, 1, 0.5, 1, 1, 1, 0, 1, 1, 1]
        var dQ = [Float](repeating: 0, count: n * a)
        let value = dQ.withUnsafeMutableBufferPointer { d in
            q.withUnsafeBufferPointer { qp in
                allowed.withUnsafeBufferPointer { al in
                    mask.withUnsafeBufferPointer { m in
                        MarginImitationLoss.accumulate(dQ: d, q: qp, allowed: al, mask: m, positions: n, actionCount: a, margin: margin, weight: 1)
                    }
                }
            }
        }
        let weight = mask.reduce(0, +)
        func f(_ qd: [Double]) -> Double {
            var total = 0.0
            for i in 0..<n where allowed[i] != 0 && allowed[i] != 0b1111 {
                let inSet = { (b: Int) in allowed[i] & (1 << b) != 0 }
                let best = (0..<a).map { qd[i * a + $0] + (inSet($0) ? 0 : Double(margin)) }.max()!
                let bestAllowed = (0..<a).filter(inSet).map { qd[i * a + $0] }.max()!
                total += Double(mask[i]) * (best - bestAllowed)
            }
            return total / Double(weight)
        }
        let qd = q.map(Double.init)
        #expect(abs(Double(value) - f(qd)) < 1e-5)
        #expect(gradientErrorRatio(dQ, qd.indices.map { centralDifference(qd, $0, f) }) <= 1)
        // One-action sets: exactly the single-action form.
        let actions = (0..<n).map { Int32(($0 * 3) % a) }
        let single = MarginImitationLoss.compute(q: q, actions: actions, mask: mask, actionCount: a, margin: margin)
        var setDQ = [Float](repeating: 0, count: n * a)
        let sets = actions.map { UInt8(1) << UInt8($0) }
        let setValue = setDQ.withUnsafeMutableBufferPointer { d in
            q.withUnsafeBufferPointer { qp in
                sets.withUnsafeBufferPointer { al in
                    mask.withUnsafeBufferPointer { m in
                        MarginImitationLoss.accumulate(dQ: d, q: qp, allowed: al, mask: m, positions: n, actionCount: a, margin: margin, weight: 1)
                    }
                }
            }
        }
        #expect(setValue == single.loss && setDQ == single.dQ)
    }

    @Test("hard and Polyak target updates")
    func targetUpdates() throws {
        let config = smallConfig()
        let online = try Transformer(config: config, seed: 1), target = try Transformer(config: config, seed: 2)
        let t0 = target.parameters.toArray(), o = online.parameters.toArray()
        try target.polyakUpdate(from: online, tau: 0.25)
        #expect(maxAbsDiff(target.parameters.toArray(), zip(t0, o).map { 0.75 * $0 + 0.25 * $1 }) < 1e-7)
        try target.copyParameters(from: online)
        #expect(target.parameters.toArray() == o)
        let other = try Transformer(config: smallConfig(positional: .learned))
        #expect(throws: ParameterError.self) { try target.copyParameters(from: other) }
    }

    @Test("named tensors round trip and wrong ones are refused")
    func namedTensors() throws {
        let a = try Transformer(config: smallConfig(), seed: 1), b = try Transformer(config: smallConfig(), seed: 2)
        var tensors = a.exportTensors()
        try b.importTensors(tensors)
        #expect(a.parameters.toArray() == b.parameters.toArray())
        let index = a.layout.tensors.firstIndex { $0.name == "blocks.0.attn.qkv.weight" }!
        let spec = a.layout.tensors[index]
        tensors[index].shape = [spec.count]
        #expect(throws: ParameterError.shapeMismatch(name: spec.name, expected: spec.shape, found: [spec.count])) { try b.importTensors(tensors) }
        tensors[index].shape = spec.shape
        #expect(throws: ParameterError.missingTensor(name: tensors.last!.name)) { try b.importTensors(Array(tensors.dropLast())) }
        #expect(throws: ParameterError.duplicateTensor(name: tensors[0].name)) { try b.importTensors(tensors + [tensors[0]]) }
        #expect(throws: ParameterError.unexpectedTensor(name: "extra")) { try b.importTensors(tensors + [NamedTensor(name: "extra", shape: [1], values: [0])]) }
        #expect(throws: ParameterError.countMismatch(expected: a.layout.count, found: 3)) { try b.load(parameters: [1, 2, 3]) }
        try b.load(parameters: a.parameters.toArray())
        #expect(a.parameters.toArray() == b.parameters.toArray())
    }
}
