extension EvaluationResult {
    /// Success by episode as CSV: `episode,<agent>,<agent>…`, one row per episode, then a
    /// `mean` row. All results must come from the same trials.
    public static func csv(_ results: [EvaluationResult]) -> String {
        guard let first = results.first else { return "episode\n" }
        var lines = ["episode," + results.map { csvField($0.agent) }.joined(separator: ",")]
        for k in 0..<first.episodes {
            lines.append("\(k + 1)," + results.map { jsonNumber($0.successByEpisode[k]) }.joined(separator: ","))
        }
        lines.append("mean," + results.map { jsonNumber($0.meanSuccess) }.joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Markdown table of success by episode, agents as columns. Rows: episodes 1–5,
    /// every fifth after, the last, any `extraEpisodes` (1-based, e.g. the five after a
    /// swap), and the mean over all episodes.
    public static func markdown(_ results: [EvaluationResult], title: String, extraEpisodes: [Int] = []) -> String {
        guard let first = results.first else { return "**\(title)**\n\n(no results)\n" }
        let n = first.episodes
        var rows = Set((1...min(5, n)).map { $0 })
        for k in stride(from: 5, through: n, by: 5) { rows.insert(k) }
        rows.insert(n)
        for k in extraEpisodes where (1...n).contains(k) { rows.insert(k) }
        var out = "**\(title)**\n\n| episode | " + results.map(\.agent).joined(separator: " | ") + " |\n"
        out += "|---:|" + String(repeating: "---:|", count: results.count) + "\n"
        for k in rows.sorted() {
            out += "| \(k) | " + results.map { formatRate($0.successByEpisode[k - 1]) }.joined(separator: " | ") + " |\n"
        }
        out += "| mean | " + results.map { formatRate($0.meanSuccess) }.joined(separator: " | ") + " |\n"
        return out
    }

    /// The success curves of these results as an SVG chart.
    public static func chart(_ results: [EvaluationResult], title: String, markerAfter: Int? = nil) -> String {
        SVGLineChart(
            title: title, series: results.map { SVGLineChart.Series(name: $0.agent, values: $0.successByEpisode) },
            markerAfter: markerAfter
        ).render()
    }
}

/// A CSV field, quoted when it holds a comma, quote or newline.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
    return "\"" + String(text.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
}
