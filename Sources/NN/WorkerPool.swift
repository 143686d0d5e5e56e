import COpenBLAS
import Foundation
import Synchronization

/// A small fixed set of threads that run one data-parallel job at a time.
///
/// NN parallelises by splitting a batch into one shard per thread and running the whole
/// layer pipeline on each shard with single-threaded OpenBLAS calls: one hand-off per
/// forward or backward pass instead of one per GEMM, no oversubscription of OpenBLAS's own
/// pool, and every thread works on its own rows (cache-friendly). Creating a pool therefore
/// sets OpenBLAS to one thread for the whole process (`openblas_set_num_threads(1)`).
///
/// Idle workers spin briefly (yielding the CPU each turn) and then sleep on a condition,
/// so back-to-back jobs (a decode step per environment step) start in a microsecond or so
/// while an idle process costs nothing. A job submitted while another is running — from
/// another thread, or nested inside a job — runs serially on the caller instead of waiting.
public final class WorkerPool: @unchecked Sendable {
    /// Threads that execute a job, the caller's included.
    public let threadCount: Int
    private let core: Core

    /// A pool of `threads` threads in total (the caller plus `threads - 1` workers).
    public init(threads: Int) {
        threadCount = max(1, threads)
        core = Core(threadCount: threadCount)
        openblas_set_num_threads(1)
        for worker in 1..<max(threadCount, 1) {
            let core = self.core
            let thread = Thread { core.workerLoop(index: worker) }
            thread.name = "nn-worker-\(worker)"
            thread.start()
        }
    }

    deinit { core.stop() }

    /// The process-wide pool: `ICRL_NN_THREADS` threads if set, else one per active core.
    public static let shared: WorkerPool = {
        let fromEnvironment = ProcessInfo.processInfo.environment["ICRL_NN_THREADS"].flatMap { Int($0) }
        return WorkerPool(threads: min(64, max(1, fromEnvironment ?? ProcessInfo.processInfo.activeProcessorCount)))
    }()

    /// Runs `body(i)` for every `i` in `0..<count` and returns when all are done. Thread `t`
    /// runs indices `t, t + threadCount, …`, the caller being thread 0.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if threadCount == 1 || count <= 1 || !core.busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { job in
            core.submit(job, count: count)
            var i = 0
            while i < count { job(i); i += threadCount }
            core.waitForWorkers()
        }
        core.busy.store(false, ordering: .releasing)
    }
}

extension WorkerPool {
    /// State shared with the worker threads; it outlives the pool until they exit.
    fileprivate final class Core: @unchecked Sendable {
        let threadCount: Int
        let generation = Atomic<Int>(0)
        let pending = Atomic<Int>(0)
        let busy = Atomic<Bool>(false)
        let stopping = Atomic<Bool>(false)
        let condition = NSCondition()
        // Written by the submitter before `generation` is bumped (release), read by workers
        // after they observe the bump (acquire).
        var job: ((Int) -> Void)?
        var jobCount = 0

        /// Spin turns before a worker sleeps; each yields, so roughly 50–100 µs.
        static let spinTurns = 200

        init(threadCount: Int) { self.threadCount = threadCount }

        func submit(_ job: @escaping (Int) -> Void, count: Int) {
            self.job = job
            jobCount = count
            pending.store(threadCount - 1, ordering: .relaxed)
            condition.lock()
            generation.add(1, ordering: .releasing)
            condition.broadcast()
            condition.unlock()
        }

        func waitForWorkers() {
            var turns = 0
            while pending.load(ordering: .acquiring) != 0 {
                turns += 1
                if turns > 64 { sched_yield() }
            }
            job = nil
        }

        func stop() {
            stopping.store(true, ordering: .releasing)
            condition.lock()
            generation.add(1, ordering: .releasing)
            condition.broadcast()
            condition.unlock()
        }

        func workerLoop(index: Int) {
            var seen = 0
            while true {
                var turns = 0
                var current = generation.load(ordering: .acquiring)
                while current == seen {
                    turns += 1
                    if turns < Core.spinTurns {
                        sched_yield()
                    } else {
                        condition.lock()
                        while generation.load(ordering: .acquiring) == seen { condition.wait() }
                        condition.unlock()
                    }
                    current = generation.load(ordering: .acquiring)
                }
                seen = current
                if stopping.load(ordering: .acquiring) { return }
                if let job {
                    var i = index
                    while i < jobCount { job(i); i += threadCount }
                }
                pending.subtract(1, ordering: .releasing)
            }
        }
    }
}
