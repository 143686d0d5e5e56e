import CNNKernels
import COpenBLAS
import Foundation

/// Throughput figures for `icrl bench learner|actor`, each with its baseline measured in
/// the same run. Values are numbers except `openblas_core` and `passes` (strings).
public enum NNBenchmark {
    /// One DQN update at `config`: target-network forward (inference path), online forward,
    /// masked Huber loss, backward, AdamW and Polyak update, on random tokens.
    ///
    /// Figures: `train_step_ms` (median after `warmup` steps), its phases
    /// (`target_forward_ms`, `forward_backward_ms`, and with `separatePasses` also
    /// `forward_ms` and `backward_ms`, then `adam_ms`), `train_gflops` (`trainStepFlops` /
    /// time), `sgemm_peak_gflops`, `peak_rss_mb` (VmHWM), `parameters`, `batch`, `time`,
    /// `passes`, `threads`, `openblas_threads`, `openblas_core`.
    ///
    /// `separatePasses` times `forward` then `backward(dQ:)` over the whole batch instead of
    /// the learner's block-by-block `trainingPass` (same arithmetic, for comparison).
    public static func learner(
        config: TransformerConfig = .reference, batch: Int = 32, time: Int? = nil, steps: Int = 10, warmup: Int = 3,
        separatePasses: Bool = false, pool: WorkerPool = .shared
    ) throws -> [String: Any] {
        let t = time ?? config.contextLength
        let online = try Transformer(config: config, seed: 1, pool: pool)
        let target = try Transformer(config: config, seed: 1, pool: pool)
        let optimizer = AdamW(layout: online.layout)
        var random = SplitMix64(seed: 2)
        let n = batch * t, a = config.actions
        var tokens = [Int32](), actions = [Int32](), targets = [Float](), mask = [Float](repeating: 1, count: n)
        for _ in 0..<n {
            for v in config.featureVocabularies { tokens.append(Int32(random.next() % UInt64(v))) }
            actions.append(Int32(random.next() % UInt64(a)))
            targets.append(Float(random.nextGaussian()))
        }
        for i in stride(from: t - 1, to: n, by: t) { mask[i] = 0 }
        let maskWeight = mask.withUnsafeBufferPointer { QRegressionLoss.totalMaskWeight($0) }
        var dQ = [Float](repeating: 0, count: n * a), targetQ = dQ
        var phases: [String: [Double]] = ["forward_backward_ms": [], "adam_ms": [], "target_forward_ms": [], "train_step_ms": []]
        if separatePasses {
            phases["forward_ms"] = []
            phases["backward_ms"] = []
        }
        for iteration in 0..<(warmup + steps) {
            let t0 = now()
            tokens.withUnsafeBufferPointer { tp in targetQ.withUnsafeMutableBufferPointer { target.predict(tokens: tp, batch: batch, time: t, into: $0) } }
            let t1 = now()
            var tForward = t1
            actions.withUnsafeBufferPointer { ap in
                targets.withUnsafeBufferPointer { tp in
                    mask.withUnsafeBufferPointer { mp in
                        // The loss of sequences `s`: its rows of actions, targets and mask.
                        let loss = { (s: Range<Int>, q: UnsafeBufferPointer<Float>, d: UnsafeMutableBufferPointer<Float>) in
                            let rows = (s.lowerBound * t)..<(s.upperBound * t)
                            _ = QRegressionLoss.compute(
                                kind: .huber(delta: 1), dQ: d, q: q, actions: UnsafeBufferPointer(rebasing: ap[rows]),
                                targets: UnsafeBufferPointer(rebasing: tp[rows]), mask: UnsafeBufferPointer(rebasing: mp[rows]),
                                positions: rows.count, actionCount: a, totalWeight: maskWeight)
                        }
                        if separatePasses {
                            let q = tokens.withUnsafeBufferPointer { online.forward(tokens: $0, batch: batch, time: t) }
                            dQ.withUnsafeMutableBufferPointer { loss(0..<batch, q, $0) }
                            tForward = now()
                            dQ.withUnsafeBufferPointer { online.backward(dQ: $0) }
                        } else {
                            _ = tokens.withUnsafeBufferPointer { online.trainingPass(tokens: $0, batch: batch, time: t, lossGradient: loss) }
                        }
                    }
                }
            }
            let t2 = now()
            optimizer.update(parameters: online.parameters, gradients: online.gradients)
            try target.polyakUpdate(from: online, tau: 0.005)
            let t3 = now()
            if iteration >= warmup {
                phases["target_forward_ms"]!.append((t1 - t0) * 1e3)
                phases["forward_backward_ms"]!.append((t2 - t1) * 1e3)
                if separatePasses {
                    phases["forward_ms"]!.append((tForward - t1) * 1e3)
                    phases["backward_ms"]!.append((t2 - tForward) * 1e3)
                }
                phases["adam_ms"]!.append((t3 - t2) * 1e3)
                phases["train_step_ms"]!.append((t3 - t0) * 1e3)
            }
        }
        var figures: [String: Any] = phases.mapValues(median)
        let stepMs = median(phases["train_step_ms"]!)
        let flops = trainStepFlops(config: config, batch: batch, time: t)
        figures["train_gflops"] = flops / (stepMs * 1e-3) / 1e9
        figures["train_step_gflop"] = flops / 1e9
        figures["sgemm_peak_gflops"] = sgemmPeakGFlops(pool: pool)
        figures["peak_rss_mb"] = peakResidentMegabytes()
        figures["parameters"] = online.parameterCount
        figures["batch"] = batch
        figures["time"] = t
        figures["passes"] = separatePasses ? "separate" : "block-by-block"
        figures.merge(environment(pool: pool)) { a, _ in a }
        return figures
    }

    /// One decode step for `sequences` sequences whose caches hold `context` tokens each
    /// (so every new token attends to `context + 1` keys).
    ///
    /// Figures: `decode_ms` (median), `decode_tokens_per_s`, `sequences`, `context`,
    /// `kv_read_mb` (cache bytes one step reads), `memory_read_gbps` (`streamReadGBps` over a
    /// cache-sized buffer, same run) and `kv_read_floor_ms` (their quotient: no fp32 decoder
    /// can step faster on this machine),
    /// `sgemm_peak_gflops`, `peak_rss_mb`, `threads`, `openblas_threads`, `openblas_core`.
    public static func actor(
        config: TransformerConfig = .reference, sequences: Int = 64, context: Int? = nil, steps: Int = 50, warmup: Int = 10,
        pool: WorkerPool = .shared
    ) throws -> [String: Any] {
        let filled = context ?? (config.contextLength - 1)
        precondition(filled < config.contextLength, "context must leave room for the new token")
        let model = try Transformer(config: config, seed: 1, pool: pool)
        let decoder = try KVCacheDecoder(model: model, sequences: sequences)
        var random = SplitMix64(seed: 3)
        func randomTokens(_ count: Int) -> [Int32] {
            var out: [Int32] = []
            for _ in 0..<count { for v in config.featureVocabularies { out.append(Int32(random.next() % UInt64(v))) } }
            return out
        }
        for i in 0..<sequences { _ = decoder.prefill(sequence: i, tokens: randomTokens(filled)) }
        let tokens = randomTokens(sequences)
        var q = [Float](repeating: 0, count: sequences * config.actions)
        var times: [Double] = []
        for iteration in 0..<(warmup + steps) {
            let t0 = now()
            tokens.withUnsafeBufferPointer { tp in q.withUnsafeMutableBufferPointer { decoder.step(tokens: tp, into: $0) } }
            let t1 = now()
            if iteration >= warmup { times.append((t1 - t0) * 1e3) }
            // Roll the caches back so every timed step sees the same context length.
            for i in 0..<sequences {
                decoder.lengths[i] = filled
                decoder.positions[i] = filled
            }
        }
        let ms = median(times)
        // Each step reads every cached key and value once: memory bandwidth bounds decoding.
        let kvReadBytes = Double(2 * config.layers * sequences * config.dModel * (filled + 1) * MemoryLayout<Float>.size)
        let bandwidth = streamReadGBps(bytes: 2 * config.layers * sequences * config.dModel * decoder.capacity * MemoryLayout<Float>.size,
                                       pool: pool)
        var figures: [String: Any] = [
            "decode_ms": ms, "decode_tokens_per_s": Double(sequences) / (ms * 1e-3),
            "sequences": sequences, "context": filled,
            "kv_read_mb": kvReadBytes / 1e6, "memory_read_gbps": bandwidth,
            "kv_read_floor_ms": kvReadBytes / (bandwidth * 1e9) * 1e3,
            "sgemm_peak_gflops": sgemmPeakGFlops(pool: pool), "peak_rss_mb": peakResidentMegabytes(),
        ]
        figures.merge(environment(pool: pool)) { a, _ in a }
        return figures
    }

    /// FLOPs of one DQN step as `train_gflops` counts them: 4 forward passes' worth
    /// (forward, backward = 2× forward, target forward). One forward pass, N = B·T:
    /// `2·N·L·(3d² + d² + 2·d·h)` for the linear layers, `2·2·B·L·d·T(T+1)/2` for the causal
    /// part of QKᵀ and P·V (masked products are not counted, though the blocked kernel
    /// computes part of them), and `2·N·d·A` for the head. Element-wise work is not counted.
    public static func trainStepFlops(config: TransformerConfig, batch: Int, time: Int) -> Double {
        let n = Double(batch * time), d = Double(config.dModel), h = Double(config.mlpHidden), l = Double(config.layers)
        let t = Double(time)
        let linear = 2 * n * l * (4 * d * d + 2 * d * h)
        let attention = 2 * 2 * Double(batch) * l * d * t * (t + 1) / 2
        let head = 2 * n * d * Double(config.actions)
        return 4 * (linear + attention + head)
    }

    /// Best of five 2048³ sgemms, rows split across `pool` the way the model splits work.
    public static func sgemmPeakGFlops(pool: WorkerPool = .shared, size: Int = 2048) -> Double {
        let n = size
        let a = ParameterBuffer(count: n * n), b = ParameterBuffer(count: n * n), c = ParameterBuffer(count: n * n)
        for i in 0..<(n * n) {
            a.pointer[i] = Float(i % 7) * 0.1
            b.pointer[i] = Float(i % 5) * 0.1
        }
        let threads = pool.threadCount
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = now()
            pool.parallelFor(threads) { s in
                let lo = s * n / threads, hi = (s + 1) * n / threads
                sgemm(transA: false, transB: false, m: hi - lo, n: n, k: n, a: a.pointer + lo * n, lda: n,
                      b: b.pointer, ldb: n, beta: 0, c: c.pointer + lo * n, ldc: n)
            }
            best = min(best, now() - t0)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }

    /// Read bandwidth in GB/s over a buffer of `bytes` (rounded up to 256 bytes per thread),
    /// split across `pool`'s threads as decoding splits its sequences: best of five passes
    /// after one warm-up pass.
    public static func streamReadGBps(bytes: Int, pool: WorkerPool = .shared) -> Double {
        let threads = pool.threadCount
        let perThread = (bytes / MemoryLayout<Float>.size / threads + 63) / 64 * 64
        let buffer = ParameterBuffer(count: perThread * threads)
        for i in 0..<(perThread * threads) { buffer.pointer[i] = Float(i & 7) }
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { sums.deallocate() }
        var best = Double.infinity
        for pass in 0..<6 {
            let t0 = now()
            pool.parallelFor(threads) { s in sums[s] = icrl_stream_sum(buffer.pointer + s * perThread, perThread) }
            if pass > 0 { best = min(best, now() - t0) }
        }
        return Double(perThread * threads * MemoryLayout<Float>.size) / best / 1e9
    }

    /// Peak resident set size (VmHWM) in MiB, or -1 where /proc is unavailable.
    public static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? -1
            return kb / 1024
        }
        return -1
    }

    static func environment(pool: WorkerPool) -> [String: Any] {
        [
            "threads": pool.threadCount,
            "openblas_threads": Int(openblas_get_num_threads()),
            "openblas_core": String(cString: openblas_get_corename()),
            "nn_kernels": KernelPath.current.rawValue,
            "nn_matmul": MatmulPath.current.rawValue,
            "nn_matmul_decode": MatmulPath.decoding.rawValue,
        ]
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        if sorted.isEmpty { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
