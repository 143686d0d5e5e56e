import FrozenLake

/// Writes episodes as JSON Lines that anyone can replay in Gymnasium
/// (`scripts/replay_trace_gym.py` does): one object per episode,
///
///     {"map":["SFFH",…],"slippery":false,"episode":0,"trial":3,"agent":"oracle","max_steps":100,
///      "steps":[{"s":0,"a":2,"r":0.0,"s2":1,"terminated":false,"truncated":false},…]}
///
/// `episode` and `trial` count from 0; `success_rate` is added when slippery. Bytes are
/// appended by hand (no `JSONEncoder`): the harness writes millions of steps for the
/// transformer's evaluations, and the format is fixed.
public enum TraceEncoder {
    /// Appends one episode's line, newline included, to `buffer`.
    public static func appendEpisode(
        to buffer: inout [UInt8], map: FrozenLakeMap, config: EnvConfig, agent: String,
        trial: Int, episode: Int, steps: [Transition]
    ) {
        buffer.append(contentsOf: "{\"map\":[".utf8)
        for (i, row) in map.rowStrings.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(UInt8(ascii: "\""))
            buffer.append(contentsOf: row.utf8)
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(contentsOf: "],\"slippery\":".utf8)
        buffer.append(contentsOf: (config.slippery ? "true" : "false").utf8)
        if config.slippery {
            buffer.append(contentsOf: ",\"success_rate\":".utf8)
            buffer.append(contentsOf: jsonNumber(config.successRate).utf8)
        }
        buffer.append(contentsOf: ",\"episode\":".utf8)
        appendInt(episode, to: &buffer)
        buffer.append(contentsOf: ",\"trial\":".utf8)
        appendInt(trial, to: &buffer)
        buffer.append(contentsOf: ",\"agent\":".utf8)
        buffer.append(contentsOf: jsonString(agent).utf8)
        buffer.append(contentsOf: ",\"max_steps\":".utf8)
        appendInt(config.maxSteps, to: &buffer)
        buffer.append(contentsOf: ",\"steps\":[".utf8)
        for (i, t) in steps.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: "{\"s\":".utf8)
            appendInt(t.observation, to: &buffer)
            buffer.append(contentsOf: ",\"a\":".utf8)
            appendInt(t.action, to: &buffer)
            buffer.append(contentsOf: ",\"r\":".utf8)
            if t.reward == 0 {
                buffer.append(contentsOf: "0.0".utf8)
            } else if t.reward == 1 {
                buffer.append(contentsOf: "1.0".utf8)
            } else {
                buffer.append(contentsOf: jsonNumber(t.reward).utf8)
            }
            buffer.append(contentsOf: ",\"s2\":".utf8)
            appendInt(t.nextObservation, to: &buffer)
            buffer.append(contentsOf: (t.terminated ? ",\"terminated\":true" : ",\"terminated\":false").utf8)
            buffer.append(contentsOf: (t.truncated ? ",\"truncated\":true}" : ",\"truncated\":false}").utf8)
        }
        buffer.append(contentsOf: "]}\n".utf8)
    }

    /// Decimal digits of an integer (single digits without building a `String`).
    static func appendInt(_ value: Int, to buffer: inout [UInt8]) {
        if value >= 0, value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            buffer.append(contentsOf: String(value).utf8)
        }
    }
}
