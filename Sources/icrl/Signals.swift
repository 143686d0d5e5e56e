import Foundation
import Synchronization

/// Set by SIGINT/SIGTERM; long-running commands poll it and stop cleanly (checkpoint, goodbye).
let stopRequested = Atomic<Bool>(false)

enum Signals {
    /// Routes SIGINT and SIGTERM to `stopRequested`. A second SIGINT exits at once.
    static func installStopHandlers() {
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in
            if stopRequested.load(ordering: .relaxed) { _exit(130) }
            stopRequested.store(true, ordering: .relaxed)
        }
        // A vanished peer must never kill us through SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }
}
