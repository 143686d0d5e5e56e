import CProtobufC
import Foundation

/// A protobuf-c allocator that counts live allocations, to prove decoding frees
/// everything it allocates, on success and on failure alike.
final class CountingAllocator {
    final class Counter {
        var live = 0
        var total = 0
    }

    let counter = Counter()
    let allocator: UnsafeMutablePointer<ProtobufCAllocator>

    init() {
        allocator = .allocate(capacity: 1)
        allocator.initialize(to: ProtobufCAllocator(
            alloc: { data, size in
                let counter = Unmanaged<Counter>.fromOpaque(data!).takeUnretainedValue()
                counter.live += 1
                counter.total += 1
                return malloc(size)
            },
            free: { data, pointer in
                guard let pointer else { return }
                Unmanaged<Counter>.fromOpaque(data!).takeUnretainedValue().live -= 1
                Foundation.free(pointer)
            },
            allocator_data: Unmanaged.passUnretained(counter).toOpaque()))
    }

    deinit { allocator.deallocate() }
}
