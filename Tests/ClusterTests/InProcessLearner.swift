import Cluster
import Logging
import Synchronization
import Testing
import Transport

/// A whole `LearnerService` running on its own thread in the test process, as in
/// `icrl learner`; `stop()` asks it to finish and waits for it.
final class InProcessLearner {
    private let flag = RunningLearnerTests.StopFlag()
    private let thread: DedicatedThread

    init(options: LearnerService.Options, label: String) {
        let flag = self.flag
        thread = DedicatedThread(name: "learner") {
            do {
                let service = try LearnerService(options: options, logger: Logger(label: label))
                try service.run(stop: flag.value)
            } catch {
                Issue.record("learner failed: \(error)")
            }
        }
    }

    func stop() {
        flag.value.store(true, ordering: .relaxed)
        thread.join()
    }
}
