extension FrozenLakeMap {
    /// The map as a text grid, one row per line, letters separated by spaces so it reads
    /// as a square board in a terminal:
    ///
    ///     S F F H
    ///     F H F G
    ///
    /// `marking` puts `*` on one cell (the agent's position, for `icrl play`).
    public func drawing(indent: String = "", marking: Int? = nil) -> String {
        var lines: [String] = []
        for r in 0..<rows {
            var line = indent
            for c in 0..<cols {
                if c > 0 { line += " " }
                let o = observation(row: r, col: c)
                line.append(o == marking ? "*" : self[o].letter)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
