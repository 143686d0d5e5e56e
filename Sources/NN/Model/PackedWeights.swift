import CNNKernels

/// A model's linear weights with weightᵀ packed into the fp32 GEMM's 64-column panels
/// (`icrl_linear_pack`), shared by every block and thread of a pass (`Transformer.packedWeights()`).
///
/// A decode step runs every linear layer on M = 32 rows per thread, where packing weightᵀ
/// on each call cost as much as the products (10% of a step each in a profile); a train
/// step packed each weight 16 times per pass. The
/// panels are rebuilt only when the parameters' `generation` has moved; debug builds also
/// compare a strided sample of the parameters on every use, so a writer that forgot
/// `markModified()` fails the tests instead of decoding with stale weights.
final class PackedWeights {
    /// Offsets into `storage` of one block's packed qkv, proj, fc and MLP-proj weights.
    struct Block {
        let qkv, proj, fc, fcProj: Int
    }

    let blocks: [Block]
    let head: Int
    private let storage: UnsafeMutablePointer<Float>
    private let count: Int
    private var generation: UInt64?
    #if DEBUG
    private var sample: [Float] = []
    #endif

    init(config: TransformerConfig) {
        let c = config.dModel, m = config.mlpHidden
        var total = 0
        func take(_ inChannels: Int, _ outChannels: Int) -> Int {
            defer { total += icrl_linear_packed_size(Int32(inChannels), Int32(outChannels)) }
            return total
        }
        blocks = (0..<config.layers).map { _ in Block(qkv: take(c, 3 * c), proj: take(c, c), fc: take(c, m), fcProj: take(m, c)) }
        head = take(c, config.actions)
        count = max(total, 16)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        storage = raw.bindMemory(to: Float.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
    }

    deinit { UnsafeMutableRawPointer(storage).deallocate() }

    /// Bytes held.
    var byteCount: Int { count * MemoryLayout<Float>.stride }

    /// The panels at `offset`.
    subscript(offset: Int) -> UnsafePointer<Float> { UnsafePointer(storage + offset) }

    /// Block `layer`'s panels: qkv, attention projection, MLP up, MLP down.
    func block(_ layer: Int) -> (qkv: UnsafePointer<Float>, proj: UnsafePointer<Float>, fc: UnsafePointer<Float>, fcProj: UnsafePointer<Float>) {
        let b = blocks[layer]
        return (self[b.qkv], self[b.proj], self[b.fc], self[b.fcProj])
    }

    /// Repacks from `model`'s parameters if they changed since the last call.
    func refresh(from model: Transformer) {
        let parameters = model.parameters
        if generation == parameters.generation {
            #if DEBUG
            precondition(Self.sample(parameters).elementsEqual(sample) { $0.bitPattern == $1.bitPattern },
                         "parameters changed without ParameterBuffer.markModified(): the decoder's packed weights are stale")
            #endif
            return
        }
        let config = model.config, c = config.dModel, m = config.mlpHidden
        let p = UnsafePointer(parameters.pointer), o = model.layout.offsets
        func pack(_ offset: Int, _ weight: Int, _ inChannels: Int, _ outChannels: Int) {
            icrl_linear_pack(storage + offset, p + weight, Int32(inChannels), Int32(outChannels))
        }
        for (block, w) in zip(blocks, o.blocks) {
            pack(block.qkv, w.qkvWeight, c, 3 * c)
            pack(block.proj, w.projWeight, c, c)
            pack(block.fc, w.fcWeight, c, m)
            pack(block.fcProj, w.fcProjWeight, m, c)
        }
        pack(head, o.headWeight, c, config.actions)
        generation = parameters.generation
        #if DEBUG
        sample = Self.sample(parameters)
        #endif
    }

    #if DEBUG
    /// Every 61st parameter: cheap enough for every step of a debug build, and any writer
    /// that touches a whole tensor (an update, a load) changes some of it.
    private static func sample(_ parameters: ParameterBuffer) -> [Float] {
        stride(from: 0, to: parameters.count, by: 61).map { parameters.pointer[$0] }
    }
    #endif
}
