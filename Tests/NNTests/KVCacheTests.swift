import Testing
@testable import NN

/// KV-cache decoding against full forward passes over the same tokens.
@Suite("KV-cache decoder")
struct KVCacheTests {
    /// Q-values of the last position of a full forward pass over `tokens` (L, K).
    func lastQ(_ model: Transformer, _ tokens: [Int32]) -> [Float] {
        let k = model.config.featureCount, a = model.config.actions
        let length = tokens.count / k
        let q = model.predict(tokens: tokens, batch: 1, time: length)
        return Array(q[((length - 1) * a)...])
    }

    @Test("decoding equals the full forward pass, with resets at different times", arguments: TransformerConfig.Positional.allCases)
    func matchesFullForward(positional: TransformerConfig.Positional) throws {
        let config = smallConfig(positional: positional, context: 16)
        let model = try Transformer(config: config, seed: 21, pool: WorkerPool(threads: 2))
        randomizeParameters(model, seed: 22)
        let n = 5, k = config.featureCount, a = config.actions
        let decoder = try KVCacheDecoder(model: model, sequences: n)
        var random = TestRandom(23)
        var streams = [[Int32]](repeating: [], count: n)
        var worst: Float = 0
        for step in 0..<14 {
            // Sequence i restarts at steps i+3 and 2i+7 (different times for each).
            for i in 0..<n where step == i + 3 || step == 2 * i + 7 {
                decoder.reset(sequence: i)
                streams[i] = []
            }
            let tokens = random.tokens(n, config: config)
            let q = decoder.step(tokens: tokens)
            for i in 0..<n {
                streams[i] += tokens[(i * k)..<((i + 1) * k)]
                worst = max(worst, maxAbsDiff(Array(q[(i * a)..<((i + 1) * a)]), lastQ(model, streams[i])))
            }
        }
        #expect(worst < 1e-4)
    }

    /// The decoder keeps its own packed copy of the linear weights (fp32 path); every way the
    /// parameters change must reach it.
    @Test("decoding follows parameter updates: load, AdamW, Polyak")
    func followsParameterUpdates() throws {
        let config = smallConfig(context: 16)
        let model = try Transformer(config: config, seed: 71, pool: WorkerPool(threads: 2))
        let other = try Transformer(config: config, seed: 72)
        randomizeParameters(model, seed: 73)
        randomizeParameters(other, seed: 74)
        let decoder = try KVCacheDecoder(model: model, sequences: 2)
        var random = TestRandom(75)
        let optimizer = AdamW(layout: model.layout)
        let updates: [(String, () throws -> Void)] = [
            ("load", { try model.load(parameters: other.parameters.toArray()) }),
            ("AdamW", {
                _ = model.forward(tokens: random.tokens(2 * 4, config: config), batch: 2, time: 4)
                model.backward(dQ: random.floats(2 * 4 * config.actions))
                _ = optimizer.update(parameters: model.parameters, gradients: model.gradients)
            }),
            ("Polyak", { try model.polyakUpdate(from: other, tau: 0.5) }),
        ]
        for (name, update) in updates {
            let tokens = random.tokens(2, config: config)
            _ = decoder.step(tokens: tokens)
            try update()
            decoder.resetAll()
            let q = decoder.step(tokens: tokens)
            let k = config.featureCount, a = config.actions
            for i in 0..<2 {
                let expected = lastQ(model, Array(tokens[(i * k)..<((i + 1) * k)]))
                #expect(maxAbsDiff(Array(q[(i * a)..<((i + 1) * a)]), expected) < 1e-5, "after \(name)")
            }
        }
    }

    /// An actor loads new weights mid-trial: after `refreshAll` the next step's Q-values are
    /// the new model's full forward pass over the whole window, as if decoded from scratch.
    @Test("refreshAll re-encodes every window with new weights", arguments: [KVCacheDecoder.WindowPolicy.reencode(keep: 8), .ring])
    func refreshAfterNewWeights(window: KVCacheDecoder.WindowPolicy) throws {
        let config = smallConfig(context: 16)
        let model = try Transformer(config: config, seed: 81, pool: WorkerPool(threads: 2))
        let other = try Transformer(config: config, seed: 82)
        randomizeParameters(model, seed: 83)
        randomizeParameters(other, seed: 84)
        let decoder = try KVCacheDecoder(model: model, sequences: 3, window: window)
        var random = TestRandom(85)
        let k = config.featureCount, a = config.actions
        // Different lengths: 5, 11 and 0 tokens (the third sequence stays empty).
        var streams = [[Int32]](repeating: [], count: 3)
        for t in 0..<11 {
            let tokens = random.tokens(3, config: config)
            let active = [t < 5, true, false]
            _ = decoder.step(tokens: tokens, active: active)
            for i in 0..<3 where active[i] { streams[i] += tokens[(i * k)..<((i + 1) * k)] }
        }
        try model.load(parameters: other.parameters.toArray())
        decoder.refreshAll()
        let next = random.tokens(3, config: config)
        let q = decoder.step(tokens: next)
        for i in 0..<3 {
            let expected = lastQ(model, streams[i] + next[(i * k)..<((i + 1) * k)])
            #expect(maxAbsDiff(Array(q[(i * a)..<((i + 1) * a)]), expected) < 1e-5, "sequence \(i)")
        }
    }

    @Test("inactive sequences neither advance nor change their output rows")
    func activeMask() throws {
        let config = smallConfig(context: 16)
        let model = try Transformer(config: config, seed: 31)
        randomizeParameters(model, seed: 32)
        let decoder = try KVCacheDecoder(model: model, sequences: 3)
        var random = TestRandom(33)
        var streams = [[Int32]](repeating: [], count: 3)
        var q = [Float](repeating: -7, count: 3 * config.actions)
        var worst: Float = 0
        for step in 0..<8 {
            let active = [true, step % 2 == 0, step % 3 == 0]
            let tokens = random.tokens(3, config: config)
            let before = q
            tokens.withUnsafeBufferPointer { t in q.withUnsafeMutableBufferPointer { decoder.step(tokens: t, active: active, into: $0) } }
            for i in 0..<3 {
                let row = Array(q[(i * 4)..<(i * 4 + 4)])
                if active[i] {
                    streams[i] += tokens[(i * 3)..<(i * 3 + 3)]
                    worst = max(worst, maxAbsDiff(row, lastQ(model, streams[i])))
                } else {
                    #expect(row == Array(before[(i * 4)..<(i * 4 + 4)]))
                }
            }
        }
        #expect(worst < 1e-4)
        #expect(decoder.length(of: 0) == 8 && decoder.length(of: 1) == 4 && decoder.length(of: 2) == 3)
    }

    @Test("ring window, one block: equals a full forward over the last contextLength tokens")
    func ringOneLayer() throws {
        let config = smallConfig(layers: 1, context: 8)
        let model = try Transformer(config: config, seed: 41)
        randomizeParameters(model, seed: 42)
        let decoder = try KVCacheDecoder(model: model, sequences: 2, window: .ring)
        var random = TestRandom(43)
        var streams = [[Int32]](repeating: [], count: 2)
        var worst: Float = 0
        for _ in 0..<23 {
            let tokens = random.tokens(2, config: config)
            let q = decoder.step(tokens: tokens)
            for i in 0..<2 {
                streams[i] += tokens[(i * 3)..<(i * 3 + 3)]
                let window = Array(streams[i].suffix(8 * 3))
                worst = max(worst, maxAbsDiff(Array(q[(i * 4)..<(i * 4 + 4)]), lastQ(model, window)))
            }
        }
        #expect(worst < 1e-4)
        #expect(decoder.length(of: 0) == 8)
    }

    @Test("ring window, two blocks: equals the banded-mask reference over the whole stream")
    func ringTwoLayers() throws {
        let config = smallConfig(layers: 2, context: 8)
        let model = try Transformer(config: config, seed: 51)
        randomizeParameters(model, seed: 52)
        let decoder = try KVCacheDecoder(model: model, sequences: 1, window: .ring)
        var random = TestRandom(53)
        var stream: [Int32] = []
        var outputs: [Float] = []
        let steps = 21
        for _ in 0..<steps {
            let tokens = random.tokens(1, config: config)
            stream += tokens
            outputs += decoder.step(tokens: tokens)
        }
        let reference = ReferenceTransformer(model).forward(tokens: stream, batch: 1, time: steps, window: 8)
        #expect(maxAbsDiff(outputs, reference) < 1e-4)
        // The windowed stream really differs from re-encoding only the last window.
        let lastWindow = lastQ(model, Array(stream.suffix(8 * 3)))
        #expect(maxAbsDiff(Array(outputs.suffix(4)), lastWindow) > 1e-3)
    }

    @Test("re-encoding window equals the full forward pass from the window's start", arguments: TransformerConfig.Positional.allCases)
    func reencode(positional: TransformerConfig.Positional) throws {
        let config = smallConfig(positional: positional, context: 8)
        let model = try Transformer(config: config, seed: 61, pool: WorkerPool(threads: 2))
        randomizeParameters(model, seed: 62)
        let keep = 3
        let decoder = try KVCacheDecoder(model: model, sequences: 3, window: .reencode(keep: keep))
        var random = TestRandom(63)
        var windows = [[Int32]](repeating: [], count: 3)
        var worst: Float = 0
        for step in 0..<30 {
            if step == 5 { decoder.reset(sequence: 1); windows[1] = [] }
            let tokens = random.tokens(3, config: config)
            let q = decoder.step(tokens: tokens)
            for i in 0..<3 {
                // Mirror the policy: a full window keeps its last `keep` tokens.
                if windows[i].count == 8 * 3 { windows[i] = Array(windows[i].suffix(keep * 3)) }
                windows[i] += tokens[(i * 3)..<(i * 3 + 3)]
                worst = max(worst, maxAbsDiff(Array(q[(i * 4)..<(i * 4 + 4)]), lastQ(model, windows[i])))
            }
        }
        #expect(worst < 1e-4)
    }

    @Test("re-encoding carries salient tokens past the window, and still equals the full forward pass over what it keeps")
    func reencodeCarriesSalientTokens() throws {
        let config = smallConfig(positional: .learned, context: 8)
        let model = try Transformer(config: config, seed: 71, pool: WorkerPool(threads: 2))
        randomizeParameters(model, seed: 72)
        let keep = 4, k = config.featureCount, capacity = 8
        let salient: @Sendable (UnsafePointer<Int32>) -> Bool = { $0[0] % 3 == 0 }
        let decoder = try KVCacheDecoder(model: model, sequences: 2, window: .reencode(keep: keep))
        decoder.salientToken = salient
        var random = TestRandom(73)
        var windows = [[[Int32]]](repeating: [], count: 2)
        var worst: Float = 0, carriedAtLeastOnce = false
        for _ in 0..<60 {
            let tokens = random.tokens(2, config: config)
            let q = decoder.step(tokens: tokens)
            for i in 0..<2 {
                if windows[i].count == capacity {
                    // The smallest s for which the dropped part holds s salient tokens (capped
                    // at keep / 2): those s, newest, then the last keep − s tokens.
                    let window = windows[i]
                    let s = (0...(keep / 2)).first { s in
                        min(keep / 2, window[0..<(capacity - (keep - s))].filter { $0[0] % 3 == 0 }.count) == s
                    }!
                    let carried = window[0..<(capacity - (keep - s))].filter { $0[0] % 3 == 0 }.suffix(s)
                    if s > 0 { carriedAtLeastOnce = true }
                    windows[i] = Array(carried) + Array(window.suffix(keep - s))
                }
                windows[i].append(Array(tokens[(i * k)..<(i * k + k)]))
                worst = max(worst, maxAbsDiff(Array(q[(i * 4)..<(i * 4 + 4)]), lastQ(model, windows[i].flatMap { $0 })))
            }
        }
        #expect(carriedAtLeastOnce)
        #expect(worst < 1e-4)
    }

    @Test("prefill equals stepping token by token")
    func prefill() throws {
        let config = smallConfig(context: 16)
        let model = try Transformer(config: config, seed: 71)
        randomizeParameters(model, seed: 72)
        let a = try KVCacheDecoder(model: model, sequences: 1), b = try KVCacheDecoder(model: model, sequences: 1)
        var random = TestRandom(73)
        let history = random.tokens(10, config: config)
        let prefilled = a.prefill(sequence: 0, tokens: history)
        var stepped: [Float] = []
        for t in 0..<10 { stepped += b.step(tokens: Array(history[(t * 3)..<(t * 3 + 3)])) }
        #expect(maxAbsDiff(prefilled, stepped) < 1e-4)
        let next = random.tokens(1, config: config)
        #expect(maxAbsDiff(a.step(tokens: next), b.step(tokens: next)) < 1e-4)
    }

    @Test("decode attention kernel matches its naive reference")
    func decodeKernel() {
        var random = TestRandom(81)
        let len = 45, hs = 40
        // Keys transposed (hs, W) with W = 48 > len, as in the cache.
        let w = 48
        let q = random.floats(hs), keys = random.floats(hs * w), values = random.floats(len * hs)
        var fast = [Float](repeating: 0, count: hs), naive = fast, scores = [Float](repeating: 0, count: len)
        decodeAttention(out: &fast, q: q, keys: keys, stride: w, values: values, length: len, headSize: hs, scores: &scores)
        decodeAttentionNaive(out: &naive, q: q, keys: keys, stride: w, values: values, length: len, headSize: hs, scores: &scores)
        #expect(maxAbsDiff(fast, naive) < 1e-5)
        var portable = fast
        decodeAttentionPortable(out: &portable, q: q, keys: keys, stride: w, values: values, length: len, headSize: hs, scores: &scores)
        #expect(maxAbsDiff(portable, naive) < 1e-5)

        // Appending a token at a slot inside the window writes exactly that key column and
        // value row, then attends as over the updated cache.
        let key = random.floats(hs), value = random.floats(hs), slot = 17
        var appendedKeys = keys, appendedValues = values + [Float](repeating: 0, count: (w - len) * hs)
        var expectedKeys = appendedKeys, expectedValues = appendedValues
        for d in 0..<hs { expectedKeys[d * w + slot] = key[d] }
        for d in 0..<hs { expectedValues[slot * hs + d] = value[d] }
        var appended = fast
        decodeAttention(out: &appended, q: q, keys: &appendedKeys, stride: w, values: &appendedValues, length: len, headSize: hs,
                        scores: &scores, appending: key, value, slot: slot)
        #expect(appendedKeys == expectedKeys && appendedValues == expectedValues)
        decodeAttentionNaive(out: &naive, q: q, keys: expectedKeys, stride: w, values: expectedValues, length: len, headSize: hs,
                             scores: &scores)
        #expect(maxAbsDiff(appended, naive) < 1e-5)
    }

    @Test("a ring window with learned positions is refused")
    func ringNeedsRotary() throws {
        let model = try Transformer(config: smallConfig(positional: .learned))
        #expect(throws: ConfigError.self) { try KVCacheDecoder(model: model, sequences: 2, window: .ring) }
        #expect(throws: ConfigError.self) { try KVCacheDecoder(model: model, sequences: 2, window: .reencode(keep: 8)) }
    }
}
