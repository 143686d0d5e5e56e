/// Settings of the second seed's experiment (cleanrl-style: one documented struct).
public struct LSAConfig: Codable, Hashable, Sendable {
    /// Feature dimension d of φ(s, a); a prompt column has D = 2d + 1 rows.
    public var features = 4
    /// Transitions per window (prompt columns before the query column).
    public var window = 40
    /// Random MDPs: states and actions.
    public var states = 5
    public var actions = 3
    /// Discount γ and the teacher's step size α.
    public var gamma = 0.9
    public var alpha = 0.5
    /// The behaviour acts ε-greedily on the current weights.
    public var epsilon = 0.3
    /// Teacher-mimicking training: MDP windows per Adam step, steps, learning rate.
    public var batch = 16
    public var steps = 3_000
    public var learningRate = 0.01
    /// Scale of the random initial P and V.
    public var initScale = 0.05
    public var seed: UInt64 = 1

    public init() {}

    /// Rows of a prompt column.
    public var dimension: Int { 2 * features + 1 }
}
