import Foundation
/// A small, dependency-free SVG line chart: success rate (0…1) against episode, one line
/// per agent, with an optional vertical marker (the non-stationary swap). Written by hand
/// so reports need no plotting library on a fresh machine.
public struct SVGLineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var xLabel = "episode in context"
    public var yLabel = "success rate"
    public var series: [Series]
    /// Draws a dashed vertical line after this many episodes, labelled `markerLabel`.
    public var markerAfter: Int?
    public var markerLabel = "map swapped"
    /// The y axis' span (success rates: 0…1); values outside are clamped.
    public var yRange: ClosedRange<Double> = 0...1
    public var width = 720.0
    /// Room for the legend right of the plot.
    public var right = 170.0
    public var height = 420.0

    public init(title: String, series: [Series], markerAfter: Int? = nil) {
        self.title = title
        self.series = series
        self.markerAfter = markerAfter
    }

    /// A colour-blind-safe palette (Okabe–Ito), the model first.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    /// The SVG document.
    public func render() -> String {
        let left = 64.0, top = 40.0, bottom = 56.0
        let plotW = width - left - right, plotH = height - top - bottom
        let n = max(1, series.map(\.values.count).max() ?? 1)
        func x(_ episode: Double) -> Double { left + (n == 1 ? 0.5 : (episode - 1) / Double(n - 1)) * plotW }
        let lo = yRange.lowerBound, span = max(yRange.upperBound - yRange.lowerBound, 1e-12)
        func y(_ value: Double) -> Double { top + (1 - min(1, max(0, (value - lo) / span))) * plotH }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left))" y="22" font-size="15" font-weight="bold">\(escape(title))</text>

            """
        for step in 0...5 {
            let tick = lo + span * Double(step) / 5
            let label = yRange == 0...1 ? format1(tick) : String(format: "%g", (tick * 10).rounded() / 10)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y(tick)))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        let step = max(1, n / 10)
        for episode in stride(from: 1, through: n, by: step) {
            out += "<text x=\"\(f(x(Double(episode))))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(episode)</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(18 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        if let markerAfter {
            let mx = x(Double(markerAfter) + 0.5)
            out += "<line x1=\"\(f(mx))\" y1=\"\(f(top))\" x2=\"\(f(mx))\" y2=\"\(f(top + plotH))\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n"
            out += "<text x=\"\(f(mx + 4))\" y=\"\(f(top + 14))\">\(escape(markerLabel))</text>\n"
        }
        for (i, s) in series.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            let points = s.values.enumerated().map { "\(f(x(Double($0.offset + 1)))),\(f(y($0.element)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            let ly = top + 16 + Double(i) * 20
            out += "<line x1=\"\(f(left + plotW + 14))\" y1=\"\(f(ly - 4))\" x2=\"\(f(left + plotW + 36))\" y2=\"\(f(ly - 4))\" stroke=\"\(colour)\" stroke-width=\"3\"/>\n"
            out += "<text x=\"\(f(left + plotW + 42))\" y=\"\(f(ly))\">\(escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    private func format1(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// Two decimals, enough for pixel coordinates.
func f(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let magnitude = abs(hundredths)
    let fraction = magnitude % 100
    return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// Text escaped for SVG/XML.
func escape(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
