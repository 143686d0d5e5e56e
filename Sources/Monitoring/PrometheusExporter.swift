import Foundation
import Prometheus
import Synchronization

/// The learner's metrics in Prometheus text format 0.0.4, held in a swift-prometheus
/// registry: every `metrics.jsonl` value, renamed for Prometheus, updated each time the
/// learner writes a metrics line.
///
/// Cumulative values become counters (`icrl_env_steps_total`,
/// `icrl_rejections_total{reason=…}`, …); everything else becomes a gauge named after its
/// `metrics.jsonl` key (`losses/td` → `icrl_losses_td`), and per-actor values carry the
/// actor as a label (`icrl_actor_steps_received{actor="a0"}`).
///
/// The registry is used directly rather than through swift-metrics' `MetricsFactory`:
/// swift-metrics has no place for help text, and `promtool check metrics` refuses series
/// without a `# HELP` line.
public final class PrometheusExporter: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let state = Mutex<ExportState>(ExportState())

    private struct ExportState {
        var counters: [String: Prometheus.Counter] = [:]
        var gauges: [String: Prometheus.Gauge] = [:]
        /// The value each counter was last advanced to, keyed like `counters`.
        var counted: [String: Double] = [:]
    }

    /// A counter's Prometheus name, labels and help, for a cumulative `metrics.jsonl` key.
    struct CounterName {
        var name: String
        var labels: [(String, String)] = []
        var help: String
    }

    public init() {}

    /// Moves every series to the values of one `metrics.jsonl` line.
    public func update(_ metrics: [String: Double]) {
        state.withLock { s in
            for (key, value) in metrics where value.isFinite {
                if let counter = Self.counterName(for: key) {
                    let id = counter.name + counter.labels.map { "|\($0.0)=\($0.1)" }.joined()
                    let c = s.counters[id] ?? registry.makeCounter(descriptor: MetricNameDescriptor(metricName: counter.name, unitName: "", helpText: counter.help), labels: counter.labels)
                    s.counters[id] = c
                    // Counters only go up; a value below the last one (a resumed learner that
                    // restarts a count) starts a new run of increments from there.
                    let last = s.counted[id] ?? 0
                    let delta = value >= last ? value - last : value
                    if delta > 0 { c.increment(by: delta) }
                    s.counted[id] = value
                } else {
                    let (name, labels, help) = Self.gaugeName(for: key)
                    let (unitName, scale) = Self.baseUnit(name)
                    let id = unitName + labels.map { "|\($0.0)=\($0.1)" }.joined()
                    let g = s.gauges[id] ?? registry.makeGauge(descriptor: MetricNameDescriptor(metricName: unitName, unitName: "", helpText: help), labels: labels)
                    s.gauges[id] = g
                    g.set(to: value * scale)
                }
            }
        }
    }

    /// The exposition text, `# HELP` and `# TYPE` included.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }

    /// Media type of `render()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The counter a cumulative key maps to, or nil for a gauge.
    static func counterName(for key: String) -> CounterName? {
        switch key {
        case "charts/env_steps_received": return CounterName(name: "icrl_env_steps_total", help: "Environment steps accepted into the replay.")
        case "charts/updates": return CounterName(name: "icrl_updates_total", help: "Learner updates (gradient steps).")
        case "transport/chunks_received": return CounterName(name: "icrl_chunks_total", help: "Experience chunks accepted.")
        case "transport/lost_chunks": return CounterName(name: "icrl_lost_chunks_total", help: "Chunks an actor sent that never arrived (sequence gaps).")
        case "transport/connections_accepted": return CounterName(name: "icrl_connections_accepted_total", help: "Experience connections accepted.")
        case "transport/connections_dropped": return CounterName(name: "icrl_connections_dropped_total", help: "Experience connections closed under the learner.")
        case "transport/auth_accepted": return CounterName(name: "icrl_auth_accepted_total", help: "CURVE handshakes admitted.")
        case "transport/auth_denied": return CounterName(name: "icrl_auth_denied_total", help: "CURVE handshakes refused (unlisted keys).")
        case "actors/deaths": return CounterName(name: "icrl_actor_deaths_total", help: "Actors declared dead after a heartbeat timeout.")
        case "actors/rejoins": return CounterName(name: "icrl_actor_rejoins_total", help: "Actors that came back with a new incarnation.")
        case "checkpoint/failures": return CounterName(name: "icrl_checkpoint_failures_total", help: "Checkpoint or replay snapshot writes that failed (the previous files stay).")
        case "metrics/write_failures": return CounterName(name: "icrl_metrics_write_failures_total", help: "metrics.jsonl lines and TensorBoard events that could not be written.")
        case "actors/reaped": return CounterName(name: "icrl_actor_reaped_total", help: "Dead actors forgotten after the reap delay.")
        case "rejected/total": return CounterName(name: "icrl_rejections_all_total", help: "Refused messages and windows, all reasons.")
        default: break
        }
        if key.hasPrefix("rejected/") {
            return CounterName(name: "icrl_rejections_total", labels: [("reason", String(key.dropFirst("rejected/".count)))],
                               help: "Refused messages and windows, by reason.")
        }
        if key.hasPrefix("charts/episodes_") {
            return CounterName(name: "icrl_episodes_total", labels: [("behaviour", String(key.dropFirst("charts/episodes_".count)))],
                               help: "Episodes in accepted experience, by the behaviour that played them.")
        }
        return nil
    }

    /// The gauge a key maps to: per-actor keys (`actors/ID/name`) get an `actor` label.
    static func gaugeName(for key: String) -> (name: String, labels: [(String, String)], help: String) {
        if key.hasPrefix("actors/"), let slash = key.lastIndex(of: "/"), slash > key.index(key.startIndex, offsetBy: 6) {
            let actor = String(key[key.index(key.startIndex, offsetBy: 7)..<slash])
            let field = String(key[key.index(after: slash)...])
            if !actor.isEmpty {
                return ("icrl_actor_" + sanitize(field), [("actor", actor)], "Per actor: \(field.replacingOccurrences(of: "_", with: " ")) (metrics.jsonl actors/ID/\(field)).")
            }
        }
        if key.hasPrefix("charts/success_") {
            return ("icrl_success_rate", [("behaviour", String(key.dropFirst("charts/success_".count)))],
                    "Share of episodes that reached the goal since the last metrics line, by behaviour.")
        }
        return ("icrl_" + sanitize(key), [], "metrics.jsonl \(key)" + (gaugeHelp[key].map { ": \($0)" } ?? "."))
    }

    static let gaugeHelp: [String: String] = [
        "charts/updates_per_s": "learner updates per second since the last metrics line",
        "charts/env_steps_per_s": "environment steps accepted per second since the last metrics line",
        "replay/steps": "steps held in the replay",
        "replay/fill": "share of the replay's capacity in use",
        "actors/live": "actors heard from within the heartbeat timeout",
        "actors/known": "actors in the peer table: live, and dead ones not yet reaped",
        "policy_lag/min": "smallest policy lag (updates) of chunks since the last metrics line",
        "policy_lag/avg": "mean policy lag (updates) of chunks since the last metrics line",
        "policy_lag/max": "largest policy lag (updates) of chunks since the last metrics line",
        "system/rss_mb": "learner resident memory (bytes)",
    ]

    /// Prometheus names spell base units out (`promtool` refuses `_s`, `_mb`): seconds and
    /// bytes, with the factor that converts the value.
    static func baseUnit(_ name: String) -> (name: String, scale: Double) {
        if name.hasSuffix("_mb") { return (String(name.dropLast(3)) + "_bytes", 1_048_576) }
        if name.hasSuffix("_per_s") { return (String(name.dropLast(2)) + "_second", 1) }
        if name.hasSuffix("_s") { return (String(name.dropLast(2)) + "_seconds", 1) }
        return (name, 1)
    }

    /// Prometheus metric names allow `[a-zA-Z0-9_:]`: anything else becomes `_`.
    static func sanitize(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }
}
