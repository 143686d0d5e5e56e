import Foundation
import FrozenLake
import Testing

@Suite("Map parsing and bad input")
struct MapParsingTests {
    @Test("compact string round-trips and observations are row * cols + col")
    func compactRoundTrip() throws {
        let map = try FrozenLakeMap("SFFHG,FHFFF,SFHFG")
        #expect(map.rows == 3 && map.cols == 5)
        #expect(map.compactString == "SFFHG,FHFFF,SFHFG")
        #expect(map.rowStrings == ["SFFHG", "FHFFF", "SFHFG"])
        #expect(map.observation(row: 2, col: 4) == 14)
        #expect(map.position(of: 14) == (row: 2, col: 4))
        #expect(map[row: 1, col: 1] == .hole)
        #expect(map.startObservations == [0, 10])
        #expect(map.goalObservations == [4, 14])
        #expect(try FrozenLakeMap(map.compactString) == map)
        #expect(try FrozenLakeMap(" SFFHG ; FHFFF / SFHFG ") == map)
        #expect(try map.replacing(observation: 7, with: .hole).compactString == "SFFHG,FHHFF,SFHFG")
        #expect(throws: MapError.noStart) { try FrozenLakeMap("SG").replacing(observation: 0, with: .frozen) }
    }

    @Test("unknown letters are named with their row and column")
    func unknownLetter() {
        #expect(throws: MapError.unknownLetter("X", row: 2, column: 3)) { try FrozenLakeMap("SFF,FFX,FFG") }
        #expect(throws: MapError.unknownLetter("s", row: 1, column: 1)) { try FrozenLakeMap("sFF,FFG") }
        let message = MapError.unknownLetter("X", row: 2, column: 3).description
        #expect(message.contains("row 2") && message.contains("column 3") && message.contains("S (start)"))
    }

    @Test("ragged rows, missing start, missing goal and empty maps are refused")
    func structuralErrors() {
        #expect(throws: MapError.raggedRows(row: 2, expected: 4, found: 3)) { try FrozenLakeMap("SFFF,FFF,FFFG") }
        #expect(throws: MapError.noStart) { try FrozenLakeMap("FFF,FHF,FFG") }
        #expect(throws: MapError.noGoal) { try FrozenLakeMap("SFF,FHF,FFF") }
        #expect(throws: MapError.empty) { try FrozenLakeMap("") }
        #expect(throws: MapError.empty) { try FrozenLakeMap(" , ,") }
        #expect(throws: MapError.shapeMismatch(rows: 2, cols: 2, cells: 3)) {
            try FrozenLakeMap(rows: 2, cols: 2, cells: [.start, .frozen, .goal])
        }
    }

    @Test("map files: one map per line, comments and blank lines skipped, errors carry the line")
    func mapFiles() throws {
        let text = """
            # evaluation maps
            SFFH,FHFG,FFFH,HFFG   # the classic-like one

            SFG,HFF\r
            """
        let maps = try FrozenLakeMap.parseMapList(text)
        #expect(maps.map(\.compactString) == ["SFFH,FHFG,FFFH,HFFG", "SFG,HFF"])
        #expect(throws: MapError.onLine(3, .noGoal)) { try FrozenLakeMap.parseMapList("SFG\n\nSFF\n") }
        #expect(throws: MapError.empty) { try FrozenLakeMap.parseMapList("# nothing\n\n") }

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maps-\(UInt64.random(in: 0...UInt64.max)).txt")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try FrozenLakeMap.loadMapList(path: url.path) == maps)
    }

    @Test("shortest paths: BFS per start, goals not walked through, holes avoided")
    func shortestPaths() throws {
        let map = try FrozenLakeMap("SFH,FFF,HFG")
        #expect(map.shortestPathLengths == [4])
        #expect(map.everyStartReachesGoal)
        let blocked = try FrozenLakeMap("SHF,HFF,FFG")
        #expect(blocked.shortestPathLengths == [nil])
        #expect(!blocked.everyStartReachesGoal)
        #expect(blocked.minimumShortestPath == nil)
        let twoStarts = try FrozenLakeMap("SFFFG,FFFFF,FFFFS")
        #expect(twoStarts.shortestPathLengths == [4, 2])
        #expect(twoStarts.minimumShortestPath == 2)
        let stats = MapStatistics(try FrozenLakeMap("SFFHG,FHFFF,SFHFG"))
        #expect(stats.holes == 3 && stats.starts == 2 && stats.goals == 2)
        #expect(stats.shortestPaths == [6, 8])
    }

    @Test("stable hash is fixed across runs and platforms")
    func stableHash() throws {
        // Pinned values: if these change, every train/eval split changes with them.
        let map = FrozenLakeMap.gymnasium4x4
        #expect(map.stableHash == map.stableHash)
        #expect(map.stableHash != FrozenLakeMap.gymnasium8x8.stableHash)
        #expect(String(map.stableHash, radix: 16) == Self.pinned4x4Hash)
    }

    static let pinned4x4Hash = "89a278214605476"
}
