import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `GET /metrics` for Prometheus, served by SwiftNIO on one event-loop thread of its own
/// while the learner trains on its threads.
///
/// Built to shrug off hostile clients: NIO's HTTP/1 parser refuses malformed or oversized
/// requests (400, then close); a connection silent for 5 s is closed (slowloris); at most
/// `maxConnections` are open at once, later ones are closed on arrival, so a flood cannot
/// take the file descriptors the learner's sockets need. The text is rendered once per
/// metrics line (`publish`), never per request: scrapes cost socket work only.
public final class MetricsHTTPServer: Sendable {
    /// The address it listens on, as `host:port`.
    public let address: String
    /// Connections closed on arrival because `maxConnections` were open.
    public var refusedConnections: Int { limiter.refused.load(ordering: .relaxed) }
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let body: NIOLockedValueBox<[UInt8]>
    private let limiter: ConnectionLimiter

    /// Starts listening on `host:port` (port 0: the kernel's choice); throws a clear error
    /// when the address cannot be bound.
    public init(host: String, port: Int, maxConnections: Int = 64) throws {
        guard (0...65_535).contains(port) else {
            throw MetricsServerError(message: "--metrics-port \(port) is not a TCP port (0...65535)")
        }
        let body = NIOLockedValueBox<[UInt8]>(Array("# no metrics line written yet\n".utf8))
        let limiter = ConnectionLimiter(limit: maxConnections)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ConnectionLimitHandler(limiter: limiter))
                    try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(5)))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(MetricsRequestHandler(body: body))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw MetricsServerError(message: "could not serve metrics on \(host):\(port): \(error) (is the port in use, and is \(host) an address of this machine? 0.0.0.0 is every interface)")
        }
        self.group = group
        self.body = body
        self.limiter = limiter
        address = "\(host):\(channel.localAddress?.port ?? port)"
    }

    /// Replaces the text served at /metrics.
    public func publish(_ text: [UInt8]) {
        body.withLockedValue { $0 = text }
    }

    /// Closes the listening socket and every connection, and stops the thread.
    public func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

public struct MetricsServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Open connections, shared by every connection's `ConnectionLimitHandler`.
final class ConnectionLimiter: Sendable {
    let limit: Int
    let open = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    init(limit: Int) { self.limit = limit }
}

/// Closes a connection on arrival when the limit is reached; counts the rest in and out.
final class ConnectionLimitHandler: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    let limiter: ConnectionLimiter
    private var counted = false

    init(limiter: ConnectionLimiter) { self.limiter = limiter }

    func channelActive(context: ChannelHandlerContext) {
        if limiter.open.add(1, ordering: .relaxed).newValue > limiter.limit {
            limiter.open.subtract(1, ordering: .relaxed)
            limiter.refused.add(1, ordering: .relaxed)
            context.close(promise: nil)
            return
        }
        counted = true
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted {
            limiter.open.subtract(1, ordering: .relaxed)
            counted = false
        }
        context.fireChannelInactive()
    }
}

/// Answers `GET /metrics` (and HEAD) with the latest text, `/` with a pointer to it, other
/// paths with 404 and other methods with 405; closes connections that go idle.
final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let body: NIOLockedValueBox<[UInt8]>
    private var head: HTTPRequestHead?

    init(body: NIOLockedValueBox<[UInt8]>) { self.body = body }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break  // request bodies are not read
        case .end:
            if let request = head { respond(to: request, context: context) }
            head = nil
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let status: HTTPResponseStatus
        var contentType = "text/plain; charset=utf-8"
        var text: [UInt8]
        switch (request.method, path) {
        case (.GET, "/metrics"), (.HEAD, "/metrics"):
            status = .ok
            contentType = PrometheusExporter.contentType
            text = body.withLockedValue { $0 }
        case (.GET, "/"), (.HEAD, "/"):
            status = .ok
            text = Array("icrl learner: Prometheus metrics at /metrics\n".utf8)
        case (.GET, _), (.HEAD, _):
            status = .notFound
            text = Array("not found: the metrics are at /metrics\n".utf8)
        default:
            status = .methodNotAllowed
            text = Array("only GET and HEAD\n".utf8)
        }
        let keepAlive = request.isKeepAlive
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(text.count))])
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        if request.method == .HEAD { text = [] }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if !text.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: text)))), promise: nil)
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
    }
}
