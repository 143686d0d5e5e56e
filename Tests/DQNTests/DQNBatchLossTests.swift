import NN
import Testing
@testable import DQN

/// The learner's per-block loss (what `Transformer.trainingPass` calls) against the same
/// loss computed over the whole batch at once.
@Suite("DQN batch loss")
struct DQNBatchLossTests {
    @Test("blocks of sequences give the whole batch's dQ bit for bit, and its losses", arguments: [DQNTargets.Bootstrap.episode, .trial])
    func blocksMatchWholeBatch(bootstrap: DQNTargets.Bootstrap) {
        let batch = 7, time = 12, a = 4
        var rng = SplitMixForTests(21)
        func uniform() -> Float { Float(rng.next() % 10_000) / 5_000 - 1 }
        let lengths = (0..<batch).map { b in b == 2 ? time : 3 + Int(rng.next() % UInt64(time - 3)) }
        let endsTrial = (0..<batch).map { _ in rng.next() % 2 == 0 }
        let demonstrator = (0..<batch).map { _ in rng.next() % 3 == 0 }
        var steps = [TrialStep](repeating: TrialStep(observation: 0, nextObservation: 0, action: 0, reward: 0, flags: 0, rows: 4, cols: 4),
                                count: batch * time)
        for i in steps.indices {
            steps[i].action = UInt8(rng.next() % UInt64(a))
            steps[i].reward = rng.next() % 5 == 0 ? 1 : 0
            steps[i].flags = rng.next() % 4 == 0 ? TrialStep.terminatedBit : 0
        }
        let q = (0..<(batch * time * a)).map { _ in uniform() }
        let rule = DQNTargets(bootstrap: bootstrap)
        let loss = DQNBatchLoss(batch: batch, time: time, actionCount: a)
        for i in 0..<(batch * time * a) { loss.qTarget[i] = uniform() }

        // The whole batch at once, as the learner computed it before block-by-block passes.
        var actions = [Int32](repeating: 0, count: batch * time), targets = [Float](repeating: 0, count: batch * time)
        var mask = targets, imitationMask = targets
        steps.withUnsafeBufferPointer { s in
            for b in 0..<batch {
                let row = b * time, n = lengths[b]
                for t in 0..<n {
                    actions[row + t] = Int32(s[row + t].action)
                    imitationMask[row + t] = demonstrator[b] ? 1 : 0
                }
                q.withUnsafeBufferPointer { qp in
                    targets.withUnsafeMutableBufferPointer { tp in
                        mask.withUnsafeMutableBufferPointer { mp in
                            rule.fill(targets: tp.baseAddress! + row, mask: mp.baseAddress! + row,
                                      window: UnsafeBufferPointer(rebasing: s[row..<(row + n)]), qOnline: qp.baseAddress! + row * a,
                                      qTarget: loss.qTarget.baseAddress! + row * a, actions: a, endsTrial: endsTrial[b])
                        }
                    }
                }
            }
        }
        let expectedLoss: Float
        var expected: [Float]
        (expectedLoss, expected) = QRegressionLoss.compute(kind: .huber(delta: 1), q: q, actions: actions, targets: targets,
                                                              mask: mask, actionCount: a)
        let expectedImitation = expected.withUnsafeMutableBufferPointer { d in
            q.withUnsafeBufferPointer { qp in
                actions.withUnsafeBufferPointer { ac in
                    imitationMask.withUnsafeBufferPointer { im in
                        MarginImitationLoss.accumulate(dQ: d, q: qp, actions: ac, mask: im, positions: batch * time, actionCount: a,
                                                       margin: 0.5, weight: 0.3)
                    }
                }
            }
        }

        // Blocks of 3, 3 and 1 sequences, the last first: order must not matter.
        var dQ = [Float](repeating: .nan, count: batch * time * a)
        steps.withUnsafeBufferPointer { s in
            let none = [Int](repeating: 0, count: batch)
            loss.prepare(steps: s, lengths: lengths, carried: none, endsTrial: endsTrial, demonstrator: demonstrator, rule: rule, imitating: true)
            for seqs in [6..<7, 0..<3, 3..<6] {
                let rows = (seqs.lowerBound * time * a)..<(seqs.upperBound * time * a)
                q.withUnsafeBufferPointer { qp in
                    dQ.withUnsafeMutableBufferPointer { d in
                        loss.blockGradient(seqs, q: UnsafeBufferPointer(rebasing: qp[rows]), dQ: UnsafeMutableBufferPointer(rebasing: d[rows]),
                                           steps: s, lengths: lengths, carried: none, endsTrial: endsTrial, rule: rule, kind: .huber(delta: 1),
                                           imitation: (margin: 0.5, weight: 0.3))
                    }
                }
            }
        }
        #expect(dQ == expected)
        #expect(Array(loss.mask) == mask)
        #expect(Array(loss.targets) == targets)
        #expect(abs(loss.losses.reduce(0, +) - expectedLoss) < 1e-6 * max(1, abs(expectedLoss)))
        #expect(abs(loss.imitationLosses.reduce(0, +) - expectedImitation) < 1e-6 * max(1, abs(expectedImitation)))
        #expect(loss.counts.reduce(0, +) == Int(mask.reduce(0, +)))
    }
}
