"""The README's sensitivity figures, in one command:

    python3 docs/sensitivity.py [DIR]

Runs `ccsim sweep configs/sweeps/sensitivity.json --out DIR -j 2` (DIR defaults to
results/sensitivity; skipped when DIR already holds the finished sweep) and `ccsim sensitivity`
on it for the paired difference in adverse outcomes and cost per episode, then counts, over the
sweep's points, where each regime wins: collaboration's adverse-outcome rate below
competition's by pathway standardisation (above and below 0.1), competition's cost per episode
below collaboration's (standardisation above 0.25, below 0.1), and the points where one regime
wins on both. Prints Markdown-ready text. Uses target/release/ccsim (`cargo build --release`).
"""

import json
import os
import subprocess
import sys

CCSIM = os.path.join("target", "release", "ccsim")
DIFF = "collaboration - competition"
ADVERSE = "outcomes.overall.adverse_rate"
COST = "finance.cost_per_episode"


def main(out):
    if not os.path.exists(os.path.join(out, "summary.json")):
        subprocess.run(
            [CCSIM, "sweep", "configs/sweeps/sensitivity.json", "--out", out, "-j", "2", "--quiet"], check=True
        )
    indices = os.path.join(out, "indices.json")
    text = subprocess.run(
        [CCSIM, "sensitivity", out, "--metric", f"{DIFF}:{ADVERSE}", "--metric", f"{DIFF}:{COST}", "--json", indices],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print("```text")
    print(text.rstrip())
    print("```")
    points = json.load(open(os.path.join(out, "summary.json")))["points"]
    rows = []
    for p in points:
        m = p["differences"][DIFF]
        m = m.get("metrics", m)
        rows.append((p["parameters"]["behaviour.standardisation"], m[ADVERSE]["mean"], m[COST]["mean"]))

    def share(selected, test):
        chosen = [r for r in rows if selected(r)]
        return sum(1 for r in chosen if test(r)), len(chosen)

    collab_better = lambda r: r[1] < 0
    comp_cheaper = lambda r: r[2] > 0
    a, n = share(lambda r: r[0] > 0.1, collab_better)
    b, m = share(lambda r: r[0] <= 0.1, collab_better)
    print(f"- collaboration's adverse rate lower at {a} of {n} points with standardisation above 0.1, "
          f"{100 * b / max(m, 1):.0f}% of the {m} below")
    c, k = share(lambda r: r[0] > 0.25, comp_cheaper)
    d, j = share(lambda r: r[0] < 0.1, comp_cheaper)
    print(f"- competition's cost per episode lower at {100 * c / max(k, 1):.0f}% of {k} points with standardisation "
          f"above 0.25, {100 * d / max(j, 1):.0f}% of the {j} below 0.1")
    both_comp = sum(1 for r in rows if r[1] > 0 and r[2] > 0)
    both_collab = sum(1 for r in rows if r[1] < 0 and r[2] < 0)
    print(f"- competition wins on both at {both_comp} of {len(rows)} points; collaboration at "
          f"{both_collab} ({100 * both_collab / len(rows):.0f}%)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("results", "sensitivity"))
