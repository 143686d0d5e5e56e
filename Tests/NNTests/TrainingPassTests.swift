import Synchronization
import Testing
@testable import NN

/// `Transformer.trainingPass` (forward, loss, backward block by block) against the
/// two-pass API it replaces in the learner.
@Suite("Training pass")
struct TrainingPassTests {
    /// b = 40 sequences of 32 tokens: three cache blocks (16, 16, 8 sequences), so each of
    /// two threads runs more than one block through its own activation region; b = 20: two
    /// blocks, too few rows for a region per thread, so the blocks keep their own rows.
    @Test("same Q-values and bit-identical gradients as forward + backward", arguments: [(40, 1), (40, 2), (20, 2)])
    func matchesTwoPasses(batch b: Int, threads: Int) throws {
        let config = smallConfig(context: 32)
        let t = 32, a = config.actions
        // Separate models, so the training pass runs on its own (smaller) workspace.
        let twoPass = try Transformer(config: config, seed: 3, pool: WorkerPool(threads: threads))
        let model = try Transformer(config: config, seed: 3, pool: WorkerPool(threads: threads))
        randomizeParameters(twoPass, seed: 4)
        randomizeParameters(model, seed: 4)
        var random = TestRandom(5)
        let tokens = random.tokens(b * t, config: config)
        let actions = (0..<(b * t)).map { _ in Int32(random.int(a)) }
        let targets = random.floats(b * t)
        let mask: [Float] = (0..<(b * t)).map { $0 % t == t - 1 || $0 % 5 == 0 ? 0 : 1 }
        let total = mask.withUnsafeBufferPointer { QRegressionLoss.totalMaskWeight($0) }

        let q = twoPass.forward(tokens: tokens, batch: b, time: t)
        let (loss, dQ) = QRegressionLoss.compute(kind: .huber(delta: 1), q: q, actions: actions, targets: targets, mask: mask, actionCount: a)
        twoPass.backward(dQ: dQ)
        let gradients = twoPass.gradients.toArray()

        let seen = Mutex([Int](repeating: 0, count: b)), losses = Mutex([Float](repeating: 0, count: b))
        let fused = actions.withUnsafeBufferPointer { ap in
            targets.withUnsafeBufferPointer { tp in
                mask.withUnsafeBufferPointer { mp in
                    model.trainingPass(tokens: tokens, batch: b, time: t) { s, q, d in
                        let rows = (s.lowerBound * t)..<(s.upperBound * t)
                        let l = QRegressionLoss.compute(
                            kind: .huber(delta: 1), dQ: d, q: q, actions: UnsafeBufferPointer(rebasing: ap[rows]),
                            targets: UnsafeBufferPointer(rebasing: tp[rows]), mask: UnsafeBufferPointer(rebasing: mp[rows]),
                            positions: rows.count, actionCount: a, totalWeight: total)
                        seen.withLock { for i in s { $0[i] += 1 } }
                        losses.withLock { $0[s.lowerBound] = l }
                    }
                }
            }
        }
        #expect(seen.withLock { $0 } == [Int](repeating: 1, count: b), "every sequence in exactly one block")
        #expect(fused == q)
        #expect(model.gradients.toArray() == gradients)
        #expect(abs(losses.withLock { $0.reduce(0, +) } - loss) < 1e-5 * max(1, abs(loss)))
        // Activations for one block per thread when the batch holds a region per thread.
        let regions = model.hasThreadRegions(batch: b, time: t)
        #expect(model.training!.activationSequences == (regions ? threads * 16 : b))
        #expect(regions == (b >= threads * 16))
        if regions { #expect(model.workspaceBytes < twoPass.workspaceBytes) }
        // Reruns are bitwise equal whatever order the threads take the blocks in.
        for _ in 0..<2 {
            _ = model.trainingPass(tokens: tokens, batch: b, time: t) { s, _, d in
                let rows = (s.lowerBound * t * a)..<(s.upperBound * t * a)
                for (i, r) in rows.enumerated() { d[i] = dQ[r] }
            }
            #expect(model.gradients.toArray() == gradients)
        }
    }

    @Test("accumulates when asked, and a backward after it is refused by design")
    func accumulation() throws {
        let config = smallConfig(context: 8)
        let model = try Transformer(config: config, seed: 5)
        var random = TestRandom(6)
        let tokens = random.tokens(2 * 7, config: config)
        let dQ = random.floats(2 * 7 * config.actions)
        let copy: Transformer.BlockLossGradient = { s, _, d in
            for i in 0..<d.count { d[i] = dQ[s.lowerBound * 7 * config.actions + i] }
        }
        _ = model.trainingPass(tokens: tokens, batch: 2, time: 7, lossGradient: copy)
        let once = model.gradients.toArray()
        _ = model.trainingPass(tokens: tokens, batch: 2, time: 7, accumulate: true, lossGradient: copy)
        let largest = once.reduce(0) { max($0, abs($1)) }
        #expect(maxAbsDiff(model.gradients.toArray(), once.map { 2 * $0 }) < 1e-6 * max(1, largest))
        #expect(model.lastForward == nil, "the activations were overwritten block by block")
    }

    /// Cache blocks hold ⌊512 / T⌋ sequences, so a shape that fits a workspace reserved for
    /// another T can still split into more blocks and need more gradient buffers.
    @Test("a shape that fits the workspace but splits into more blocks gets its gradient buffers")
    func moreBlocksSameWorkspace() throws {
        let config = smallConfig(context: 256)
        let model = try Transformer(config: config, seed: 7, pool: WorkerPool(threads: 2))
        var random = TestRandom(8)
        _ = model.forward(tokens: random.tokens(4 * 256, config: config), batch: 4, time: 256)
        model.backward(dQ: random.floats(4 * 256 * config.actions))
        #expect(model.cacheBlocks(0..<4, time: 256).count == 2)
        #expect(model.cacheBlocks(0..<5, time: 171).count == 3)
        _ = model.forward(tokens: random.tokens(5 * 171, config: config), batch: 5, time: 171)
        model.backward(dQ: random.floats(5 * 171 * config.actions))
        _ = model.trainingPass(tokens: random.tokens(5 * 171, config: config), batch: 5, time: 171) { _, _, d in
            for i in 0..<d.count { d[i] = 0.01 }
        }
        #expect(model.gradients.toArray().allSatisfy { $0.isFinite })
    }

    @Test("the workspace grows to fit both kinds of pass and then stays")
    func workspaceGrowsOnce() throws {
        let config = smallConfig(context: 32)
        let model = try Transformer(config: config, seed: 9, pool: WorkerPool(threads: 2))
        var random = TestRandom(10)
        let small = random.tokens(8 * 32, config: config), large = random.tokens(40 * 32, config: config)
        let copy: Transformer.BlockLossGradient = { _, _, d in for i in 0..<d.count { d[i] = 0.01 } }
        _ = model.forward(tokens: small, batch: 8, time: 32)
        _ = model.trainingPass(tokens: large, batch: 40, time: 32, lossGradient: copy)
        let grown = ObjectIdentifier(model.training!)
        #expect(model.training!.activationSequences >= 32, "the training pass's regions")
        let q = model.forward(tokens: small, batch: 8, time: 32)
        #expect(ObjectIdentifier(model.training!) == grown, "forward on 8 sequences fits what the pass left")
        _ = model.trainingPass(tokens: large, batch: 40, time: 32, lossGradient: copy)
        #expect(ObjectIdentifier(model.training!) == grown)
        #expect(model.forward(tokens: small, batch: 8, time: 32) == q)
    }
}
