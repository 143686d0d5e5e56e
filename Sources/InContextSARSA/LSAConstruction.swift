import NN

/// The explicit parameters under which one LSA layer *is* batch semi-gradient SARSA.
///
/// Derivation. Write a context column as `zᵢ = [φᵢ; γφ'ᵢ; rᵢ]` (blocks of d, d and 1
/// rows) and the query column as `h = [w; 0; 1]`. The mask removes the query from the
/// keys, so the query column's update is
///
///     Δh = (1/n) · V · Σᵢ zᵢ · (zᵢᵀ · P · h).
///
/// Choose `P` so that `P·h = [−w; w; 1]`, i.e. in blocks
///
///     P = [ −I  0  0 ]
///         [  I  0  0 ]
///         [  0  0  1 ]
///
/// Then `zᵢᵀ·P·h = −φᵢᵀw + γφ'ᵢᵀw + rᵢ = δᵢ`, the SARSA TD error of transition i under
/// w. Choose `V` to copy α times the first block of a column into the first block:
///
///     V = [ αI  0  0 ]
///         [  0  0  0 ]
///         [  0  0  0 ]
///
/// so `V·zᵢ = [αφᵢ; 0; 0]` and the query column becomes `[w + (α/n)·Σᵢ δᵢφᵢ; 0; 1]`:
/// its first block is exactly the batch semi-gradient SARSA update, and the rest of the
/// column is unchanged, so the layer can be applied again window after window.
///
/// Not unique: `(c·P, V/c)` gives the same output for any c ≠ 0; the columns of P that
/// meet the query's zero block and the rows of V below the first block never touch the
/// first block of the query's output. ``identifiable(_:)`` keeps only the parts that do.
public enum LSAConstruction {
    /// V* and P* for feature dimension d and step size α.
    public static func layer(features d: Int, alpha: Double) -> LinearSelfAttention {
        let dim = 2 * d + 1
        var v = [Double](repeating: 0, count: dim * dim)
        var p = [Double](repeating: 0, count: dim * dim)
        for k in 0..<d {
            v[k * dim + k] = alpha
            p[k * dim + k] = -1
            p[(d + k) * dim + k] = 1
        }
        p[(2 * d) * dim + 2 * d] = 1
        return LinearSelfAttention(dimension: dim, v: v, p: p)
    }

    /// The parameters that affect the query's weights: P's columns for w and the constant
    /// (blocks 1 and 3), V's rows of block 1.
    public static func identifiable(_ layer: LinearSelfAttention, features d: Int) -> (v: [Double], p: [Double]) {
        let dim = layer.dimension
        var v: [Double] = [], p: [Double] = []
        for r in 0..<d { for c in 0..<dim { v.append(layer.v[r * dim + c]) } }
        for r in 0..<dim {
            for c in 0..<dim where c < d || c == 2 * d { p.append(layer.p[r * dim + c]) }
        }
        return (v, p)
    }

    /// How close a learned layer is to the construction, up to the scale ambiguity: the
    /// smaller of the cosine similarities of its identifiable V and P blocks with V* and
    /// P* (after flipping both signs if the learned scale c is negative).
    public static func cosine(_ learned: LinearSelfAttention, features d: Int, alpha: Double) -> Double {
        cosine(identifiable(learned, features: d), identifiable(layer(features: d, alpha: alpha), features: d))
    }

    /// The smaller cosine of two layers' identifiable (V, P) parts, up to the sign of the scale.
    public static func cosine(_ mine: (v: [Double], p: [Double]), _ target: (v: [Double], p: [Double])) -> Double {
        func cos(_ a: [Double], _ b: [Double]) -> Double {
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return na > 0 && nb > 0 ? dot / (na * nb) : 0
        }
        let cv = cos(mine.v, target.v), cp = cos(mine.p, target.p)
        return cv < 0 && cp < 0 ? min(-cv, -cp) : min(cv, cp)
    }
}
