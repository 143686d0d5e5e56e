import FrozenLake

/// The paper's trajectory figure: one map, a few episodes of one trial side by side —
/// early, mid, late — each drawn as the path the agent walked, so a reader sees
/// exploration turn into a straight run to the goal.
public struct TrajectoryPicture: Sendable {
    public var title: String
    /// The episodes to draw, in order (all on one map).
    public var episodes: [TraceEpisode]
    public var cellSize = 44.0

    public init(title: String, episodes: [TraceEpisode]) {
        self.title = title
        self.episodes = episodes
    }

    static let fills: [Cell: String] = [.start: "#cfe8ff", .frozen: "#f4f8fb", .hole: "#3b4a5a", .goal: "#ffd54a"]

    /// The SVG document.
    public func render() -> String {
        guard let map = episodes.first?.map else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n" }
        let gap = 28.0, top = 48.0, left = 16.0
        let panelW = Double(map.cols) * cellSize, panelH = Double(map.rows) * cellSize
        let width = left * 2 + Double(episodes.count) * panelW + Double(max(0, episodes.count - 1)) * gap
        let height = top + panelH + 44
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="7" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#D55E00"/></marker></defs>
            <text x="\(f(left))" y="22" font-size="15" font-weight="bold">\(escape(title))</text>

            """
        for (p, episode) in episodes.enumerated() {
            let x0 = left + Double(p) * (panelW + gap), y0 = top
            for r in 0..<map.rows {
                for c in 0..<map.cols {
                    let cell = map[row: r, col: c]
                    out += "<rect x=\"\(f(x0 + Double(c) * cellSize))\" y=\"\(f(y0 + Double(r) * cellSize))\" width=\"\(f(cellSize))\" height=\"\(f(cellSize))\" fill=\"\(Self.fills[cell]!)\" stroke=\"#9aa5b1\"/>\n"
                    if cell != .frozen {
                        let colour = cell == .hole ? "white" : "#333"
                        out += "<text x=\"\(f(x0 + (Double(c) + 0.5) * cellSize))\" y=\"\(f(y0 + (Double(r) + 0.5) * cellSize + 4))\" text-anchor=\"middle\" fill=\"\(colour)\">\(cell.letter)</text>\n"
                    }
                }
            }
            // Repeated visits jitter a little so loops stay visible.
            var points: [String] = []
            var visits: [Int: Int] = [:]
            func centre(_ cell: Int) -> String {
                let (r, c) = map.position(of: cell)
                let k = visits[cell, default: 0]
                visits[cell] = k + 1
                let jitter = Double(k % 5) * 3 - 6
                return "\(f(x0 + (Double(c) + 0.5) * cellSize + jitter)),\(f(y0 + (Double(r) + 0.5) * cellSize + jitter))"
            }
            if let first = episode.steps.first { points.append(centre(first.observation)) }
            for step in episode.steps { points.append(centre(step.nextObservation)) }
            out += "<polyline fill=\"none\" stroke=\"#D55E00\" stroke-width=\"2.5\" stroke-linejoin=\"round\" marker-end=\"url(#arrow)\" points=\"\(points.joined(separator: " "))\"/>\n"
            let last = episode.steps.last
            let outcome = last.map { $0.terminated ? ($0.reward > 0 ? "goal" : "hole") : ($0.truncated ? "cut off" : "partial") } ?? "empty"
            let label = "episode \(episode.episode.map { String($0 + 1) } ?? String(p + 1)): \(episode.steps.count) steps, \(outcome)"
            out += "<text x=\"\(f(x0))\" y=\"\(f(y0 + panelH + 20))\">\(escape(label))</text>\n"
        }
        return out + "</svg>\n"
    }
}
