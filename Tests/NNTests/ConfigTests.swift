import Foundation
import Testing
@testable import NN

@Suite("Config and layout")
struct ConfigTests {
    @Test("fingerprint is a fixed FNV-1a of the canonical description")
    func fingerprintIsStable() {
        let config = TransformerConfig.reference
        #expect(config.canonicalDescription
            == "icrl.transformer.v1;features=64,5,2,2,65;d=128;heads=4;layers=2;mlp=512;context=256;actions=4;positional=rotary;rotaryBase=10000.0;lnEps=1e-05")
        // FNV-1a 64 of the empty string and of "a" (published test vectors).
        #expect(FNV1a64.hash([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a64.hash(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        var other = config
        other.positional = .learned
        #expect(other.fingerprint != config.fingerprint)
        other = config
        other.featureVocabularies[0] = 49
        #expect(other.fingerprint != config.fingerprint)
        #expect(config.fingerprintHex.count == 16)
    }

    @Test("config survives JSON")
    func codable() throws {
        let config = smallConfig(positional: .learned)
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(TransformerConfig.self, from: data) == config)
    }

    @Test("invalid configs are refused with the field named")
    func validation() {
        var config = TransformerConfig.reference
        config.heads = 3
        #expect(throws: ConfigError.self) { try config.validate() }
        config = .reference
        config.featureVocabularies = [4, 0]
        #expect((try? config.validate()) == nil)
        config = TransformerConfig(featureVocabularies: [4], dModel: 6, heads: 2)
        #expect(throws: ConfigError(message: "rotary positions need an even head size; dModel / heads = 3")) { try config.validate() }
    }

    @Test("layout is packed, in the documented order, with decay on matrices only")
    func layout() {
        let layout = ParameterLayout(config: smallConfig(positional: .learned))
        #expect(layout.tensors.first?.name == "embed.features.0.weight")
        #expect(layout.tensors.map(\.name).contains("embed.position.weight"))
        #expect(layout.tensors.last?.name == "head.bias")
        var next = 0
        for spec in layout.tensors {
            #expect(spec.offset == next)
            next += spec.count
            #expect(spec.decays == (spec.name.hasSuffix(".weight") && spec.shape.count == 2 && !spec.name.hasPrefix("embed.")))
        }
        #expect(next == layout.count)
        #expect(layout.spec(named: "blocks.1.attn.qkv.weight")?.shape == [48, 16])
    }

    @Test("CRC-32 matches zlib's check value")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("vectorised exp and tanh are accurate to a few ulp")
    func vectorMath() {
        var worstExp: Float = 0, worstTanh: Float = 0
        for i in -4000...4000 {
            let x = Float(i) / 50
            let e = VectorMath.exp(x), reference = Float(Foundation.exp(Double(x)))
            worstExp = max(worstExp, abs(e - reference) / reference)
            worstTanh = max(worstTanh, abs(VectorMath.tanh(x) - Float(Foundation.tanh(Double(x)))))
        }
        #expect(worstExp < 1e-6)
        #expect(worstTanh < 1e-6)
    }

    @Test("the worker pool runs every index exactly once, nested jobs included")
    func workerPool() {
        let pool = WorkerPool(threads: 2)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 10)
        counts.initialize(repeating: 0, count: 10)
        defer { counts.deallocate() }
        for _ in 0..<100 {
            pool.parallelFor(10) { i in
                counts[i] += 1
                pool.parallelFor(1) { _ in }
            }
        }
        #expect((0..<10).allSatisfy { counts[$0] == 100 })
    }
}
