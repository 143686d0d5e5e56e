import Cluster

/// The learner's Prometheus endpoint: each metrics line goes into the registry
/// (`PrometheusExporter`) and its text out through `GET /metrics` (`MetricsHTTPServer`).
///
/// It lives outside `Cluster` so that the learner's core, and everything built on it (the
/// replay fuzzer's sanitizer build among them), does not compile SwiftNIO.
public final class PrometheusEndpoint: MetricsEndpoint {
    public let exporter = PrometheusExporter()
    public let server: MetricsHTTPServer
    public var address: String { server.address }

    /// Starts serving on `host:port`; throws a clear error when that cannot be bound.
    public init(host: String, port: Int) throws {
        server = try MetricsHTTPServer(host: host, port: port)
    }

    public func publish(_ metrics: [String: Double]) {
        exporter.update(metrics)
        server.publish(exporter.render())
    }

    public func stop() { server.stop() }
}
