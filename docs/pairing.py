#!/usr/bin/env python3
"""Between-arm correlation and paired/unpaired interval width ratio of one metric over the
points of a two-arm sweep, from its summary.json (the sd of each arm and of their difference).
Usage: pairing.py SUMMARY_JSON [METRIC]  (default outcomes.overall.adverse_rate)"""
import json, sys, math
s = json.load(open(sys.argv[1]))
metric = sys.argv[2] if len(sys.argv) > 2 else "outcomes.overall.adverse_rate"
ratios, cors = [], []
for p in s["points"]:
    arms = list(p["arms"].values())
    if len(arms) < 2: continue
    a, b = arms[0]["metrics"][metric], arms[1]["metrics"][metric]
    d = list(p["differences"].values())[0]["metrics"][metric]
    if not (a.get("sd") and b.get("sd")) or d.get("sd") is None: continue
    va, vb, vd = a["sd"]**2, b["sd"]**2, d["sd"]**2
    ratios.append(math.sqrt(vd / (va + vb)))
    cors.append((va + vb - vd) / (2 * a["sd"] * b["sd"]))
print(f"{metric}: {len(ratios)} points, mean between-arm correlation {sum(cors)/len(cors):+.2f}, mean paired/unpaired interval width ratio {sum(ratios)/len(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f})")
