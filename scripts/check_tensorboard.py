#!/usr/bin/env python3
"""Reads a run folder's TensorBoard event files with TensorBoard's own reader
(EventAccumulator) and checks them against metrics.jsonl: every finite metric is a
scalar tag, steps are learner updates, the last values agree, and after a resume no
step appears twice (the SessionLog START marker made TensorBoard drop stale points).

    python3 scripts/check_tensorboard.py RUN_FOLDER
"""
import json
import math
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main(run):
    rows = [json.loads(line) for line in open(f"{run}/metrics.jsonl") if line.strip()]
    acc = EventAccumulator(f"{run}/tb", size_guidance={"scalars": 0}, purge_orphaned_data=True)
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    problems = []
    wanted = {k for r in rows for k, v in r.items()
              if k not in ("step", "time") and isinstance(v, (int, float)) and math.isfinite(v)}
    missing = sorted(wanted - tags)
    if missing:
        problems.append(f"{len(missing)} metrics are not TensorBoard scalars, e.g. {missing[:5]}")
    updates = acc.Scalars("charts/updates") if "charts/updates" in tags else []
    steps = [e.step for e in updates]
    if len(steps) != len(set(steps)):
        problems.append(f"charts/updates has repeated steps {sorted(s for s in set(steps) if steps.count(s) > 1)[:5]}")
    if steps != sorted(steps):
        problems.append("charts/updates steps go backwards")
    last = rows[-1]
    for tag in ("charts/updates", "charts/env_steps_received", "replay/steps"):
        if tag in last and tag in tags:
            value = acc.Scalars(tag)[-1].value
            if not math.isclose(value, last[tag], rel_tol=1e-6, abs_tol=1e-6):
                problems.append(f"{tag}: TensorBoard's last value {value}, metrics.jsonl {last[tag]}")
            if acc.Scalars(tag)[-1].step != last["step"]:
                problems.append(f"{tag}: last step {acc.Scalars(tag)[-1].step}, metrics.jsonl {last['step']}")
    if problems:
        print("check_tensorboard: FAIL\n  " + "\n  ".join(problems))
        return 1
    print(f"check_tensorboard: ok — {len(tags)} scalar tags, {len(steps)} points of charts/updates "
          f"(last step {steps[-1] if steps else None}), matching metrics.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
