"""The actor: joins a learner, takes its config and weights, rolls out Gymnasium FrozenLake
trials with the transformer in numpy, and ships experience chunks (docs/wire-protocol.md,
"An actor's life"). It waits for a learner that is not up yet, says hello again when a
restarted learner asks, and leaves on ``Shutdown``, SIGTERM or SIGINT.
"""
import json
import logging
import os
import random
import resource
import socket
import time

import numpy as np
import zmq

from . import icrl_pb2 as pb
from .model import Decoder, Transformer
from .rollout import ChunkBuilder, Rollout, epsilon_at
from .tokenizer import Tokenizer

SCHEMA_VERSION = 1
UNKNOWN_PEER = "unknown peer: send hello again"
log = logging.getLogger("icrl_actor")


class RefusedError(RuntimeError):
    """The learner will not take this actor; the message says why and what to change."""


def envelope(**body):
    e = pb.Envelope(schema_version=SCHEMA_VERSION)
    for name, message in body.items():
        getattr(e, name).CopyFrom(message)
    return e.SerializeToString()


def decode(frame):
    """The envelope's body as ``(name, message)``; None for a frame that is not a v1 envelope."""
    e = pb.Envelope()
    try:
        e.ParseFromString(frame)
    except Exception:  # a malformed frame is skipped, as the Swift actor does
        return None
    if e.schema_version != SCHEMA_VERSION or e.WhichOneof("body") is None:
        return None
    name = e.WhichOneof("body")
    return name, getattr(e, name)


def tensors_of(weights):
    """A ``Weights`` message's tensors as float32 arrays by name."""
    out = {}
    for t in weights.tensors:
        shape = tuple(t.shape)
        array = np.frombuffer(t.data, dtype="<f4")
        if array.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"tensor {t.name}: {array.size} values for shape {shape}")
        out[t.name] = array.reshape(shape)
    return out


def resident_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Actor:
    """Options mirror ``icrl actor``: ``learner`` (tcp://HOST:PORT, the experience port; the
    learner's weights and control sockets are the next two ports), ``actor_id``, ``seed``,
    ``environments`` (None: the learner's), ``max_seconds``, ``weights_seconds`` (adopt new
    weights at most this often: each adoption re-encodes every trial's context), CURVE keys
    (``curve_public``, ``curve_secret``, ``learner_key``: Z85 text), and ``fingerprint`` (send
    this config fingerprint in hello instead of the weights', to pin the actor to one model
    config: the learner refuses a mismatch)."""

    def __init__(self, learner, actor_id=None, seed=None, environments=None, max_seconds=None,
                 weights_seconds=2.0, stats_seconds=5.0, curve_public=None, curve_secret=None,
                 learner_key=None, fingerprint=None, max_pending_chunks=20_000, backlog_chunks=16):
        host, port = learner.rsplit(":", 1)
        if not host.startswith("tcp://") or not port.isdigit():
            raise ValueError(f"--learner {learner!r}: expected tcp://HOST:PORT (the learner's experience port)")
        port = int(port)
        self.endpoints = {"experience": f"{host}:{port}", "weights": f"{host}:{port + 1}", "control": f"{host}:{port + 2}"}
        self.actor_id = actor_id or f"py-{socket.gethostname()}-{os.getpid()}"
        self.seed = seed if seed is not None else random.getrandbits(63)
        self.environments = environments
        self.max_seconds = max_seconds
        self.weights_seconds = weights_seconds
        self.stats_seconds = stats_seconds
        self.curve = (curve_public, curve_secret, learner_key) if learner_key else None
        self.pinned_fingerprint = fingerprint
        self.max_pending_chunks = max_pending_chunks
        self.backlog_chunks = backlog_chunks
        self.incarnation = random.getrandbits(64) | 1
        self.stopping = False
        self.summary = {}

    def stop(self, *_):
        self.stopping = True

    def _socket(self, context, kind):
        s = context.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        # As the Swift actor: a dead link is found in 10 s (ZMTP heartbeats on control and
        # weights; on the experience socket, which the learner throttles on purpose, the
        # kernel's retransmission timeout instead) and each dial gives up after 2 s, so the
        # actor is back within seconds of a partition healing.
        if kind == zmq.PUSH:
            s.setsockopt(zmq.TCP_MAXRT, 10000)
        else:
            s.setsockopt(zmq.HEARTBEAT_IVL, 1000)
            s.setsockopt(zmq.HEARTBEAT_TIMEOUT, 10000)
            s.setsockopt(zmq.HEARTBEAT_TTL, 10000)
        s.setsockopt(zmq.CONNECT_TIMEOUT, 2000)
        if self.curve:
            public, secret, server = self.curve
            s.curve_publickey, s.curve_secretkey, s.curve_serverkey = public.encode(), secret.encode(), server.encode()
        return s

    def run(self):
        context = zmq.Context()
        control = self._socket(context, zmq.DEALER)
        control.setsockopt(zmq.ROUTING_ID, f"{self.actor_id}/{self.incarnation:x}".encode())
        control.connect(self.endpoints["control"])
        sub = self._socket(context, zmq.SUB)
        sub.setsockopt(zmq.RCVHWM, 2)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(self.endpoints["weights"])
        push = self._socket(context, zmq.PUSH)
        # A short send queue and small kernel buffers: the learner's back-pressure reaches
        # the environments in milliseconds, and queued experience does not go stale.
        push.setsockopt(zmq.SNDHWM, 16)
        push.setsockopt(zmq.SNDBUF, 64 << 10)
        push.setsockopt(zmq.LINGER, 2000)
        push.connect(self.endpoints["experience"])
        try:
            return self._run(control, sub, push)
        finally:
            for s in (control, sub, push):
                s.close()
            context.term()

    def _first_weights(self, control, started):
        last_ask = 0.0
        while not self.stopping:
            if self.max_seconds is not None and time.monotonic() - started > self.max_seconds:
                return None
            if time.monotonic() - last_ask > 2:
                try:
                    control.send(envelope(weights_request=pb.WeightsRequest(actor_id=self.actor_id, have_version=0)), zmq.NOBLOCK)
                except zmq.Again:
                    pass
                if time.monotonic() - started > 3:
                    log.info("waiting for the learner at %s", self.endpoints["control"])
                last_ask = time.monotonic()
            if control.poll(200):
                got = decode(control.recv())
                if got and got[0] == "weights":
                    return got[1]
        return None

    def _run(self, control, sub, push):
        started = time.monotonic()
        log.info("actor %s joining learner at %s (seed %d)", self.actor_id, self.endpoints["experience"], self.seed)
        first = self._first_weights(control, started)
        if first is None:
            return self.summary
        run_config = json.loads(first.config_json)
        fingerprint = first.config_fingerprint
        hello_fingerprint = self.pinned_fingerprint if self.pinned_fingerprint is not None else fingerprint
        model = Transformer(run_config["model"], tensors_of(first))
        tokenizer = Tokenizer(run_config["tokenizer"])
        rollout_config = run_config["rollout"]
        rollout = Rollout(rollout_config, tokenizer, self.incarnation, self.seed, self.environments)
        carried = int(run_config.get("dqn", {}).get("carriedLandings", 0))
        decoder = Decoder(model, rollout.n, salient=tokenizer.shows_landing if carried > 0 else None,
                          salient_limit=carried if carried > 0 else None)
        version = first.version
        log.info("model: d %d, %d layers, context %d; %d environments; fingerprint %016x, weights v%d",
                 model.d, model.layers, model.context, rollout.n, fingerprint, version)

        hello = envelope(hello=pb.Hello(
            actor_id=self.actor_id, host=socket.gethostname(), pid=os.getpid(), config_fingerprint=hello_fingerprint,
            incarnation=self.incarnation, environments=rollout.n))
        control.send(hello)

        builders = [ChunkBuilder(rollout_config["chunkSteps"]) for _ in range(rollout.n)]
        pending, sequence, sent, dropped = [], 0, 0, 0
        heartbeat_every = 0.5
        last_heartbeat = last_stats = time.monotonic()
        last_adopted = time.monotonic()
        newest = None
        stats = {"steps": 0, "inference": 0.0, "calls": 0, "step": 0.0, "send": 0.0, "backpressure": 0.0, "weights": 0.0}
        adopted = 0
        rejoined = False
        while not self.stopping:
            now = time.monotonic()
            if self.max_seconds is not None and now - started >= self.max_seconds:
                break
            t0 = time.monotonic()
            # Newest weights win; older broadcasts still queued are skipped.
            while True:
                try:
                    got = decode(sub.recv(zmq.NOBLOCK))
                except zmq.Again:
                    break
                # After a learner restart its versions may start below ours (a resumed run's
                # checkpoint is older than its last broadcast): take its next weights anyway.
                if got and got[0] == "weights" and got[1].config_fingerprint == fingerprint and (
                        got[1].version > version or rejoined):
                    if newest is None or got[1].version > newest.version:
                        newest = got[1]
            if newest is not None and now - last_adopted >= self.weights_seconds:
                try:
                    model.load(tensors_of(newest))
                    version = newest.version
                    rejoined = False
                    decoder.refresh_all()  # trials in flight keep their context, re-encoded
                    adopted += 1
                except ValueError as error:
                    log.warning("ignoring weights version %d: %s", newest.version, error)
                newest = None
                last_adopted = now
            t1 = time.monotonic()
            stats["weights"] += t1 - t0
            epsilon = epsilon_at(rollout_config, version)
            if len(pending) >= self.backlog_chunks:
                time.sleep(0.001)
                stats["backpressure"] += time.monotonic() - t1
            else:
                tokens, active = rollout.tokens()
                ti = time.monotonic()
                q = decoder.step(tokens, active) if active.any() else None
                stats["inference"] += time.monotonic() - ti
                stats["calls"] += 1
                steps, restarted = rollout.step(q, epsilon)
                for i in restarted:
                    decoder.reset(i)
                te = time.monotonic()
                for slot, trial_id, step, behaviour, ends in steps:
                    chunks = builders[slot].add(trial_id, step, behaviour, version)
                    if ends:
                        last = builders[slot].finish()
                        if last is not None:
                            chunks.append(last)
                    for chunk in chunks:
                        pending.append(self._encode(chunk, sequence, fingerprint))
                        sequence += 1
                stats["send"] += time.monotonic() - te
                stats["step"] += te - t1
                stats["steps"] += rollout.n
            ts = time.monotonic()
            while pending:
                try:
                    push.send(pending[0], zmq.NOBLOCK)
                except zmq.Again:
                    break
                pending.pop(0)
                sent += 1
            if len(pending) > self.max_pending_chunks:
                excess = len(pending) - self.max_pending_chunks
                dropped += excess
                del pending[:excess]
            stats["send"] += time.monotonic() - ts
            now = time.monotonic()
            if now - last_heartbeat >= heartbeat_every:
                last_heartbeat = now
                self._send(control, heartbeat=pb.Heartbeat(
                    actor_id=self.actor_id, incarnation=self.incarnation,
                    unix_time_ms=int(time.time() * 1000), policy_version=version))
            while control.poll(0):
                got = decode(control.recv())
                if got is None:
                    continue
                name, message = got
                if name == "shutdown":
                    log.info("learner asked actors to stop: %s", message.reason)
                    self.stopping = True
                elif name == "hello_reply" and not message.accepted:
                    if message.reason == UNKNOWN_PEER:
                        log.info("the learner does not know this actor (it restarted?): saying hello again")
                        control.send(hello)
                        rejoined = True
                    else:
                        raise RefusedError(f"the learner refused this actor: {message.reason}")
                elif name == "hello_reply" and message.heartbeat_interval_ms:
                    heartbeat_every = min(0.5, message.heartbeat_interval_ms / 1000)
            if now - last_stats >= self.stats_seconds:
                dt = now - last_stats
                last_stats = now
                inference = stats["inference"]
                env = max(0.0, stats["step"] - inference)
                self._send(control, stats=pb.Stats(
                    actor_id=self.actor_id, incarnation=self.incarnation, env_steps=rollout.steps_taken,
                    episodes=rollout.episodes, successes=rollout.successes,
                    env_steps_per_second=stats["steps"] / dt,
                    inference_ms=inference * 1000 / max(1, stats["calls"]), chunks_sent=sent, chunks_dropped=dropped,
                    wall_s=dt, env_s=env, inference_s=min(inference, stats["step"]), send_s=stats["send"],
                    backpressure_s=stats["backpressure"], weights_s=stats["weights"],
                    rss_bytes=resident_bytes(), queue_depth=len(pending)))
                log.info("env steps/s %.0f inference %.2f ms/step weights v%d epsilon %.3f chunks sent %d queued %d dropped %d",
                         stats["steps"] / dt, inference * 1000 / max(1, stats["calls"]), version, epsilon, sent,
                         len(pending), dropped)
                stats = dict.fromkeys(stats, 0)
        log.info("actor %s stopping: %d chunks sent, %d dropped, %d unsent", self.actor_id, sent, dropped, len(pending))
        self.summary = {"actor_id": self.actor_id, "env_steps": rollout.steps_taken, "episodes": rollout.episodes,
                        "successes": rollout.successes, "chunks_sent": sent, "chunks_dropped": dropped,
                        "weights_adopted": adopted, "weights_version": version,
                        "seconds": round(time.monotonic() - started, 3)}
        return self.summary

    def _send(self, control, **body):
        try:
            control.send(envelope(**body), zmq.NOBLOCK)
        except zmq.Again:
            pass

    def _encode(self, chunk, sequence, fingerprint):
        c = pb.ExperienceChunk(
            actor_id=self.actor_id, incarnation=self.incarnation, trial_id=chunk["trial_id"], sequence=sequence,
            policy_version=chunk["policy_version"], config_fingerprint=fingerprint, map_rows=chunk["map_rows"],
            map_cols=chunk["map_cols"], first_step=chunk["first_step"], trial_done=chunk["trial_done"],
            behaviour=chunk["behaviour"])
        c.observations.extend(chunk["observations"])
        c.actions.extend(chunk["actions"])
        c.rewards.extend(chunk["rewards"])
        c.next_observations.extend(chunk["next_observations"])
        c.flags.extend(chunk["flags"])
        return envelope(experience=c)
