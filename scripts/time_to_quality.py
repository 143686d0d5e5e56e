#!/usr/bin/env python3
"""The time-to-quality curve from scored kept checkpoints (scripts/time_to_quality.sh).

    python3 scripts/time_to_quality.py EVAL.jsonl RUN_FOLDER OUT_PREFIX [--compare OTHER.json ...]

Reads `icrl eval`'s JSON lines for agents `model:minute-MMM`, the updates and env steps each
checkpoint stored (its safetensors header), and writes OUT_PREFIX.json (minute, updates,
validation mean, episode-1 and episode-5 success) and OUT_PREFIX.svg (mean against minutes;
--compare adds other runs' curves, for recipe changes scored at equal wall-clock).
"""
import json
import os
import struct
import sys


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        if n > 1 << 24:
            raise ValueError(f"{path}: header of {n} bytes is not a checkpoint")
        return json.loads(f.read(n)).get("__metadata__", {})


def curve(jsonl, run):
    points = []
    with open(jsonl) as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            agent = row.get("agent", "")
            if not agent.startswith("model:minute-"):
                continue
            stem = agent.split(":", 1)[1]
            minute = float(stem.split("-", 1)[1])
            counters = {}
            path = os.path.join(run, "checkpoints", stem + ".safetensors")
            if os.path.exists(path):
                counters = json.loads(header(path).get("counters", "{}"))
            by_episode = row["success_by_episode"]
            points.append({"minute": minute, "updates": counters.get("updates"),
                           "env_steps_received": counters.get("env_steps_received"),
                           "validation_mean": row["mean_success"], "maps": row["maps"],
                           "episode_1": by_episode[0], "episode_5": by_episode[4] if len(by_episode) > 4 else None})
    return sorted(points, key=lambda p: p["minute"])


def svg(curves, title):
    w, h, left, top, right, bottom = 640, 360, 60, 40, 20, 50
    xmax = max(p["minute"] for _, pts in curves for p in pts)
    px = lambda x: left + x / xmax * (w - left - right)
    py = lambda y: top + (1 - y) * (h - top - bottom)
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="Helvetica, Arial, sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="20" font-size="13" font-weight="bold">{title}</text>',
           f'<rect x="{left}" y="{top}" width="{w - left - right}" height="{h - top - bottom}" fill="none" stroke="#333"/>']
    for i in range(6):
        y = i / 5
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.1f}</text>')
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#ddd"/>')
    for _, pts in curves[:1]:
        for p in pts:
            out.append(f'<text x="{px(p["minute"]):.1f}" y="{h - bottom + 16}" text-anchor="middle">{p["minute"]:g}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">minutes of training (2 actors)</text>')
    out.append(f'<text x="14" y="{(top + h - bottom) / 2}" transform="rotate(-90 14 {(top + h - bottom) / 2})" text-anchor="middle">validation mean success (30 episodes)</text>')
    for j, (label, pts) in enumerate(curves):
        c = colours[j % len(colours)]
        xy = " ".join(f'{px(p["minute"]):.1f},{py(p["validation_mean"]):.1f}' for p in pts)
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{xy}"/>')
        for p in pts:
            out.append(f'<circle cx="{px(p["minute"]):.1f}" cy="{py(p["validation_mean"]):.1f}" r="3" fill="{c}"/>')
        out.append(f'<text x="{left + 10}" y="{top + 16 + 14 * j}" fill="{c}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    jsonl, run, prefix = args[:3]
    points = curve(jsonl, run)
    if not points:
        sys.exit(f"{jsonl}: no model:minute-MMM rows (score the kept checkpoints with icrl eval first)")
    with open(prefix + ".json", "w") as f:
        json.dump({"run": run, "points": points}, f, indent=1)
    curves = [(os.path.basename(run.rstrip("/")), points)]
    if "--compare" in args:
        for other in args[args.index("--compare") + 1:]:
            with open(other) as f:
                data = json.load(f)
            curves.append((os.path.basename(data["run"].rstrip("/")), data["points"]))
    with open(prefix + ".svg", "w") as f:
        f.write(svg(curves, "Time to quality: validation mean of the weights kept during training"))
    for p in points:
        print(f'{p["minute"]:6g} min  {p["updates"] or 0:6d} updates  validation mean {p["validation_mean"]:.3f}  '
              f'episode 1 {p["episode_1"]:.3f}  episode 5 {p["episode_5"]:.3f}')
    print(f"wrote {prefix}.json and {prefix}.svg")


if __name__ == "__main__":
    main()
