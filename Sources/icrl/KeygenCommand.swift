import ArgumentParser
import Foundation
import Transport

/// `icrl keygen`: CURVE key pairs for authenticated, encrypted clusters.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub (share it).",
        discussion: """
            With CURVE the learner encrypts every connection and admits only actors whose
            public key it lists; experience from any other peer is refused during the
            handshake and counted (transport/auth_denied in metrics.jsonl).
              icrl keygen learner --out keys
              icrl keygen node7 --out keys                      # one per actor machine (or share one)
              cat keys/node*.pub > keys/authorized_keys
              icrl learner --curve-key keys/learner.key --authorized-keys keys/authorized_keys ...
              icrl actor --curve-key keys/node7.key --learner-key keys/learner.pub --learner tcp://HOST:5555
            Existing files are never overwritten.
            """
    )

    @Argument(help: "Name of the key pair: writes NAME.key and NAME.pub.")
    var name: String

    @Option(help: "Folder to write the key files to (created).")
    var out = "."

    func validate() throws {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw ValidationError("NAME must be a plain file name (no '/', not starting with '.')")
        }
        guard CurveKeyPair.isSupported else {
            throw ValidationError("this libzmq was built without CURVE (libsodium); install Debian's libzmq5")
        }
    }

    func run() throws {
        let pair = try CurveKeyPair.generate()
        let (secret, publicFile) = try pair.write(name: name, in: URL(fileURLWithPath: out))
        print("wrote \(secret.path) (secret) and \(publicFile.path)")
        print("public key: \(pair.publicKey)")
    }
}
