import COpenBLAS

extension NNBenchmark {
    /// Milliseconds of each kernel of one block on one thread, for a shard of `sequences`
    /// sequences of the reference config's context (what each worker runs in a train step):
    /// where the train step's time goes, kernel by kernel. Random inputs; the median of
    /// `repeats` runs of each kernel.
    public static func kernels(
        config: TransformerConfig = .reference, sequences: Int = 16, repeats: Int = 7
    ) -> [String: Any] {
        // One OpenBLAS thread, as inside a WorkerPool shard (OpenBLAS's idle threads would
        // otherwise spin on the other core and blur the figures).
        openblas_set_num_threads(1)
        let t = config.contextLength, c = config.dModel, m = config.mlpHidden, h = config.heads
        let n = sequences * t
        var random = SplitMix64(seed: 4)
        func buffer(_ count: Int, scale: Float = 1) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for i in 0..<count { p[i] = Float(random.nextGaussian()) * scale }
            return p
        }
        let x = buffer(n * c), y = buffer(n * c), dy = buffer(n * c), mean = buffer(n), rstd = buffer(n)
        let qkv = buffer(n * 3 * c), dqkv = buffer(n * 3 * c)
        let att = buffer(sequences * h * t * t), scratch = buffer(t * t)
        let fch = buffer(n * m), gelu = buffer(n * m), slope = buffer(n * m)
        let wqkv = buffer(3 * c * c, scale: 0.05), wfc = buffer(m * c, scale: 0.05), bias = buffer(4 * m, scale: 0.05)
        let dw = buffer(m * c), db = buffer(4 * m), ones = buffer(c)
        defer { for p in [x, y, dy, mean, rstd, qkv, dqkv, att, scratch, fch, gelu, slope, wqkv, wfc, bias, dw, db, ones] { p.deallocate() } }
        for i in 0..<c { ones[i] = 1 }

        func time(_ body: () -> Void) -> Double {
            var samples: [Double] = []
            for _ in 0..<repeats {
                let t0 = now()
                body()
                samples.append((now() - t0) * 1e3)
            }
            return median(samples)
        }
        var figures: [String: Any] = [:]
        figures["layernorm_forward_ms"] = time {
            layerNormForward(out: y, mean: mean, rstd: rstd, inp: x, weight: ones, bias: bias, rows: n, channels: c, epsilon: 1e-5)
        }
        figures["layernorm_backward_ms"] = time {
            layerNormBackward(dinp: y, dweight: db, dbias: db + c, dout: dy, inp: x, weight: ones,
                              mean: mean, rstd: rstd, rows: n, channels: c)
        }
        figures["linear_qkv_forward_ms"] = time {
            linearForward(out: qkv, inp: x, weight: wqkv, bias: bias, residual: nil, rows: n, inChannels: c, outChannels: 3 * c)
        }
        figures["linear_qkv_backward_ms"] = time {
            linearBackward(dinp: y, dweight: dw, dbias: db, dout: dqkv, inp: x, weight: wqkv, rows: n, inChannels: c, outChannels: 3 * c)
        }
        figures["linear_fc_forward_ms"] = time {
            linearForward(out: fch, inp: x, weight: wfc, bias: bias, residual: nil, rows: n, inChannels: c, outChannels: m)
        }
        figures["linear_fc_backward_ms"] = time {
            linearBackward(dinp: y, dweight: dw, dbias: db, dout: fch, inp: x, weight: wfc, rows: n, inChannels: c, outChannels: m)
        }
        figures["gelu_forward_ms"] = time { geluForward(out: gelu, slope: slope, inp: fch, count: n * m) }
        figures["gelu_backward_ms"] = time { geluBackward(dinp: gelu, slope: slope, dout: gelu, count: n * m) }
        figures["attention_forward_ms"] = time {
            attentionForward(out: y, att: att, attStride: t * t, qkv: qkv, batch: sequences, time: t, channels: c, heads: h)
        }
        figures["attention_backward_ms"] = time {
            attentionBackward(dqkv: dqkv, scratch: scratch, dout: dy, qkv: qkv, att: att,
                              batch: sequences, time: t, channels: c, heads: h)
        }
        figures["sequences"] = sequences
        figures["time"] = t
        return figures
    }
}
