import Foundation
import FrozenLake
import NN

/// The seed's convergence claim, measured: gradient descent on the teacher-mimicking loss
/// (a fixed set of windows, so the loss and its gradient are exact; plain GD with a small
/// step is the gradient flow's discretisation) from the construction's neighbourhood and
/// from random starts. The distance to the solution manifold is taken up to the known
/// symmetries (the scale (cP, V/c), and parameters that never reach the output); its
/// exponential rate near the optimum is fitted and compared with the linearisation's: at
/// the construction the loss is ½ΔᵀHΔ, so GD with step η shrinks the slowest direction by
/// (1 − ηλ) per step, λ the smallest nonzero eigenvalue of the Hessian H.
public struct LSAConvergence: Codable, Sendable {
    public struct Run: Codable, Sendable {
        public var start: String
        /// Every `recordEvery` steps: the distance to the manifold and the loss.
        public var distance: [Double]
        public var loss: [Double]
        /// −d ln(distance)/d step over the fitted stretch; nil if it never got close.
        public var fittedRate: Double?
        public var fitSteps: [Int]?
    }

    public var config: LSAConfig
    public var samples: Int
    public var learningRate: Double
    public var steps: Int
    public var recordEvery: Int
    /// Hessian spectrum at the construction: extremes, and how many eigenvalues are (numerically) zero.
    public var lambdaMax: Double
    public var lambdaMinNonzero: Double
    public var nullDimension: Int
    /// Parameters outside the identifiable blocks, + 1 for the scale: the expected null dimension.
    public var expectedNullDimension: Int
    /// −ln(1 − η·λ_min): the linearisation's rate per step.
    public var predictedRate: Double
    public var runs: [Run]

    /// Full-batch loss and gradient over `samples`, parameters packed as [V; P].
    struct Objective {
        let config: LSAConfig
        let samples: [LSATrainer.Sample]

        func lossAndGradient(_ x: [Double]) -> (Double, [Double]) {
            let dim = config.dimension, count = dim * dim
            let layer = LinearSelfAttention(dimension: dim, v: Array(x[0..<count]), p: Array(x[count...]))
            var g = [Double](repeating: 0, count: 2 * count)
            var total = 0.0
            for sample in samples {
                let (l, dOut, saved) = LSATrainer.loss(layer, sample, config: config)
                total += l
                let (dV, dP, _) = layer.backward(dOut, saved: saved)
                for i in 0..<count {
                    g[i] += dV[i]
                    g[count + i] += dP[i]
                }
            }
            let n = Double(samples.count)
            return (total / n, g.map { $0 / n })
        }
    }

    static func pack(_ layer: LinearSelfAttention) -> [Double] { layer.v + layer.p }

    static func unpack(_ x: [Double], dimension dim: Int) -> LinearSelfAttention {
        LinearSelfAttention(dimension: dim, v: Array(x[0..<(dim * dim)]), p: Array(x[(dim * dim)...]))
    }

    /// Distance of `layer` to the construction's orbit: over scales c ≠ 0, the smallest
    /// ‖(c·P_id − P*_id, V_id/c − V*_id)‖ of the identifiable parts.
    static func distance(_ layer: LinearSelfAttention, config: LSAConfig) -> Double {
        let identifiable: (LinearSelfAttention) -> (v: [Double], p: [Double]) = config.kind == .sarsa
            ? { LSAConstruction.identifiable($0, features: config.features) }
            : { ActorCriticPrompt.identifiable($0, features: config.features) }
        let mine = identifiable(layer), target = identifiable(config.construction)
        func at(_ c: Double) -> Double {
            var total = 0.0
            for (a, b) in zip(mine.p, target.p) { total += (c * a - b) * (c * a - b) }
            for (a, b) in zip(mine.v, target.v) { total += (a / c - b) * (a / c - b) }
            return total.squareRoot()
        }
        var best = Double.infinity
        for sign in [1.0, -1.0] {
            // Golden-section search on ln|c|, from a bracket wide enough for any trained layer.
            var lo = -6.0, hi = 6.0
            let phi = (5.0.squareRoot() - 1) / 2
            for _ in 0..<80 {
                let m1 = hi - phi * (hi - lo), m2 = lo + phi * (hi - lo)
                if at(sign * exp(m1)) < at(sign * exp(m2)) { hi = m2 } else { lo = m1 }
            }
            best = min(best, at(sign * exp((lo + hi) / 2)))
        }
        return best
    }

    /// Symmetric eigenvalues by cyclic Jacobi rotations (the Hessians here are a few hundred wide).
    static func eigenvalues(_ matrix: [Double], size n: Int) -> [Double] {
        var a = matrix
        for _ in 0..<60 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<n { off += a[i * n + j] * a[i * n + j] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where abs(a[p * n + q]) > 1e-300 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                }
            }
        }
        return (0..<n).map { a[$0 * n + $0] }.sorted()
    }

    /// Runs the measurement: the Hessian at the construction, then GD from `neighbourhood`
    /// starts (the construction plus noise of that size) and `randomStarts` small random ones.
    public static func measure(
        config: LSAConfig, samples count: Int = 64, steps: Int = 20_000, recordEvery: Int = 100,
        neighbourhoodStarts: Int = 2, neighbourhood: Double = 0.05, randomStarts: Int = 2, progress: ((String) -> Void)? = nil
    ) -> LSAConvergence {
        var rng = Xoshiro256(seed: config.seed, stream: 0x434F_4E56)  // "CONV"
        let objective = Objective(config: config, samples: (0..<count).map { _ in LSATrainer.sample(config, rng: &rng) })
        let dim = config.dimension, n = 2 * dim * dim
        let star = pack(config.construction)
        // Hessian by central differences of the exact gradient.
        var hessian = [Double](repeating: 0, count: n * n)
        let h = 1e-5
        for j in 0..<n {
            var plus = star, minus = star
            plus[j] += h
            minus[j] -= h
            let gp = objective.lossAndGradient(plus).1, gm = objective.lossAndGradient(minus).1
            for i in 0..<n { hessian[i * n + j] = (gp[i] - gm[i]) / (2 * h) }
        }
        for i in 0..<n { for j in (i + 1)..<n { let m = (hessian[i * n + j] + hessian[j * n + i]) / 2; hessian[i * n + j] = m; hessian[j * n + i] = m } }
        let spectrum = eigenvalues(hessian, size: n)
        let lambdaMax = spectrum.last!
        let nonzero = spectrum.filter { $0 > 1e-7 * lambdaMax }
        let lambdaMin = nonzero.first ?? lambdaMax
        let eta = 1 / lambdaMax
        let identifiableCount = config.kind == .sarsa
            ? LSAConstruction.identifiable(config.construction, features: config.features).v.count + LSAConstruction.identifiable(config.construction, features: config.features).p.count
            : ActorCriticPrompt.identifiable(config.construction, features: config.features).v.count + ActorCriticPrompt.identifiable(config.construction, features: config.features).p.count
        progress?("Hessian (\(n) parameters): λ_max \(lambdaMax), smallest nonzero λ \(lambdaMin), \(n - nonzero.count) zero; step η = 1/λ_max")
        var starts: [(String, [Double])] = []
        for k in 0..<neighbourhoodStarts {
            starts.append(("construction + noise \(neighbourhood) #\(k + 1)", star.map { $0 + neighbourhood * (2 * rng.nextDouble() - 1) }))
        }
        for k in 0..<randomStarts {
            starts.append(("random start #\(k + 1)", (0..<n).map { _ in config.initScale * (2 * rng.nextDouble() - 1) }))
        }
        var runs: [Run] = []
        for (name, x0) in starts {
            var x = x0
            var distances: [Double] = [], losses: [Double] = []
            for step in 0...steps {
                let (loss, g) = objective.lossAndGradient(x)
                if step % recordEvery == 0 {
                    distances.append(distance(unpack(x, dimension: dim), config: config))
                    losses.append(loss)
                }
                guard step < steps else { break }
                for i in 0..<n { x[i] -= eta * g[i] }
            }
            let fit = fitRate(distances, every: recordEvery)
            progress?("\(name): distance \(distances.first!) → \(distances.last!), fitted rate \(fit.map { "\($0.rate)" } ?? "none")")
            runs.append(Run(start: name, distance: distances, loss: losses, fittedRate: fit?.rate, fitSteps: fit.map { [$0.from, $0.to] }))
        }
        return LSAConvergence(
            config: config, samples: count, learningRate: eta, steps: steps, recordEvery: recordEvery,
            lambdaMax: lambdaMax, lambdaMinNonzero: lambdaMin, nullDimension: n - nonzero.count,
            expectedNullDimension: n - identifiableCount + 1, predictedRate: -log(1 - eta * lambdaMin), runs: runs)
    }

    /// Least-squares slope of ln(distance) over the stretch where the distance is below 1 %
    /// of where it started and above the float floor (1e-9): the asymptotic, linear regime.
    static func fitRate(_ distances: [Double], every: Int) -> (rate: Double, from: Int, to: Int)? {
        guard let first = distances.first, first > 0 else { return nil }
        let points = distances.enumerated().filter { $0.element < 0.01 * first && $0.element > 1e-9 }
        guard points.count >= 5 else { return nil }
        let xs = points.map { Double($0.offset * every) }, ys = points.map { log($0.element) }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var num = 0.0, den = 0.0
        for (x, y) in zip(xs, ys) {
            num += (x - mx) * (y - my)
            den += (x - mx) * (x - mx)
        }
        return den > 0 ? (-num / den, points.first!.offset * every, points.last!.offset * every) : nil
    }
}
