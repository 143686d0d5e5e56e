/// Sums buffers over the ranks of a data-parallel learner, in place, every rank getting
/// the same sum (an allreduce). `DQNLearner.reducer` calls it from its training thread.
///
/// There is no error to handle: a failed collective ends the job (fail-stop, as MPI jobs
/// do), after the implementation has said why.
public protocol GradientReducer: AnyObject {
    /// Ranks in the group.
    var ranks: Int { get }
    func sum(_ values: UnsafeMutableBufferPointer<Float>)
    func sum(_ values: UnsafeMutableBufferPointer<Double>)
}
