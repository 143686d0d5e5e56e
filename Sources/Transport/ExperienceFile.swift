import Foundation

/// A file of wire messages, each prefixed by its length as a protobuf varint —
/// the same framing as protobuf's `writeDelimitedTo`, so Python and other tools
/// read it with stock libraries. `icrl collect` writes it; `icrl learner --dataset` reads it.
public enum ExperienceFile {
    /// Appends framed messages to a file.
    public final class Writer {
        private let handle: FileHandle
        private var buffer: [UInt8] = []
        public private(set) var messages = 0

        /// Creates (truncating) the file at `url`.
        public init(url: URL) throws {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
            handle = try FileHandle(forWritingTo: url)
        }

        public func append(_ message: WireMessage) throws {
            let bytes = message.encodedForFile
            var length = UInt64(bytes.count)
            while length >= 0x80 {
                buffer.append(UInt8(length & 0x7F) | 0x80)
                length >>= 7
            }
            buffer.append(UInt8(length))
            buffer.append(contentsOf: bytes)
            messages += 1
            if buffer.count >= 1 << 20 { try flush() }
        }

        public func flush() throws {
            guard !buffer.isEmpty else { return }
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }

        /// Flushes and fsyncs, so a crash after `close` loses nothing.
        public func close() throws {
            try flush()
            try handle.synchronize()
            try handle.close()
        }
    }

    /// Why a file could not be read to the end.
    public enum ReadError: Error, Equatable, CustomStringConvertible {
        /// The file ends inside a length prefix or a message.
        case truncated(offset: Int)
        /// A length prefix longer than 10 bytes or larger than the limit.
        case badLength(offset: Int)

        public var description: String {
            switch self {
            case .truncated(let offset): "experience file is truncated at byte \(offset): the last message is incomplete"
            case .badLength(let offset): "experience file has an impossible length prefix at byte \(offset): not an ICRL experience file, or corrupt"
            }
        }
    }

    /// Calls `body` with each framed message's bytes, in order. A truncated tail or a
    /// bad prefix stops the read with an error after every complete message before it.
    public static func forEachFrame(
        in url: URL, maxFrameBytes: Int = 64 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        // An empty file holds no frames. (Foundation's mapped read of an empty file leaks a
        // 4 KiB buffer, found by the fuzzer; skipping it also skips the leak.)
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? -1
        if size == 0 { return }
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let start = offset
                var length: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    guard offset < raw.count else { throw ReadError.truncated(offset: start) }
                    guard shift < 64 else { throw ReadError.badLength(offset: start) }
                    let byte = raw[offset]
                    offset += 1
                    length |= UInt64(byte & 0x7F) << shift
                    shift += 7
                    if byte & 0x80 == 0 { break }
                }
                guard length <= UInt64(maxFrameBytes) else { throw ReadError.badLength(offset: start) }
                guard offset + Int(length) <= raw.count else { throw ReadError.truncated(offset: start) }
                try body(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + Int(length))]))
                offset += Int(length)
            }
        }
    }
}

extension WireMessage {
    var encodedForFile: [UInt8] {
        if case .experience(let chunk) = self { return WireCodec.encode(chunk) }
        return WireCodec.encode(self)
    }
}
