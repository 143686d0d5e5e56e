import FlyingFox
import FlyingSocks
import Foundation
import Logging
import Synchronization

/// `GET /metrics` for Prometheus, served by FlyingFox on the async pool while the learner
/// trains on its own threads.
///
/// The text is rendered once per metrics line (`publish`), not per request: a flood of
/// scrapes costs socket work only, never a walk over the registry, and garbage requests
/// are FlyingFox's to refuse (400) and close. Anything but `GET /metrics` (and `/`, which
/// says where to look) gets 404.
public final class MetricsHTTPServer: Sendable {
    /// The address it listens on, as `host:port` (port 0 in the request gets the kernel's choice).
    public let address: String
    private let server: HTTPServer
    private let body = LockedValue(Data("# no metrics line written yet\n".utf8))
    private let task: Task<Void, any Error>

    /// Starts listening on `host:port` and returns once the socket is bound (or throws).
    public init(host: String, port: Int, logger: Logger) throws {
        guard (0...65_535).contains(port) else {
            throw MetricsServerError(message: "--metrics-port \(port) is not a TCP port (0...65535)")
        }
        let socketAddress: sockaddr_in
        do {
            socketAddress = try .inet(ip4: host, port: UInt16(port))
        } catch {
            throw MetricsServerError(message: "--metrics-host \(host) is not an IPv4 address (use 0.0.0.0 for every interface)")
        }
        server = HTTPServer(address: socketAddress, timeout: 5, logger: FlyingFoxLogger(logger: logger))
        let server = server
        let body = body
        let failure = LockedValue<String?>(nil)
        task = Task {
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: PrometheusExporter.contentType]), body: body.withLock { $0 })
            }
            await server.appendRoute("GET /") { _ in
                HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "text/plain"]), body: Data("icrl learner: Prometheus metrics at /metrics\n".utf8))
            }
            do { try await server.run() } catch { failure.withLock { $0 = "\(error)" } }
        }
        // Wait for the socket: a port in use or a host not on this machine is an error now,
        // not a line in the log later.
        let deadline = Date().addingTimeInterval(10)
        var listening: Socket.Address?
        while Date() < deadline, listening == nil {
            if let reason = failure.withLock({ $0 }) {
                throw MetricsServerError(message: "could not serve metrics on \(host):\(port): \(reason) (is the port in use?)")
            }
            listening = Self.blockingListeningAddress(server)
            if listening == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let listening, case .ip4(let ip, let boundPort) = listening else {
            task.cancel()
            throw MetricsServerError(message: "could not serve metrics on \(host):\(port) within 10 s")
        }
        address = "\(ip):\(boundPort)"
    }

    /// Replaces the text served at /metrics.
    public func publish(_ text: [UInt8]) {
        let data = Data(text)
        body.withLock { $0 = data }
    }

    /// Closes the listening socket and every connection.
    public func stop() {
        task.cancel()
    }

    private static func blockingListeningAddress(_ server: HTTPServer) -> Socket.Address? {
        let result = LockedValue<Socket.Address?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let address = await server.listeningAddress
            result.withLock { $0 = address }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }
}

public struct MetricsServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// FlyingFox's messages into swift-log: its errors as warnings (a client that sent garbage
/// is not the learner's error), per-connection chatter dropped.
struct FlyingFoxLogger: FlyingSocks.Logging {
    let logger: Logger
    func logDebug(_ debug: @autoclosure () -> String) {}
    func logInfo(_ info: @autoclosure () -> String) {}
    func logWarning(_ warning: @autoclosure () -> String) { logger.debug("metrics server: \(warning())") }
    func logError(_ error: @autoclosure () -> String) { logger.debug("metrics server: \(error())") }
    func logCritical(_ critical: @autoclosure () -> String) { logger.warning("metrics server: \(critical())") }
}

/// A Mutex in a class, so closures and tasks can share it.
final class LockedValue<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout sending Value) throws -> sending R) rethrows -> sending R { try mutex.withLock(body) }
}
