import Cluster
import Foundation
import Monitoring
import Testing
import Transport

@Suite("monitoring: Prometheus exposition and throughput history")
struct MonitoringTests {
    @Test("metrics lines become counters and gauges with help, labels and monotonic counters")
    func prometheusText() throws {
        let exporter = PrometheusExporter()
        exporter.update([
            "charts/env_steps_received": 1_000, "charts/updates": 10, "charts/env_steps_per_s": 250.5,
            "rejected/total": 2, "rejected/oversized": 2, "charts/episodes_model": 7, "charts/success_model": 0.5,
            "actors/a0/steps_received": 600, "actors/node-1/a1/policy_version": 9, "losses/td": .nan,
        ])
        exporter.update(["charts/env_steps_received": 1_500, "charts/updates": 12, "charts/env_steps_per_s": 125])
        let text = String(decoding: exporter.render(), as: UTF8.self)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains("# TYPE icrl_env_steps_total counter"))
        #expect(lines.contains("icrl_env_steps_total 1500.0") || lines.contains("icrl_env_steps_total 1500"))
        #expect(lines.contains { $0.hasPrefix("icrl_updates_total 12") })
        #expect(lines.contains("# TYPE icrl_charts_env_steps_per_second gauge"))
        #expect(lines.contains { $0.hasPrefix("icrl_charts_env_steps_per_second 125") })
        #expect(lines.contains { $0.hasPrefix(#"icrl_rejections_total{reason="oversized"} 2"#) })
        #expect(lines.contains { $0.hasPrefix(#"icrl_episodes_total{behaviour="model"} 7"#) })
        #expect(lines.contains { $0.hasPrefix(#"icrl_success_rate{behaviour="model"} 0.5"#) })
        #expect(lines.contains { $0.hasPrefix(#"icrl_actor_steps_received{actor="a0"} 600"#) })
        // An actor id with a slash keeps it; the field is what follows the last one.
        #expect(lines.contains { $0.hasPrefix(#"icrl_actor_policy_version{actor="node-1/a1"} 9"#) })
        // NaN is left out rather than exported.
        #expect(!text.contains("icrl_losses_td"))
        // Every series has a HELP line (promtool refuses series without one).
        let families = Set(lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        #expect(families == helped)
    }

    @Test("a counter that restarts lower (a resumed learner) keeps rising")
    func counterRestart() {
        let exporter = PrometheusExporter()
        exporter.update(["charts/updates": 100])
        exporter.update(["charts/updates": 30])
        let text = String(decoding: exporter.render(), as: UTF8.self)
        #expect(text.contains("icrl_updates_total 130"))
    }

    @Test("rates over 10 s, 60 s and 5 min come from the samples inside each window")
    func throughputHistory() {
        var history = ThroughputHistory()
        // 100 steps/s for 400 s, then 1000 steps/s for the last 30 s; 2 updates/s throughout.
        var steps = 0
        for t in 0...430 {
            history.record(time: Double(t), steps: steps, updates: 2 * t)
            steps += t < 400 ? 100 : 1_000
        }
        #expect(history.samples.count <= 302)
        #expect(abs(history.rate(over: 10).steps - 1_000) < 1)
        #expect(abs(history.rate(over: 10).updates - 2) < 1e-9)
        #expect(abs(history.rate(over: 60).steps - (30 * 100 + 30 * 1_000) / 60) < 20)
        #expect(history.rate(over: 300).steps > 100 && history.rate(over: 300).steps < 250)
        // Samples closer than a second apart are skipped.
        history.record(time: 430.5, steps: .max, updates: 0)
        #expect(history.samples.last?.time == 430)
        #expect(ThroughputHistory().rate(over: 10).steps == 0)
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("monitoring a running learner", .serialized)
struct RunningMonitoringTests {
    @Test("a learner answers status requests on its control socket and serves /metrics while it trains")
    func statusAndMetrics() throws {
        var config = RunningLearnerTests.tinyConfig()
        config.metricsSeconds = 0.2
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("icrl-monitor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = Int.random(in: 45_001...48_000)
        var options = LearnerService.Options(
            endpoints: try Endpoints(base: "tcp://127.0.0.1:\(port)"), runFolder: folder, config: config, learnerID: "monitored")
        options.maxSeconds = 60
        options.makeMetricsEndpoint = { try PrometheusEndpoint(host: "127.0.0.1", port: port + 10) }
        let learner = InProcessLearner(options: options, label: "test.learner")
        defer { learner.stop() }

        // The run folder names the control socket, as `icrl top RUN` reads it.
        var control: String?
        for _ in 0..<600 where control == nil {
            control = StatusClient.controlEndpoint(runFolder: folder)
            if control == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(control == "tcp://127.0.0.1:\(port + 2)")
        let client = try StatusClient(control: try #require(control))
        let status = try client.fetch(timeout: 5)
        #expect(status.learnerID == "monitored")
        #expect(status.replayCapacity == UInt64(config.replayCapacitySteps))
        #expect(status.actors.isEmpty)
        #expect(status.rssBytes > 0)

        var text = ""
        for _ in 0..<50 where !text.contains("icrl_replay_fill") {
            Thread.sleep(forTimeInterval: 0.1)
            text = (try? String(contentsOf: URL(string: "http://127.0.0.1:\(port + 10)/metrics")!, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("# TYPE icrl_env_steps_total counter"))
        #expect(text.contains("icrl_replay_fill 0"))
    }
}
