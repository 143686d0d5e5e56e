/// Q-values for many sequences at once, one token at a time (an actor's KV-cache decoder).
public protocol BatchedQPolicy: AnyObject {
    /// Number of sequences (environment slots).
    var sequences: Int { get }
    /// Appends one token to every active sequence and returns Q-values.
    ///
    /// - Parameters:
    ///   - tokens: (N, K) one token per sequence; rows of inactive sequences are ignored.
    ///   - active: (N) which sequences take a token this step.
    /// - Returns: (N, A) Q-values; rows of inactive sequences are unspecified.
    func step(tokens: UnsafeBufferPointer<Int32>, active: [Bool]) -> UnsafeBufferPointer<Float>
    /// Forgets sequence `i`'s history (a new trial starts there).
    func reset(sequence i: Int)
}
