/// How environment steps become transformer tokens. Stored in checkpoints:
/// a model only understands the tokens it was trained on.
public struct TokenizerConfig: Codable, Hashable, Sendable {
    /// How a cell is shown to the model.
    public enum ObservationEncoding: String, Codable, Sendable, CaseIterable {
        /// The paper's tile index `row * cols + col`: its meaning changes with the map's
        /// width, and cells beyond the trained sizes have untrained embeddings.
        case tile
        /// One tile embedding per cell of a fixed `canvas × canvas` board on which each map
        /// is placed: a cell's index does not depend on the map's width.
        case canvasTile = "canvas-tile"
        /// A row embedding plus a column embedding on the canvas; with random placement
        /// every canvas row and column is trained, so larger maps are no longer foreign.
        case rowColumn = "row-column"
    }

    /// Observation encoding; see the cases.
    public var observation: ObservationEncoding = .rowColumn
    /// Side of the board maps are placed on; maps larger than this cannot be encoded.
    public var canvas: Int = 8
    /// Place each map at a random offset on the canvas (a fresh one per map), so that
    /// every canvas coordinate is trained and the model cannot rely on where walls are.
    /// Without it maps sit in the top-left corner.
    public var randomPlacement: Bool = true
    /// Show only holes and goals as landings: at the first token after an episode cut by the
    /// step limit the landing feature is empty, as on a trial's first token (told apart by
    /// the previous action). Off, a timeout on a safe cell X looks exactly like falling into
    /// a hole at X, and the model can learn that a cell on the only path is a hole. Configs
    /// written before this field existed decode with it off, as they were trained.
    public var landingsOnlyOnTermination: Bool = true

    public init(
        observation: ObservationEncoding = .rowColumn, canvas: Int = 8, randomPlacement: Bool = true,
        landingsOnlyOnTermination: Bool = true
    ) {
        self.observation = observation
        self.canvas = canvas
        self.randomPlacement = randomPlacement
        self.landingsOnlyOnTermination = landingsOnlyOnTermination
    }

    private enum CodingKeys: String, CodingKey {
        case observation, canvas, randomPlacement, landingsOnlyOnTermination
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        observation = try c.decode(ObservationEncoding.self, forKey: .observation)
        canvas = try c.decode(Int.self, forKey: .canvas)
        randomPlacement = try c.decode(Bool.self, forKey: .randomPlacement)
        landingsOnlyOnTermination = try c.decodeIfPresent(Bool.self, forKey: .landingsOnlyOnTermination) ?? false
    }

    /// Leaves `landingsOnlyOnTermination` out when it is off, so configs written before the
    /// field existed keep their bytes, and so their fingerprint (old experience files stay
    /// readable).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(observation, forKey: .observation)
        try c.encode(canvas, forKey: .canvas)
        try c.encode(randomPlacement, forKey: .randomPlacement)
        if landingsOnlyOnTermination { try c.encode(true, forKey: .landingsOnlyOnTermination) }
    }

    /// The paper's encoding: tile index, maps in the corner (and the paper's landings: none;
    /// what we add to it is the terminal cell, which a timeout does not have).
    public static let paper = TokenizerConfig(observation: .tile, canvas: 8, randomPlacement: false)
}
