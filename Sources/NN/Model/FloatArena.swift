/// One allocation carved into 64-byte-aligned `Float` regions: a workspace's buffers are
/// allocated once per capacity and never per step.
final class FloatArena {
    private let base: UnsafeMutablePointer<Float>
    private let capacity: Int
    private var used = 0

    /// An arena for regions of the given sizes (floats), zero-filled.
    init(sizes: [Int]) {
        capacity = sizes.reduce(0) { $0 + FloatArena.rounded($1) }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 16) * 4, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(capacity, 16))
        base.initialize(repeating: 0, count: max(capacity, 16))
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    /// Sizes are rounded up to 16 floats so every region starts on a cache line.
    private static func rounded(_ n: Int) -> Int { (n + 15) / 16 * 16 }

    /// The next region of `count` floats; regions must be taken in the order of `sizes`.
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = base + used
        used += FloatArena.rounded(count)
        precondition(used <= capacity, "FloatArena overflow")
        return p
    }

    /// Bytes held.
    var byteCount: Int { capacity * 4 }
}
