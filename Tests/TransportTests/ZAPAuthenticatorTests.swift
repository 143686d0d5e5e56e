import Testing
@testable import Transport

@Suite("ZAP authenticator")
struct ZAPAuthenticatorTests {
    static func request(mechanism: String, credentials: [[UInt8]]) -> [[UInt8]] {
        [Array("1.0".utf8), Array("7".utf8), Array("icrl".utf8), Array("127.0.0.1".utf8), [], Array(mechanism.utf8)] + credentials
    }

    @Test("admits a listed CURVE key, refuses unlisted keys, other mechanisms and malformed requests, counting each")
    func replies() throws {
        let listed = try CurveKeyPair.decode(try CurveKeyPair.generate().publicKey)
        let unlisted = try CurveKeyPair.decode(try CurveKeyPair.generate().publicKey)
        let auth = ZAPAuthenticator(context: try ZMQContext(), authorizedKeys: [listed])
        let ok = auth.reply(to: Self.request(mechanism: "CURVE", credentials: [listed]))
        #expect(ok.count == 6 && ok[1] == Array("7".utf8) && ok[2] == Array("200".utf8))
        #expect(auth.reply(to: Self.request(mechanism: "CURVE", credentials: [unlisted]))[2] == Array("400".utf8))
        #expect(auth.reply(to: Self.request(mechanism: "NULL", credentials: []))[2] == Array("400".utf8))
        #expect(auth.reply(to: Self.request(mechanism: "PLAIN", credentials: [Array("u".utf8), Array("p".utf8)]))[2] == Array("400".utf8))
        #expect(auth.reply(to: Self.request(mechanism: "CURVE", credentials: [Array(listed.prefix(31))]))[2] == Array("400".utf8))
        #expect(auth.reply(to: [Array("2.0".utf8), [1]])[2] == Array("500".utf8))
        #expect(auth.reply(to: [])[2] == Array("500".utf8))
        #expect(auth.accepted.load(ordering: .relaxed) == 1)
        #expect(auth.denied.load(ordering: .relaxed) == 6)
    }
}
