#!/usr/bin/env python3
"""Training curves from a run's metrics.jsonl as one SVG (no plotting library needed).

    python3 scripts/plot_metrics.py RUN/metrics.jsonl OUT.svg [--summary OUT.json]

Panels against wall-clock minutes: success of the model's own (ε-greedy) and the oracle's
training episodes, TD and imitation losses, updates/s and env steps/s. --summary writes
the final and averaged figures as JSON.
"""
import json
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def smooth(values, k=6):
    out = []
    for i in range(len(values)):
        window = [v for v in values[max(0, i - k + 1): i + 1] if v is not None]
        out.append(sum(window) / len(window) if window else None)
    return out


def panel(x0, y0, w, h, title, xs, series, ymax=None):
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    values = [v for _, ys in series for v in ys if v is not None]
    top = ymax if ymax is not None else (max(values) * 1.05 if values else 1)
    top = top or 1
    xmax = max(xs) if xs else 1
    px = lambda x: x0 + 50 + (x / xmax) * (w - 60)
    py = lambda y: y0 + 20 + (1 - min(y, top) / top) * (h - 50)
    out = [f'<text x="{x0 + 50}" y="{y0 + 12}" font-weight="bold">{title}</text>',
           f'<rect x="{x0 + 50}" y="{y0 + 20}" width="{w - 60}" height="{h - 50}" fill="none" stroke="#333"/>']
    for i in range(5):
        v = top * i / 4
        out.append(f'<text x="{x0 + 44}" y="{py(v) + 4:.1f}" text-anchor="end">{v:.3g}</text>')
    for i in range(5):
        m = xmax * i / 4
        out.append(f'<text x="{px(m):.1f}" y="{y0 + h - 14}" text-anchor="middle">{m:.0f} min</text>')
    for j, (name, ys) in enumerate(series):
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys) if y is not None)
        c = colours[j % len(colours)]
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.8" points="{pts}"/>')
        out.append(f'<text x="{x0 + 60 + j * 150}" y="{y0 + 34}" fill="{c}">{name}</text>')
    return out


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    rows = load(args[0])
    if not rows:
        sys.exit(f"{args[0]}: no metrics lines")
    xs = [r.get("charts/elapsed_s", 0) / 60 for r in rows]
    get = lambda k: [r.get(k) for r in rows]
    w, h = 520, 260
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{2 * h + 30}" '
             f'font-family="Helvetica, Arial, sans-serif" font-size="11">',
             '<rect width="100%" height="100%" fill="white"/>',
             f'<text x="10" y="18" font-size="14" font-weight="bold">Training run: {args[0]}</text>']
    parts += panel(0, 30, w, h, "success of training episodes (smoothed)", xs,
                   [("model (ε-greedy)", smooth(get("charts/success_model"))),
                    ("oracle teacher", smooth(get("charts/success_oracle")))], ymax=1)
    parts += panel(w, 30, w, h, "losses", xs,
                   [("TD (Huber)", smooth(get("losses/td"))), ("imitation margin", smooth(get("losses/imitation")))])
    parts += panel(0, 30 + h, w, h, "updates/s", xs, [("updates/s", smooth(get("charts/updates_per_s")))])
    parts += panel(w, 30 + h, w, h, "env steps/s received", xs, [("env steps/s", smooth(get("charts/env_steps_per_s")))])
    parts.append("</svg>")
    with open(args[1], "w") as f:
        f.write("\n".join(parts) + "\n")
    if "--summary" in args:
        last = rows[-1]
        keys = ["charts/updates", "charts/env_steps_received", "charts/elapsed_s", "charts/success_model",
                "charts/success_oracle", "losses/td", "losses/imitation", "replay/steps", "rejected/total",
                "transport/lost_chunks"]
        tail = rows[-12:]
        summary = {k: last.get(k) for k in keys}
        summary["charts/success_model_last_minute"] = sum(r.get("charts/success_model", 0) for r in tail) / len(tail)
        summary["charts/updates_per_s_mean"] = last.get("charts/updates", 0) / max(1e-9, last.get("charts/elapsed_s", 1))
        with open(args[args.index("--summary") + 1], "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
    print(f"wrote {args[1]}")


if __name__ == "__main__":
    main()
