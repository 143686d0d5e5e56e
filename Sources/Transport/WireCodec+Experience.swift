import CProtobufC
import ICRLWire

extension WireCodec {
    /// Encodes an experience chunk — the hot path of every actor — pointing
    /// protobuf-c straight at the chunk's arrays instead of copying them.
    public static func encode(_ chunk: ExperienceChunk, schemaVersion: UInt32 = wireSchemaVersion) -> [UInt8] {
        var c = Icrl__ExperienceChunk()
        icrl__experience_chunk__init(&c)
        c.incarnation = chunk.incarnation
        c.trial_id = chunk.trialID
        c.sequence = chunk.sequence
        c.policy_version = chunk.policyVersion
        c.config_fingerprint = chunk.configFingerprint
        c.map_rows = chunk.mapRows
        c.map_cols = chunk.mapCols
        c.first_step = chunk.firstStep
        c.trial_done = chunk.trialDone ? 1 : 0
        c.behaviour = Icrl__Behaviour(rawValue: numericCast(chunk.behaviour.rawValue))
        c.n_observations = chunk.observations.count
        c.n_actions = chunk.actions.count
        c.n_rewards = chunk.rewards.count
        c.n_next_observations = chunk.nextObservations.count
        c.n_flags = chunk.flags.count
        // protobuf-c only reads these pointers during pack, inside the closures.
        return chunk.actorID.withCString { actor in
            chunk.observations.withUnsafeBufferPointer { observations in
                chunk.actions.withUnsafeBufferPointer { actions in
                    chunk.rewards.withUnsafeBufferPointer { rewards in
                        chunk.nextObservations.withUnsafeBufferPointer { next in
                            chunk.flags.withUnsafeBufferPointer { flags in
                                c.actor_id = UnsafeMutablePointer(mutating: actor)
                                c.observations = UnsafeMutablePointer(mutating: observations.baseAddress)
                                c.actions = UnsafeMutablePointer(mutating: actions.baseAddress)
                                c.rewards = UnsafeMutablePointer(mutating: rewards.baseAddress)
                                c.next_observations = UnsafeMutablePointer(mutating: next.baseAddress)
                                c.flags = UnsafeMutablePointer(mutating: flags.baseAddress)
                                return withUnsafeMutablePointer(to: &c) { pointer in
                                    var envelope = Icrl__Envelope()
                                    icrl__envelope__init(&envelope)
                                    envelope.schema_version = schemaVersion
                                    envelope.body_case = ICRL__ENVELOPE__BODY_EXPERIENCE
                                    envelope.experience = pointer
                                    return pack(&envelope)
                                }
                            }
                        }
                    }
                }
            }
            }
    }
}
