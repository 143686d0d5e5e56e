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
}
