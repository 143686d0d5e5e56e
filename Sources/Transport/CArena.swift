import Foundation

/// Owns the C memory that protobuf-c structs point into while one message is packed.
/// Everything is freed together when the arena goes away.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for block in blocks { free(block) }
    }

    /// A NUL-terminated copy of `string`.
    func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(string)!
        blocks.append(UnsafeMutableRawPointer(copy))
        return copy
    }

    /// A copy of `values`; nil for an empty array (protobuf-c then reads no elements).
    func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        if values.isEmpty { return nil }
        let pointer = allocate(T.self, count: values.count)
        values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: values.count) }
        return pointer
    }

    /// Uninitialised room for `count` values, freed with the arena.
    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = malloc(max(1, count * MemoryLayout<T>.stride))!
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
