/// One of the eight symmetries of a rectangular grid (the dihedral group of the square,
/// applied to any rows × cols map): an optional transpose, then optional flips of rows and
/// columns, with the actions relabelled to match. Non-slippery FrozenLake is invariant under
/// all eight, and the paper's map distribution (every cell drawn independently, sizes
/// 3…5 × 3…5) is too, so a trial seen through a symmetry is another trial from the same
/// distribution, with the same rewards.
public struct GridSymmetry: Hashable, Sendable {
    /// Rows become columns: (r, c) → (c, r), LEFT ↔ UP, DOWN ↔ RIGHT.
    public var transposes: Bool
    /// After the transpose: r → rows − 1 − r, DOWN ↔ UP.
    public var flipsRows: Bool
    /// After the transpose: c → cols − 1 − c, LEFT ↔ RIGHT.
    public var flipsColumns: Bool

    public init(transposes: Bool = false, flipsRows: Bool = false, flipsColumns: Bool = false) {
        self.transposes = transposes
        self.flipsRows = flipsRows
        self.flipsColumns = flipsColumns
    }

    public static let identity = GridSymmetry()

    public static let all: [GridSymmetry] = (0..<8).map {
        GridSymmetry(transposes: $0 & 4 != 0, flipsRows: $0 & 2 != 0, flipsColumns: $0 & 1 != 0)
    }

    /// The map size after the symmetry.
    public func size(rows: Int, cols: Int) -> (rows: Int, cols: Int) {
        transposes ? (cols, rows) : (rows, cols)
    }

    /// Where cell `observation` (`row * cols + col`) of a rows × cols map goes.
    public func cell(_ observation: Int, rows: Int, cols: Int) -> Int {
        var r = observation / cols, c = observation % cols
        let (newRows, newCols) = size(rows: rows, cols: cols)
        if transposes { swap(&r, &c) }
        if flipsRows { r = newRows - 1 - r }
        if flipsColumns { c = newCols - 1 - c }
        return r * newCols + c
    }

    /// The action that moves the same way in the transformed grid (0 LEFT, 1 DOWN, 2 RIGHT, 3 UP).
    public func action(_ action: Int) -> Int {
        var a = action
        if transposes { a = 3 - a }  // LEFT ↔ UP, DOWN ↔ RIGHT
        if flipsRows, a == 1 || a == 3 { a = 4 - a }
        if flipsColumns, a == 0 || a == 2 { a = 2 - a }
        return a
    }

    /// `step` seen through the symmetry, placed at `placement` on the canvas.
    public func apply(to step: TrialStep, placement: UInt8) -> TrialStep {
        let rows = Int(step.rows), cols = Int(step.cols)
        let size = self.size(rows: rows, cols: cols)
        var out = step
        out.observation = UInt16(cell(Int(step.observation), rows: rows, cols: cols))
        out.nextObservation = UInt16(cell(Int(step.nextObservation), rows: rows, cols: cols))
        out.action = UInt8(action(Int(step.action)))
        out.rows = UInt8(size.rows)
        out.cols = UInt8(size.cols)
        out.placement = placement
        return out
    }

    /// Rewrites a sampled window (and the step before it) through a random symmetry, each
    /// map in it on a fresh placement from `tokenizer` (`Tokenizer.newPlacement`): the
    /// learner's data augmentation (`DQNConfig.augmentsSymmetries`). A map's steps keep one
    /// placement, so the result keeps `TrialInvariants`.
    public static func augment<G: RandomNumberGenerator>(
        _ window: UnsafeMutableBufferPointer<TrialStep>, previous: inout TrialStep?, tokenizer: Tokenizer,
        using rng: inout G
    ) {
        guard let first = window.first else { return }
        let symmetry = all[Int.random(in: 0..<all.count, using: &rng)]
        func placement(for step: TrialStep) -> UInt8 {
            let size = symmetry.size(rows: Int(step.rows), cols: Int(step.cols))
            return tokenizer.newPlacement(rows: size.rows, cols: size.cols, using: &rng)
        }
        var current = placement(for: first)
        if let before = previous {
            // The step before shares the first step's map unless the window opens a new one.
            let sameMap = first.flags & TrialStep.mapStartBit == 0
            previous = symmetry.apply(to: before, placement: sameMap ? current : placement(for: before))
        }
        for t in window.indices {
            if t > 0, window[t].flags & TrialStep.mapStartBit != 0 { current = placement(for: window[t]) }
            window[t] = symmetry.apply(to: window[t], placement: current)
        }
    }
}
