import Cluster
import Testing

@Suite("Data-parallel learner: trial routing and forwarded frames")
struct DataParallelGroupTests {
    @Test("every chunk of a trial goes to one rank, and trials spread evenly")
    func ownerIsStableAndBalanced() {
        var counts = [0, 0, 0, 0]
        for incarnation in UInt64(1)...8 {
            for trial in UInt64(0)..<500 {
                let owner = DataParallelGroup.owner(incarnation: incarnation, trialID: trial, ranks: 4)
                #expect(owner == DataParallelGroup.owner(incarnation: incarnation, trialID: trial, ranks: 4))
                counts[owner] += 1
            }
        }
        // 4,000 trials over 4 ranks: each within 10 % of 1,000.
        #expect(counts.allSatisfy { abs($0 - 1000) < 100 }, "\(counts)")
        #expect(DataParallelGroup.owner(incarnation: 7, trialID: 3, ranks: 1) == 0)
    }

    @Test("two actors' trials reach both of two ranks")
    func twoActorsFeedTwoRanks() {
        for incarnation in [UInt64(11), 12] {
            let owners = Set((UInt64(0)..<16).map { DataParallelGroup.owner(incarnation: incarnation, trialID: $0, ranks: 2) })
            #expect(owners == [0, 1])
        }
    }
}

@Suite("Data-parallel learner: forwarded frames")
struct ForwardedFramesTests {
    @Test("frames packed for a rank come back whole and in order, empty ones included")
    func packRoundTrip() {
        let frames: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 9, count: 70_000), [255]]
        #expect(DataParallelGroup.unpack(DataParallelGroup.pack(frames)) == frames)
        #expect(DataParallelGroup.unpack([]) == [])
    }

    @Test("a truncated payload yields the whole frames before the cut, never a partial one")
    func truncatedPayload() {
        let packed = DataParallelGroup.pack([[1, 2], [3, 4, 5]])
        #expect(DataParallelGroup.unpack(Array(packed.dropLast())) == [[1, 2]])
    }
}
