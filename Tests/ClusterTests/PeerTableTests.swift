import Cluster
import Testing
import Transport

@Suite("peer table")
struct PeerTableTests {
    func hello(_ id: String, incarnation: UInt64) -> Hello {
        Hello(actorID: id, host: "h", pid: 1, configFingerprint: 7, incarnation: incarnation, environments: 8)
    }

    @Test("silent actors die after the timeout; a new incarnation is a rejoin")
    func lifecycle() {
        var table = PeerTable(timeout: 2)
        table.hello(hello("a", incarnation: 1), now: 0)
        table.hello(hello("b", incarnation: 1), now: 0)
        table.seen("a", incarnation: 1, now: 1.5)
        #expect(table.expire(now: 2.5) == ["b"])
        #expect(table.liveCount == 1)
        #expect(table.deaths == 1)
        // Heartbeats from a stale incarnation do not revive anyone.
        table.seen("b", incarnation: 0, now: 2.6)
        #expect(table.peers["b"]?.alive == false)
        table.hello(hello("b", incarnation: 2), now: 3)
        #expect(table.rejoins == 1)
        #expect(table.liveCount == 2)
        #expect(table.knows("b", incarnation: 2) && !table.knows("b", incarnation: 1))
    }

    @Test("dead actors are forgotten after reapAfter; live and recently dead ones stay")
    func reaping() {
        var table = PeerTable(timeout: 2, reapAfter: 10)
        for i in 0..<100 { table.hello(hello("gone\(i)", incarnation: UInt64(i)), now: 0) }
        table.hello(hello("live", incarnation: 1), now: 0)
        table.hello(hello("late", incarnation: 1), now: 9)
        for t in stride(from: 0.5, through: 12, by: 0.5) {
            table.seen("live", incarnation: 1, now: t)
            table.expire(now: t)
            #expect(table.reap(now: t).isEmpty)
        }
        #expect(table.peers.count == 102 && table.liveCount == 1)
        table.seen("live", incarnation: 1, now: 12.5)
        #expect(table.reap(now: 12.5).count == 100)
        #expect(table.reaped == 100)
        #expect(Set(table.peers.keys) == ["live", "late"])
        #expect(table.peers["late"]?.alive == false)
        #expect(table.reap(now: 21).isEmpty)
        #expect(table.reap(now: 21.5).map(\.actorID) == ["late"])
    }
}

@Suite("endpoints")
struct EndpointsTests {
    @Test("one address gives three consecutive ports")
    func derive() throws {
        let e = try Endpoints(base: "tcp://10.1.2.3:5555")
        #expect(e.experience == "tcp://10.1.2.3:5555" && e.weights == "tcp://10.1.2.3:5556" && e.control == "tcp://10.1.2.3:5557")
        #expect(try Endpoints(base: "tcp://*:7000").control == "tcp://*:7002")
    }

    @Test("loopback binds are told apart from binds open to the network")
    func loopback() {
        for address in ["tcp://127.0.0.1:5555", "tcp://127.8.9.10:1", "tcp://localhost:5555", "tcp://[::1]:5555"] {
            #expect(Endpoints.isLoopback(address), "\(address)")
        }
        for address in ["tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://10.0.0.5:5555", "tcp://eth0:5555", "tcp://127.0.0.1.evil.com:5555",
                        "tcp://[::]:5555", "tcp://128.0.0.1:5555", "ipc:///tmp/x"] {
            #expect(!Endpoints.isLoopback(address), "\(address)")
        }
    }

    @Test("bad addresses say what to write", arguments: ["localhost:5555", "tcp://host", "tcp://host:0", "tcp://host:65535", "ipc:///tmp/x"])
    func invalid(address: String) {
        #expect(throws: Endpoints.InvalidAddress.self) { try Endpoints(base: address) }
    }
}
