extension EvaluationResult {
    /// The machine-readable summary, one line:
    /// `{"suite":…,"agent":…,"maps":…,"episodes":…,"success_by_episode":[…],"mean_success":…,
    /// "outcomes":{"success":…,"hole_new":…,"hole_seen":…,"timeout":…}}` (outcomes: fractions
    /// of all episodes, when recorded). Keys in that fixed order; numbers in Swift's shortest
    /// round-trip form.
    public func jsonLine(suite: String) -> String {
        var out = "{\"suite\":" + jsonString(suite)
        out += ",\"agent\":" + jsonString(agent)
        out += ",\"maps\":\(trials),\"episodes\":\(episodes)"
        out += ",\"success_by_episode\":[" + successByEpisode.map(jsonNumber).joined(separator: ",") + "]"
        out += ",\"mean_success\":" + jsonNumber(meanSuccess)
        let fractions = outcomeFractions
        if !fractions.isEmpty {
            out += ",\"outcomes\":{" + EpisodeOutcome.allCases.map { "\"\($0.rawValue)\":" + jsonNumber(fractions[$0] ?? 0) }
                .joined(separator: ",") + "}"
        }
        return out + "}"
    }

    /// A readable table of success rate by episode, one column per agent (all results
    /// must come from the same trials), with a mean row at the bottom.
    public static func table(_ results: [EvaluationResult], title: String) -> String {
        guard let first = results.first else { return title + "\n(no results)\n" }
        let width = max(9, results.map(\.agent.count).max()! + 2)
        func pad(_ text: String, _ n: Int) -> String {
            String(repeating: " ", count: max(0, n - text.count)) + text
        }
        func cell(_ value: Double) -> String { pad(formatRate(value), width) }
        var lines = [title]
        lines.append(pad("episode", 8) + results.map { pad($0.agent, width) }.joined())
        let curves = results.map(\.successByEpisode)
        for k in 0..<first.episodes {
            lines.append(pad("\(k + 1)", 8) + curves.map { cell($0[k]) }.joined())
        }
        lines.append(pad("mean", 8) + results.map { cell($0.meanSuccess) }.joined())
        // Where the failures went, as fractions of all episodes.
        if results.allSatisfy({ !$0.outcomes.isEmpty }) {
            for outcome in EpisodeOutcome.allCases where outcome != .success {
                lines.append(pad(outcome.rawValue, 8) + results.map { cell($0.outcomeFractions[outcome] ?? 0) }.joined())
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Three decimals, fixed width, no Foundation (`0.283`, `1.000`).
func formatRate(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let whole = thousandths / 1000
    let fraction = thousandths % 1000
    let digits = String(fraction)
    return "\(whole)." + String(repeating: "0", count: 3 - digits.count) + digits
}

/// A JSON number: Swift's shortest round-trip decimal, which JSON accepts for finite values.
func jsonNumber(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
}

/// A JSON string literal with the escapes JSON requires.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
