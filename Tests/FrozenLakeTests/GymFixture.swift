import Foundation
import FrozenLake
import Testing

/// One fixture written by `scripts/make_gym_fixtures.py` from Gymnasium itself.
struct GymFixture: Decodable {
    struct Outcome: Decodable, Equatable {
        let probability: Double
        let next: Int
        let reward: Double
        let terminated: Bool

        init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            probability = try c.decode(Double.self)
            next = try c.decode(Int.self)
            reward = try c.decode(Double.self)
            terminated = try c.decode(Bool.self)
        }
    }

    struct Step: Decodable {
        let a: Int
        let u: Double
        let s2: Int
        let r: Double
        let terminated: Bool
        let truncated: Bool
    }

    struct Episode: Decodable {
        let seed: Int
        let reset_uniform: Double
        let start: Int
        let max_steps: Int
        let steps: [Step]
    }

    let gymnasium_version: String
    let name: String
    let map: [String]
    let is_slippery: Bool
    let success_rate: Double
    let initial_state_distrib: [Double]
    let P: [[[Outcome]]]
    let episodes: [Episode]

    /// Every fixture in the test bundle, sorted by name.
    static let all: [GymFixture] = {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { fatalError("the Fixtures folder is missing from the test bundle") }
        let urls = names.filter { $0.hasSuffix(".json") }.map { folder.appendingPathComponent($0) }
        return urls.map { url in
            do {
                return try JSONDecoder().decode(GymFixture.self, from: Data(contentsOf: url))
            } catch {
                fatalError("cannot read fixture \(url.lastPathComponent): \(error)")
            }
        }.sorted { $0.name < $1.name }
    }()

    func config(maxSteps: Int = 100) -> EnvConfig {
        EnvConfig(slippery: is_slippery, successRate: success_rate, maxSteps: maxSteps)
    }
}

extension GymFixture: CustomTestStringConvertible {
    var testDescription: String { name }
}
