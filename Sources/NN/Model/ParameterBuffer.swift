/// A fixed-size, 64-byte-aligned `Float` buffer that owns its memory: parameters,
/// gradients and AdamW moments all use it, laid out by a `ParameterLayout`.
///
/// A class rather than an array so the hot loops get a stable pointer with no
/// copy-on-write or bounds checks; it is not thread-safe — one owner at a time.
public final class ParameterBuffer {
    /// Number of floats.
    public let count: Int
    /// The storage; valid for the buffer's lifetime. Whoever writes through it (or through
    /// the subscript) calls `markModified()` afterwards.
    public let pointer: UnsafeMutablePointer<Float>

    /// Bumped by every change of the contents, so derived copies (the KV-cache decoder's
    /// packed weights) know when to rebuild. Debug builds check it (`KVCacheDecoder`).
    public private(set) var generation: UInt64 = 0

    /// Records that the contents changed (after a write through `pointer` or the subscript).
    public func markModified() { generation &+= 1 }

    /// A zero-filled buffer of `count` floats.
    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The whole buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// The elements of one tensor.
    public subscript(spec: TensorSpec) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer + spec.offset, count: spec.count)
    }

    /// Sets every element to zero.
    public func zero() {
        pointer.update(repeating: 0, count: count)
        markModified()
    }

    /// Copies all of `other` (same count) into this buffer.
    public func copy(from other: ParameterBuffer) {
        precondition(other.count == count, "ParameterBuffer.copy: \(other.count) floats into \(count)")
        pointer.update(from: other.pointer, count: count)
        markModified()
    }

    /// A copy of the contents.
    public func toArray() -> [Float] { Array(buffer) }
}
