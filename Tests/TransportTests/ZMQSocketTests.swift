import CZeroMQ
import Testing
@testable import Transport

@Suite("ZeroMQ sockets")
struct ZMQSocketTests {
    /// Sends every sample message PUSH → PULL over `endpoint` and checks it arrives intact and in order.
    func pushPullRoundTrip(bind endpoint: String) throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context, .pull)
        try pull.setReceiveTimeout(milliseconds: 5_000)
        try pull.bind(endpoint)
        let bound = try pull.lastEndpoint
        let push = try ZMQSocket(context, .push)
        try push.setLinger(milliseconds: 0)
        try push.connect(bound)
        for message in WireSamples.all {
            #expect(try push.send(WireCodec.encode(message)))
        }
        for message in WireSamples.all {
            let frame = try #require(try pull.receiveMessage(), "timed out waiting for \(message.kind)")
            #expect(try WireCodec.decode(frame) == message)
        }
        push.close()
        pull.close()
    }

    @Test("PUSH/PULL round trip over inproc://")
    func inproc() throws {
        try pushPullRoundTrip(bind: "inproc://icrl-test-push-pull")
    }

    @Test("PUSH/PULL round trip over tcp://127.0.0.1")
    func tcp() throws {
        try pushPullRoundTrip(bind: "tcp://127.0.0.1:*")
    }

    @Test("ROUTER sees the DEALER's identity and can answer it")
    func routerDealer() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context, .router)
        try router.setReceiveTimeout(milliseconds: 5_000)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try ZMQSocket(context, .dealer)
        try dealer.setReceiveTimeout(milliseconds: 5_000)
        try dealer.setLinger(milliseconds: 0)
        try dealer.setOption(ZMQ_ROUTING_ID, bytes: Array("actor-1".utf8))
        try dealer.connect(try router.lastEndpoint)
        try dealer.send(WireCodec.encode(.weightsRequest(WeightsRequest(actorID: "actor-1", haveVersion: 0))))
        let frames = try #require(try router.receiveMultipart())
        #expect(frames.count == 2)
        #expect(frames[0] == Array("actor-1".utf8))
        #expect(try WireCodec.decode(frames[1]) == .weightsRequest(WeightsRequest(actorID: "actor-1", haveVersion: 0)))
        try router.sendMultipart([frames[0], WireCodec.encode(.shutdown(reason: "bye"))])
        let reply = try #require(try dealer.receive())
        #expect(try WireCodec.decode(reply) == .shutdown(reason: "bye"))
    }

    @Test("a non-blocking receive on an empty socket returns nil, a timeout too")
    func wouldBlock() throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context, .pull)
        try pull.bind("inproc://icrl-empty")
        #expect(try pull.receive(dontWait: true) == nil)
        try pull.setReceiveTimeout(milliseconds: 20)
        #expect(try pull.receive() == nil)
    }

    @Test("errors name the call and the cause")
    func errors() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context, .pull)
        #expect {
            try socket.bind("nonsense://x")
        } throws: { error in
            let z = error as! ZMQError
            return z.description.hasPrefix("zmq_bind(nonsense://x) failed:") && z.code == EPROTONOSUPPORT
        }
        socket.close()
        #expect(throws: ZMQError.self) { try socket.bind("inproc://closed") }
    }

    @Test("ZMQ_MAXMSGSIZE drops oversized frames at the socket")
    func maxMessageSize() throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context, .pull)
        try pull.setMaxMessageSize(1_000)
        try pull.setReceiveTimeout(milliseconds: 300)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint
        let big = try ZMQSocket(context, .push)
        try big.setLinger(milliseconds: 0)
        try big.connect(endpoint)
        try big.send([UInt8](repeating: 1, count: 5_000))
        #expect(try pull.receive() == nil, "an oversized frame got through")
        // A well-behaved peer on a fresh connection still gets through.
        let small = try ZMQSocket(context, .push)
        try small.setLinger(milliseconds: 0)
        try small.connect(endpoint)
        try small.send([UInt8](repeating: 2, count: 100))
        try pull.setReceiveTimeout(milliseconds: 5_000)
        #expect(try pull.receive() == [UInt8](repeating: 2, count: 100))
    }
}
