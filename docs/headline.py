"""The README's results table from the headline sweep, in one command:

    python3 docs/headline.py [DIR]

runs `ccsim sweep configs/sweeps/headline.json --out DIR -j 2` (DIR defaults to
results/headline; skipped when DIR already holds the finished sweep), exports its summary table
to DIR/summary.csv and prints a Markdown table: per region and preset the mean over replicates
of each measure, and per region the paired difference of each preset from competition with its
95% interval. Uses target/release/ccsim (build it with `cargo build --release`) and pandas.
"""

import os
import subprocess
import sys

import pandas as pd

MEASURES = [
    ("waiting.overall.mean_wait_weeks", "mean elective wait (weeks)", lambda v: f"{v:.2f}"),
    ("waiting.overall.share_within_18_weeks", "treated within 18 weeks", lambda v: f"{100 * v:.1f}%"),
    ("waiting.overall.list_size", "waiting list", lambda v: f"{v:,.0f}"),
    ("waiting.overall.list_within_18_weeks", "list within 18 weeks", lambda v: f"{100 * v:.1f}%"),
    ("access.overall.p95_minutes", "95th-pct travel (min)", lambda v: f"{v:.1f}"),
    ("access.overall.p95_km", "95th-pct travel (km)", lambda v: f"{v:.1f}"),
    ("access.overall.unmet", "sent out of the region", lambda v: f"{100 * v:.2f}%"),
    ("access.overall.choice_welfare_minutes", "choice welfare (min)", lambda v: f"{v:.1f}"),
    ("outcomes.overall.adverse_rate", "adverse rate", lambda v: f"{100 * v:.3f}%"),
    ("providers.mean_quality", "mean quality", lambda v: f"{v:.2f}"),
    ("finance.cost_per_episode", "cost per episode (£)", lambda v: f"{v:,.0f}"),
    ("finance.quality_money_share", "money for quality", lambda v: f"{100 * v:.2f}%"),
    ("finance.recovery_plans", "recovery plans", lambda v: f"{v:.1f}"),
    ("finance.failures", "failures", lambda v: f"{v:.1f}"),
    ("finance.provider_surplus", "surplus (£m/yr)", lambda v: f"{v / 10e6:.1f}"),
]


def main(out: str) -> None:
    ccsim = os.path.join("target", "release", "ccsim")
    if not os.path.exists(os.path.join(out, "summary.json")):
        subprocess.run([ccsim, "sweep", "configs/sweeps/headline.json", "--out", out, "-j", "2", "--quiet"], check=True)
    path = os.path.join(out, "summary.csv")
    subprocess.run([ccsim, "export", out, "--table", "summary", "--format", "csv", "--out", path], check=True)
    d = pd.read_csv(path)
    print("| scenario | regime | " + " | ".join(label for _, label, _ in MEASURES) + " |")
    print("|---" * (len(MEASURES) + 2) + "|")
    for scenario, g in d.groupby("parameter.scenario", sort=False):
        for target, t in g.groupby("target", sort=False):
            cells = []
            for metric, _, show in MEASURES:
                row = t[t.metric == metric].iloc[0]
                value = show(row["mean"])
                if row["kind"] == "difference" and pd.notna(row["lower"]):
                    value += f" [{show(row['lower'])}, {show(row['upper'])}]"
                cells.append(value)
            print(f"| {scenario} | {target} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("results", "headline"))
