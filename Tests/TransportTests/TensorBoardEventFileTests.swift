import CProtobufC
import Foundation
import ICRLWire
import Testing
@testable import Transport

@Suite("TensorBoard event files")
struct TensorBoardEventFileTests {
    @Test("CRC-32C matches its published check value, and TFRecord's mask")
    func crc() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        let crc = CRC32C.checksum([1, 2, 3])
        #expect(CRC32C.masked([1, 2, 3]) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    /// Splits TFRecord framing, checking both CRCs of every record.
    static func records(_ bytes: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = [], i = 0
        func u32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) } }
        while i < bytes.count {
            guard i + 12 <= bytes.count else { return nil }
            let lengthBytes = Array(bytes[i..<(i + 8)])
            let length = lengthBytes.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard u32(i + 8) == CRC32C.masked(lengthBytes), i + 12 + length + 4 <= bytes.count else { return nil }
            let data = Array(bytes[(i + 12)..<(i + 12 + length)])
            guard u32(i + 12 + length) == CRC32C.masked(data) else { return nil }
            out.append(data)
            i += 16 + length
        }
        return out
    }

    @Test("a file holds the version record, scalar events and a restart marker, each framed and checksummed")
    func roundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("icrl-tb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try TensorBoardEventFile(folder: folder)
        try file.write(scalars: ["charts/updates": 12, "losses/td": 0.25, "bad": .nan], step: 12)
        try file.writeRestart(step: 40)
        let second = try TensorBoardEventFile(folder: folder)
        #expect(second.url != file.url, "a second writer starts its own file")
        #expect(file.url.lastPathComponent.hasPrefix("events.out.tfevents."))
        let records = try #require(Self.records(Array(try Data(contentsOf: file.url))))
        #expect(records.count == 3)
        var events: [UnsafeMutablePointer<Tensorboard__Event>] = []
        for record in records {
            let event = try #require(record.withUnsafeBufferPointer { tensorboard__event__unpack(nil, record.count, $0.baseAddress) })
            events.append(event)
        }
        defer { for e in events { tensorboard__event__free_unpacked(e, nil) } }
        #expect(events[0].pointee.what_case == TENSORBOARD__EVENT__WHAT_FILE_VERSION)
        #expect(String(cString: events[0].pointee.file_version) == "brain.Event:2")
        #expect(events[1].pointee.step == 12 && events[1].pointee.what_case == TENSORBOARD__EVENT__WHAT_SUMMARY)
        let summary = events[1].pointee.summary!.pointee
        let values = (0..<summary.n_value).map { summary.value[$0]!.pointee }
        #expect(values.map { String(cString: $0.tag) } == ["charts/updates", "losses/td"], "non-finite values are left out")
        #expect(values.map(\.simple_value) == [12, 0.25])
        #expect(events[2].pointee.what_case == TENSORBOARD__EVENT__WHAT_SESSION_LOG)
        #expect(events[2].pointee.session_log!.pointee.status == TENSORBOARD__SESSION_LOG__SESSION_STATUS__START)
        #expect(events[2].pointee.step == 40)
    }
}
