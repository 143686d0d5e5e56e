"""``icrl-py-actor``: the command line of the Python actor."""
import argparse
import json
import logging
import os
import signal
import sys

from .actor import Actor, RefusedError

EPILOG = """\
examples:
  icrl-py-actor --learner tcp://127.0.0.1:5555                 # join a local learner
  icrl-py-actor --learner tcp://learner:5555 --envs 32 --seconds 600
  icrl-py-actor --learner tcp://learner:5555 --curve-key keys/actors.key --learner-key keys/learner.pub

The actor takes everything else from the learner: the run config (maps, trial structure,
episode limit, epsilon schedule) and the weights. It plays the model epsilon-greedily and
uniform random trials as the config's modelWeight/randomWeight say; the Swift actor's
teacher trials (oracle, Q-learning) are Swift-only. Exit status: 0 on a clean stop, 3 when
the learner refuses this actor (the reason is printed), 2 on bad arguments.
"""


def key_fields(path):
    """The ``name = value`` lines of a key file written by ``icrl keygen`` (# starts a comment)."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as error:
        raise SystemExit(f"icrl-py-actor: cannot read key file {path}: {error.strerror}")
    fields = {}
    for line in lines:
        if "=" in line and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            fields[name.strip()] = value.strip()
    return fields


def read_key_pair(path):
    """(public, secret) Z85 keys from a NAME.key file (the secret one icrl keygen writes)."""
    fields = key_fields(path)
    if "secret-key" not in fields or "public-key" not in fields:
        raise SystemExit(f"icrl-py-actor: {path} has no public-key and secret-key lines: give the .key file icrl keygen wrote")
    return fields["public-key"], fields["secret-key"]


def read_public_key(text_or_path):
    """A Z85 public key given as text (40 characters) or as a .pub/.key file."""
    if len(text_or_path) == 40 and not os.path.exists(text_or_path):
        return text_or_path
    fields = key_fields(text_or_path)
    if "public-key" not in fields:
        raise SystemExit(f"icrl-py-actor: {text_or_path} has no 'public-key = ...' line")
    return fields["public-key"]


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="icrl-py-actor", description="Join an ICRL learner as an actor: numpy transformer, Gymnasium FrozenLake.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--learner", required=True, metavar="tcp://HOST:PORT",
                   help="the learner's experience port (weights and control are the next two ports)")
    p.add_argument("--id", dest="actor_id", help="actor id, stable across restarts (default: py-HOST-PID)")
    p.add_argument("--envs", type=int, help="environments stepped in lockstep (default: the learner's rollout.environments)")
    p.add_argument("--seed", type=int, help="random seed of maps, episodes and exploration")
    p.add_argument("--seconds", type=float, help="stop after this many seconds (default: until the learner says stop)")
    p.add_argument("--weights-seconds", type=float, default=2.0,
                   help="adopt new weights at most this often; each adoption re-encodes every trial's context (default 2)")
    p.add_argument("--curve-key", metavar="NAME.key", help="this actor's CURVE key pair file, as icrl keygen writes it")
    p.add_argument("--learner-key", metavar="KEY", help="the learner's CURVE public key: Z85 text or its .pub file")
    p.add_argument("--fingerprint", metavar="HEX",
                   help="claim this config fingerprint in hello: pins the actor to one model config; the learner refuses a mismatch")
    p.add_argument("--summary-json", action="store_true", help="print a JSON summary line on exit")
    p.add_argument("--quiet", action="store_true", help="log warnings only")
    args = p.parse_args(argv)
    if (args.curve_key is None) != (args.learner_key is None):
        p.error("--curve-key and --learner-key go together")
    if args.envs is not None and args.envs < 1:
        p.error("--envs must be at least 1")
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s icrl-py-actor: %(message)s", stream=sys.stderr)
    curve = {}
    if args.curve_key:
        public, secret = read_key_pair(args.curve_key)
        curve = {"curve_public": public, "curve_secret": secret, "learner_key": read_public_key(args.learner_key)}
    fingerprint = None
    if args.fingerprint is not None:
        try:
            fingerprint = int(args.fingerprint, 16)
        except ValueError:
            p.error(f"--fingerprint {args.fingerprint!r}: expected hex digits")
    try:
        actor = Actor(args.learner, actor_id=args.actor_id, seed=args.seed, environments=args.envs,
                      max_seconds=args.seconds, weights_seconds=args.weights_seconds, fingerprint=fingerprint, **curve)
    except ValueError as error:
        p.error(str(error))
    signal.signal(signal.SIGTERM, actor.stop)
    signal.signal(signal.SIGINT, actor.stop)
    try:
        summary = actor.run()
    except RefusedError as error:
        print(f"icrl-py-actor: {error}", file=sys.stderr)
        return 3
    if args.summary_json:
        print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
