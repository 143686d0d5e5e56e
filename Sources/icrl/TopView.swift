import Foundation
import Transport

/// The text `icrl top` shows for one `ClusterStatus`: a header, one row per actor, and one
/// row per learner rank of a data-parallel learner.
enum TopView {
    static func render(_ s: ClusterStatus, endpoint: String, interval: Double?) -> String {
        var lines: [String] = []
        let refresh = interval.map { " · refresh \(format($0, "%g")) s, Ctrl-C quits" } ?? ""
        lines.append("icrl top · learner \(s.learnerID) at \(endpoint) · up \(duration(s.elapsedSeconds))\(refresh)")
        lines.append("env steps/s  10 s \(grouped(s.envStepsPerSecond10s))  60 s \(grouped(s.envStepsPerSecond60s))  5 min \(grouped(s.envStepsPerSecond300s))"
            + "   updates \(grouped(Double(s.updates))) (\(format(s.updatesPerSecond, "%.1f"))/s)   weights v\(s.weightsVersion)")
        let fill = s.replayCapacity > 0 ? Double(s.replaySteps) / Double(s.replayCapacity) : 0
        let live = s.actors.filter { $0.state == .live }.count
        lines.append("replay \(grouped(Double(s.replaySteps))) / \(grouped(Double(s.replayCapacity))) (\(format(fill * 100, "%.0f"))%)"
            + "   policy lag min/avg/max \(s.policyLagMin)/\(format(s.policyLagAvg, "%.1f"))/\(s.policyLagMax)"
            + "   rejections \(s.rejections)   learner RSS \(mebibytes(s.rssBytes))   actors \(live) live / \(s.actors.count)")
        lines.append("")
        let header = ["ACTOR", "HOST", "PID", "STATE", "STEPS/S", "EP/S", "SUCCESS", "WEIGHTS", "LAG", "QUEUE",
                      "TIME env/inf/send/wait/wts %", "RSS", ""]
        var rows: [[String]] = [header]
        for a in s.actors {
            let split = ActorStatus.stageNames.map { format((a.time[$0] ?? 0) * 100, "%.0f") }.joined(separator: "/")
            rows.append([
                a.actorID, a.host, String(a.pid), a.state.rawValue, grouped(a.envStepsPerSecond), format(a.episodesPerSecond, "%.1f"),
                format(a.success, "%.2f"), "v\(a.policyVersion)", String(a.policyLag), String(a.queueDepth), split,
                mebibytes(a.rssBytes), a.straggler ? "<- straggler" : a.state == .live ? "" : "silent \(format(a.secondsSinceSeen, "%.0f")) s",
            ])
        }
        if s.actors.isEmpty { rows.append(["(no actor has said hello yet)"]) }
        let widths = (0..<header.count).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        if !s.ranks.isEmpty {
            lines.append("")
            var rankRows: [[String]] = [["RANK", "REPLAY", "TRIALS", "UPDATES", "REJECTED", "TIME sample/fwd-bwd/allreduce/sync %"]]
            for r in s.ranks {
                let split = LearnerRankStatus.stageNames.map { format((r.time[$0] ?? 0) * 100, "%.0f") }.joined(separator: "/")
                rankRows.append([String(r.rank), grouped(Double(r.replaySteps)), grouped(Double(r.replayTrials)),
                                 grouped(Double(r.updates)), String(r.rejections), split])
            }
            let rankWidths = (0..<6).map { column in rankRows.map { $0[column].count }.max() ?? 0 }
            for row in rankRows {
                lines.append(row.enumerated().map { i, cell in cell.padding(toLength: rankWidths[i], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ x: Double, _ f: String) -> String { String(format: f, x) }

    static func grouped(_ x: Double) -> String {
        let n = Int(x.rounded())
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func mebibytes(_ bytes: UInt64) -> String { bytes == 0 ? "-" : "\(bytes >> 20) MiB" }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        return String(format: "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
    }
}
