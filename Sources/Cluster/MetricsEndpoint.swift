/// Somewhere beyond the run folder that the learner publishes each metrics line to, such
/// as a Prometheus scrape endpoint (`Monitoring.PrometheusEndpoint`).
public protocol MetricsEndpoint: AnyObject, Sendable {
    /// Where its readers reach it, e.g. `127.0.0.1:9100`, for the log and `learner.json`.
    var address: String { get }
    /// Called on the training thread with every line `metrics.jsonl` gets.
    func publish(_ metrics: [String: Double])
    /// Stops serving; called once, when the learner stops.
    func stop()
}
