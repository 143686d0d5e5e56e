import Foundation
import Testing
import Transport

@Suite("experience files")
struct ExperienceFileTests {
    func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("icrl-experience-\(UUID().uuidString).pb")
    }

    @Test("messages written are read back in order")
    func roundTrip() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try ExperienceFile.Writer(url: url)
        for message in WireSamples.all { try writer.append(message) }
        try writer.close()
        var read: [WireMessage] = []
        try ExperienceFile.forEachFrame(in: url) { read.append(try WireCodec.decode(Array($0))) }
        #expect(read == WireSamples.all)
    }

    @Test("a truncated file yields every complete message, then a clear error")
    func truncated() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try ExperienceFile.Writer(url: url)
        for message in WireSamples.all { try writer.append(message) }
        try writer.close()
        let full = try Data(contentsOf: url)
        try full.prefix(full.count - 3).write(to: url)
        var count = 0
        #expect(throws: ExperienceFile.ReadError.self) {
            try ExperienceFile.forEachFrame(in: url) { _ in count += 1 }
        }
        #expect(count == WireSamples.all.count - 1)
    }

    @Test("garbage is refused as a bad length, not read as a huge message")
    func garbage() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).write(to: url)
        #expect(throws: ExperienceFile.ReadError.badLength(offset: 0)) {
            try ExperienceFile.forEachFrame(in: url) { _ in }
        }
    }
}
