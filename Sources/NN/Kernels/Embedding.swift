/// Token embedding: the sum of one row per categorical feature, plus a position row.
///
/// - out: (N, C)
/// - tokens: (N, K), feature k of row r is an index into table k
/// - parameters: the flat parameter buffer; table k is `(V_k, C)` at `tableOffsets[k]`
/// - positions: (N) position of each row, used only when `positionOffset` is non-nil
///   (a `(context, C)` table at that offset)
func embeddingForward(
    out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, rows n: Int,
    parameters: UnsafePointer<Float>, tableOffsets: [Int], vocabularies: [Int],
    positionOffset: Int?, positions: UnsafePointer<Int32>?, channels c: Int
) {
    let k = tableOffsets.count
    tableOffsets.withUnsafeBufferPointer { offsets in
        vocabularies.withUnsafeBufferPointer { vocab in
            for r in 0..<n {
                let o = out + r * c
                if let positionOffset, let positions {
                    o.update(from: parameters + positionOffset + Int(positions[r]) * c, count: c)
                } else {
                    o.update(repeating: 0, count: c)
                }
                for f in 0..<k {
                    let index = Int(tokens[r * k + f])
                    precondition(index >= 0 && index < vocab[f], "token feature \(f) = \(index) is outside 0..<\(vocab[f])")
                    let row = parameters + offsets[f] + index * c
                    for j in 0..<c { o[j] += row[j] }
                }
            }
        }
    }
}

/// Embedding backward: scatter-adds each row's gradient into the rows it was built from.
/// Accumulates into `gradients`.
///
/// - gradients: flat gradient buffer laid out like the parameters
/// - dout: (N, C)
/// - tokens: (N, K)
/// - positions: (N), when learned positions are used
func embeddingBackward(
    gradients: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, rows n: Int,
    tableOffsets: [Int], positionOffset: Int?, positions: UnsafePointer<Int32>?, channels c: Int
) {
    let k = tableOffsets.count
    tableOffsets.withUnsafeBufferPointer { offsets in
        for r in 0..<n {
            let d = dout + r * c
            if let positionOffset, let positions {
                let row = gradients + positionOffset + Int(positions[r]) * c
                for j in 0..<c { row[j] += d[j] }
            }
            for f in 0..<k {
                let row = gradients + offsets[f] + Int(tokens[r * k + f]) * c
                for j in 0..<c { row[j] += d[j] }
            }
        }
    }
}
