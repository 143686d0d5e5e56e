import Foundation

extension FrozenLakeMap {
    /// Parses a map file's text: one compact map per line (`SFFH,FHFG,FFFH,HFFG`),
    /// blank lines skipped, and everything after `#` on a line ignored, so files can
    /// carry comments and provenance.
    /// - Throws: ``MapError/onLine(_:_:)`` wrapping the first bad line's error, or
    ///   ``MapError/empty`` if the file holds no map at all.
    public static func parseMapList(_ text: String) throws(MapError) -> [FrozenLakeMap] {
        var maps: [FrozenLakeMap] = []
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                .first.map { $0.trimmingSpaces() } ?? ""
            guard !content.isEmpty else { continue }
            do {
                maps.append(try FrozenLakeMap(content))
            } catch {
                throw .onLine(lineNumber, error)
            }
        }
        guard !maps.isEmpty else { throw .empty }
        return maps
    }

    /// Reads and parses a map file (see ``parseMapList(_:)``).
    /// - Throws: the file system's error if the file cannot be read, else a ``MapError``.
    public static func loadMapList(path: String) throws -> [FrozenLakeMap] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try parseMapList(text)
    }
}
