import ArgumentParser
import FrozenLake

/// `icrl maps`: look at the maps a suite draws, with the statistics that define the
/// distribution.
struct MapsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maps",
        abstract: "Print maps of a suite as grids, with size, holes, starts, goals and shortest paths.",
        discussion: """
            S = start, F = frozen, H = hole, G = goal. "shortest path" is the
            fewest moves from each start to its nearest goal (the paper keeps a
            map only if every start needs at least 4). By default the maps are
            the evaluation split: the very maps `icrl eval --suite S --seed N`
            plays. --split validation shows the maps recipes are chosen on,
            --split train those training can draw; no two splits share a map.

            Examples:
              icrl maps --suite in-dist --count 5
              icrl maps --suite ood --count 50 --compact > ood.txt
            """
    )

    @Option(help: ArgumentHelp("Map suite: \(MapSuite.names).", valueName: "name"))
    var suite: String = MapSuite.inDistribution.rawValue

    @Option(help: "Number of maps to print.")
    var count: Int = 5

    @Option(help: "Seed of the map stream (the same seed as `icrl eval --seed` shows the same maps).")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Which split: eval (held-out maps, distinct), validation (held out for choosing recipes, distinct) or train.", valueName: "split"))
    var split: String = "eval"

    @Flag(help: "Print only the compact form, one map per line (SFFH,FHFG,...), usable as a map file.")
    var compact = false

    func validate() throws {
        guard MapSuite(rawValue: suite) != nil else {
            throw ValidationError("unknown suite '\(suite)'; choose from \(MapSuite.names)")
        }
        guard count >= 1 else { throw ValidationError("--count must be at least 1 (try --count 5)") }
        guard mapSplit != nil else { throw ValidationError("unknown split '\(split)'; choose eval, validation or train") }
    }

    private var mapSplit: MapSplit? { MapSplit(name: split) }

    func run() throws {
        let mapSuite = MapSuite(rawValue: suite)!
        let maps = mapSuite.maps(count: count, seed: seed, split: mapSplit!)
        if compact {
            for map in maps { print(map.compactString) }
            return
        }
        print("suite \(suite) (\(mapSuite.summary)) · \(mapSplit!) split · seed \(seed)\n")
        var holes = 0.0, starts = 0.0, goals = 0.0, cells = 0.0
        for (i, map) in maps.enumerated() {
            let stats = MapStatistics(map)
            let paths = stats.shortestPaths.map { $0.map(String.init) ?? "none" }.joined(separator: ", ")
            print("map \(i + 1)  \(stats.rows)x\(stats.cols)  holes \(stats.holes)  starts \(stats.starts)  goals \(stats.goals)  shortest path \(paths)")
            print(map.drawing(indent: "  "))
            print("  \(map.compactString)\n")
            holes += Double(stats.holes)
            starts += Double(stats.starts)
            goals += Double(stats.goals)
            cells += Double(map.cellCount)
        }
        let n = Double(maps.count)
        print("mean over \(maps.count) maps: \(rounded(cells / n)) cells, \(rounded(holes / n)) holes, \(rounded(starts / n)) starts, \(rounded(goals / n)) goals")
    }

    private func rounded(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = String(hundredths % 100)
        return "\(hundredths / 100)." + (fraction.count < 2 ? "0" : "") + fraction
    }
}
