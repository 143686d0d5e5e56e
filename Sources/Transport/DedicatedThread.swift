import Foundation

/// A named OS thread for a blocking socket loop, so blocking calls never sit on
/// Swift's cooperative thread pool. `join()` waits for the body to return.
public final class DedicatedThread: Sendable {
    private let finished = DispatchSemaphore(value: 0)

    /// Starts `body` at once on a new thread called `name`.
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let finished = self.finished
        let thread = Thread {
            body()
            finished.signal()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Blocks until the body has returned.
    public func join() {
        finished.wait()
        finished.signal()
    }
}
