import ArgumentParser
import Cluster
import Foundation
import Transport

/// CURVE flags of `icrl learner`.
struct LearnerCurveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Encrypt and authenticate with CURVE using this key file (from icrl keygen); needs --authorized-keys.", valueName: "NAME.key"))
    var curveKey: String?

    @Option(help: ArgumentHelp("With --curve-key: the actors' public keys to admit, one per line (e.g. cat keys/*.pub).", valueName: "FILE"))
    var authorizedKeys: String?

    func validate() throws {
        if (curveKey == nil) != (authorizedKeys == nil) {
            throw ValidationError("--curve-key and --authorized-keys go together: the learner needs its own key and the list of actors to admit")
        }
    }

    func settings() throws -> CurveServerSettings? {
        guard let curveKey, let authorizedKeys else { return nil }
        return CurveServerSettings(
            keys: try CurveKeyPair.read(secretFile: URL(fileURLWithPath: curveKey)),
            authorizedKeys: try CurveKeyPair.readAuthorizedKeys(URL(fileURLWithPath: authorizedKeys)))
    }
}

/// CURVE flags of `icrl actor`.
struct ActorCurveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Join a CURVE learner with this key file (from icrl keygen); needs --learner-key.", valueName: "NAME.key"))
    var curveKey: String?

    @Option(help: ArgumentHelp("With --curve-key: the learner's public key, as a .pub file or its 40 Z85 characters.", valueName: "KEY"))
    var learnerKey: String?

    func validate() throws {
        if (curveKey == nil) != (learnerKey == nil) {
            throw ValidationError("--curve-key and --learner-key go together: the actor needs its own key and the learner's public key")
        }
    }

    func settings() throws -> CurveClientSettings? {
        guard let curveKey, let learnerKey else { return nil }
        return CurveClientSettings(
            learnerPublicKey: try CurveKeyPair.readPublicKey(learnerKey),
            keys: try CurveKeyPair.read(secretFile: URL(fileURLWithPath: curveKey)))
    }
}
