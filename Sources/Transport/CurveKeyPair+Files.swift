import Foundation

/// Key files, written by `icrl keygen NAME`:
///
/// - `NAME.key` (mode 0600): `public-key = <z85>` and `secret-key = <z85>` lines;
/// - `NAME.pub`: the `public-key = <z85>` line alone, to hand to the other side.
///
/// An authorized-keys file (the learner's list of actors it lets in) holds one Z85 public
/// key per line, optionally followed by a name; lines starting with `#` are comments. The public line of a
/// `.pub` file is accepted there too, so `cat actors/*.pub > authorized_keys` works.
extension CurveKeyPair {
    /// Writes `NAME.key` (secret, 0600) and `NAME.pub` under `directory`.
    public func write(name: String, in directory: URL) throws -> (secret: URL, public: URL) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secretURL = directory.appendingPathComponent("\(name).key")
        let publicURL = directory.appendingPathComponent("\(name).pub")
        for url in [secretURL, publicURL] where FileManager.default.fileExists(atPath: url.path) {
            throw KeyError(message: "\(url.path) exists; remove it first (keys are never overwritten)")
        }
        let header = "# ICRL CURVE key pair '\(name)', made by icrl keygen.\n"
        let secretText = header + "# Keep this file secret: it proves this machine's identity.\npublic-key = \(publicKey)\nsecret-key = \(secretKey)\n"
        // O_EXCL with mode 0600: the secret is never readable by others, and a file that
        // appeared since the check above is never replaced.
        let fd = open(secretURL.path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard fd >= 0 else { throw KeyError(message: "cannot create \(secretURL.path): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data(secretText.utf8))
        try handle.synchronize()
        try handle.close()
        try Data((header + "public-key = \(publicKey)\n").utf8).write(to: publicURL)
        return (secretURL, publicURL)
    }

    /// Reads a `.key` file: the secret key, with the public key derived (and checked when present).
    public static func read(secretFile url: URL) throws -> CurveKeyPair {
        let fields = try keyFields(url)
        guard let secret = fields["secret-key"] else {
            throw KeyError(message: "\(url.path) has no 'secret-key = …' line: give the .key file icrl keygen wrote, not the .pub")
        }
        let pair = try CurveKeyPair(secretKey: secret)
        if let stated = fields["public-key"], stated != pair.publicKey {
            throw KeyError(message: "\(url.path): its public-key line does not belong to its secret key; regenerate with icrl keygen")
        }
        return pair
    }

    /// A public key: Z85 text itself, or a `.pub`/`.key` file holding a `public-key = …` line.
    public static func readPublicKey(_ textOrPath: String) throws -> String {
        if (try? decode(textOrPath)) != nil { return textOrPath }
        let url = URL(fileURLWithPath: textOrPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw KeyError(message: "'\(textOrPath)' is neither a 40-character Z85 public key nor an existing file")
        }
        guard let key = try keyFields(url)["public-key"] else {
            throw KeyError(message: "\(url.path) has no 'public-key = …' line")
        }
        _ = try decode(key, what: "public key in \(url.path)")
        return key
    }

    /// The public keys (32 bytes each) listed in an authorized-keys file.
    public static func readAuthorizedKeys(_ url: URL) throws -> Set<[UInt8]> {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw KeyError(message: "cannot read authorized keys \(url.path): \(error.localizedDescription)")
        }
        var keys = Set<[UInt8]>()
        // isNewline: "\r\n" is one Character in Swift, so splitting on "\n" alone misses CRLF files.
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            // Z85 uses '#', so only a whole line can be a comment.
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("#") { continue }
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.first == "public-key" && words.count >= 3 && words[1] == "=" { words.removeFirst(2) }
            guard let key = words.first else { continue }
            do {
                keys.insert(try decode(key, what: "public key"))
            } catch {
                throw KeyError(message: "\(url.path) line \(number + 1): \(error)")
            }
        }
        if keys.isEmpty {
            throw KeyError(message: "\(url.path) lists no public keys: no actor could join; add the .pub lines of your actors' keys")
        }
        return keys
    }

    private static func keyFields(_ url: URL) throws -> [String: String] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw KeyError(message: "cannot read key file \(url.path): \(error.localizedDescription)")
        }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}
