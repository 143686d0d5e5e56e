/// The learner's three sockets, derived from one address so users pass one URL:
/// experience on port P, weights on P+1, control on P+2.
public struct Endpoints: Sendable, Equatable, CustomStringConvertible {
    public var experience: String
    public var weights: String
    public var control: String

    /// Why an address could not be used.
    public struct InvalidAddress: Error, CustomStringConvertible {
        public var address: String
        public var description: String {
            "cannot use '\(address)': give tcp://HOST:PORT (e.g. tcp://*:5555 to bind, tcp://10.0.0.5:5555 to connect); the learner also uses PORT+1 and PORT+2"
        }
    }

    /// Splits `tcp://HOST:PORT` into the three endpoints.
    public init(base: String) throws(InvalidAddress) {
        guard base.hasPrefix("tcp://"), let colon = base.lastIndex(of: ":"),
              let port = Int(base[base.index(after: colon)...]), (1...65_533).contains(port)
        else { throw InvalidAddress(address: base) }
        let host = base[..<colon]
        experience = "\(host):\(port)"
        weights = "\(host):\(port + 1)"
        control = "\(host):\(port + 2)"
    }

    public var description: String { "experience \(experience), weights \(weights), control \(control)" }

    /// Whether the address reaches only this machine: a loopback host (`127.0.0.0/8`,
    /// `localhost`, `::1`). `*`, `0.0.0.0`, interface names and other addresses are open
    /// to the network.
    public static func isLoopback(_ address: String) -> Bool {
        guard address.hasPrefix("tcp://"), let colon = address.lastIndex(of: ":") else { return false }
        let hostStart = address.index(address.startIndex, offsetBy: 6)
        guard colon >= hostStart else { return false }
        var host = String(address[hostStart..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
