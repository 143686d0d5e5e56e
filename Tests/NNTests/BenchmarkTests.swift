import Testing
import NN

/// The benchmark entry points `icrl bench` calls, on a tiny model so the suite stays fast.
@Suite("Benchmarks")
struct BenchmarkTests {
    @Test("learner and actor benchmarks report their figures")
    func figures() throws {
        let config = TransformerConfig(featureVocabularies: [8, 3], dModel: 16, heads: 2, layers: 1, mlpHidden: 32, contextLength: 16)
        let learner = try NNBenchmark.learner(config: config, batch: 2, steps: 2, warmup: 1)
        for key in ["train_step_ms", "train_gflops", "sgemm_peak_gflops", "peak_rss_mb", "forward_backward_ms", "target_forward_ms"] {
            #expect((learner[key] as? Double).map { $0 > 0 } == true, "\(key)")
        }
        #expect(learner["openblas_core"] is String)
        #expect(learner["passes"] as? String == "block-by-block")
        let separate = try NNBenchmark.learner(config: config, batch: 2, steps: 2, warmup: 1, separatePasses: true)
        for key in ["forward_ms", "backward_ms", "forward_backward_ms"] {
            #expect((separate[key] as? Double).map { $0 > 0 } == true, "\(key)")
        }
        #expect(separate["passes"] as? String == "separate")
        let actor = try NNBenchmark.actor(config: config, sequences: 3, steps: 2, warmup: 1)
        #expect((actor["decode_ms"] as? Double).map { $0 > 0 } == true)
        #expect(actor["context"] as? Int == 15)
    }

    @Test("the FLOP count follows the documented formula")
    func flops() {
        let config = TransformerConfig.reference
        // Per forward: 2·8192·2·(4·128² + 2·128·512) + 2·2·32·2·128·256·257/2 + 2·8192·128·4.
        let linear: Double = 2 * 8192 * 2 * (4 * 16384 + 2 * 65536)
        let attention: Double = 4 * 32 * 2 * 128 * 256 * 257 / 2
        let head: Double = 2 * 8192 * 128 * 4
        let forward = linear + attention + head
        #expect(NNBenchmark.trainStepFlops(config: config, batch: 32, time: 256) == 4 * forward)
    }
}
