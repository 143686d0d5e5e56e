import CProtobufC
import Foundation

/// A reusable decoder for one receiving thread: protobuf-c's temporary
/// structures go into a bump arena that is reset per message, instead of one
/// malloc/free pair per field. Not thread-safe; give each receiving thread its own.
public final class WireDecoder {
    /// Largest frame accepted; larger ones fail with `.oversized` before parsing.
    public let maxBytes: Int
    private let arena: BumpArena
    private let allocator: UnsafeMutablePointer<ProtobufCAllocator>

    public init(maxBytes: Int = 64 << 20) {
        self.maxBytes = maxBytes
        arena = BumpArena(capacity: 256 << 10)
        allocator = .allocate(capacity: 1)
        allocator.initialize(to: ProtobufCAllocator(
            alloc: { data, size in
                Unmanaged<BumpArena>.fromOpaque(data!).takeUnretainedValue().allocate(size)
            },
            free: { _, _ in },  // everything goes at once in reset()
            allocator_data: Unmanaged.passUnretained(arena).toOpaque()))
    }

    deinit {
        allocator.deallocate()
    }

    /// Decodes one frame; see `WireCodec.decode` for the errors.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(WireDecodeError) -> WireMessage {
        defer { arena.reset() }
        return try WireCodec.decode(bytes, maxBytes: maxBytes, allocator: allocator)
    }

    /// Decodes the frame of a received ZeroMQ message without copying it.
    public func decode(_ message: ZMQMessage) throws(WireDecodeError) -> WireMessage {
        try message.withUnsafeBytes { (raw) throws(WireDecodeError) -> WireMessage in try decode(raw) }
    }
}

/// A bump allocator: one block reused per message, malloc only for overflow.
final class BumpArena {
    private let block: UnsafeMutableRawPointer
    private let capacity: Int
    private var offset = 0
    private var overflow: [UnsafeMutableRawPointer] = []

    init(capacity: Int) {
        self.capacity = capacity
        block = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        reset()
        block.deallocate()
    }

    func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        let aligned = (size + 15) & ~15
        if offset + aligned <= capacity {
            defer { offset += aligned }
            return block + offset
        }
        guard let pointer = malloc(max(size, 1)) else { return nil }
        overflow.append(pointer)
        return pointer
    }

    func reset() {
        offset = 0
        for pointer in overflow { free(pointer) }
        overflow.removeAll(keepingCapacity: true)
    }
}
