"""Why some trusts' shares within 18 weeks miss their targets, and what would not mend them:

    python3 docs/shares.py [SEEDS] [DATA] [CONFIGS]

A section of docs/VALIDATION.md. Each listed trust's list is served in order within two
priorities: a share u of the patients put on it are urgent and treated first, the rest wait in
turn. Where its elective capacity matches its referrals, its list holds W weeks of throughput,
routine patients wait W / (1 − u) weeks on it, and at a census their time on it is spread evenly
over that; each patient's clock had already run through the pathway before the decision to
admit, one of the eight equal-probability band medians o of an exponential of the trust's mean.
The share within 18 weeks is then the mean over the bands of min(1, (19 − o)⁺ / (W / (1 − u))),
a closed form of the mechanism. It is checked against the simulated shares (seeds 1..SEEDS,
default 5, as docs/calibration.py runs them), and then asked what else would bring the trusts'
shares to their targets: other urgent shares; a share of routine patients treated at random
rather than in turn; each list split into specialties whose lengths in weeks differ; elective
throughput not all on the RTT list; a pathway before the decision fitted to each trust. Last,
England's NHS trusts in the RTT file's months: does a real list's share within 18 weeks follow
its length in weeks of its own admitted completions? DATA (default tests/data/ons-nhs) holds the
RTT extract, CONFIGS (default configs) the scenarios. Prints Markdown. Uses target/release/ccsim.
"""

import csv
import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calibration import MIN_LIST, REGIONS, list_shape, modelled, run, spearman, targets  # noqa: E402

BANDS = 8
TOLERANCE = 0.10


def band_medians(mean):
    """The pathway's band medians in whole weeks, as the engine draws them (`Before::exponential`)."""
    return [min(255, round(-mean * math.log(1 - (b + 0.5) / BANDS))) for b in range(BANDS)]


def in_turn(wait, limit):
    """Share of a list's routine patients, served in turn for `wait` weeks, on it under `limit` weeks."""
    return min(1.0, max(0.0, limit) / wait) if wait > 0 else float(limit > 0)


def at_random(wait, limit, phi):
    """The same when a share `phi` of routine treatments picks a patient at random: a patient's
    time on the list then has density ∝ exp(−r x) up to T, r = phi / wait, T = −wait ln(1 − phi) / phi
    (so that the list still holds `wait` weeks of routine patients)."""
    if phi <= 0:
        return in_turn(wait, limit)
    r = phi / wait
    end = -wait * math.log(1 - phi) / phi
    return (1 - math.exp(-r * min(end, max(0.0, limit)))) / (1 - math.exp(-r * end))


def share(weeks, before, urgent=0.45, phi=0.0, spread=0.0, rtt=1.0):
    """The census share within 18 weeks of a list `weeks` long in weeks of its throughput."""
    medians = band_medians(before)
    # Specialties: lengths weeks × m, m lognormal with mean 1 over referrals; a specialty's part
    # of the census is in proportion to its length.
    grid = [-2 + 4 * (k + 0.5) / 9 for k in range(9)] if spread > 0 else [0.0]
    num = den = 0.0
    for z in grid:
        m = math.exp(spread * z - spread * spread / 2)
        weight = math.exp(-z * z / 2) * m
        wait = weeks * m / rtt / (1 - urgent)
        num += weight * sum(at_random(wait, 19 - o, phi) for o in medians) / BANDS
        den += weight
    return num / den


def fitted_before(weeks, target, urgent):
    """The mean pathway before the decision that gives `target`; None if even none falls short."""
    if share(weeks, 0.0, urgent) < target:
        return None
    lo, hi = 0.0, 500.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share(weeks, mid, urgent) > target else (lo, mid)
    return lo


def england(data):
    """Per month of the RTT file, across NHS trusts with admitted lists of 1,000 or more and 100 or
    more admitted completions: (trusts, Spearman of the share within 18 weeks with the list's weeks
    of the month's completions, and with the share of the non-admitted pathways within 18 weeks)."""
    rows = {}
    with open(os.path.join(data, "rtt_provider_by_part_2021.csv")) as f:
        for r in csv.DictReader(f):
            rows.setdefault((r["month"], r["provider_code"]), {})[r["rtt_type"]] = r
    out = {}
    for (month, code), parts in sorted(rows.items()):
        listed = parts.get("Incomplete Pathways with DTA")
        done = parts.get("Completed Pathways For Admitted Patients")
        whole = parts.get("Incomplete Pathways")
        if not code.startswith("R") or not (listed and done and whole):
            continue
        n, completed, total = (int(x["total_pathways"]) for x in (listed, done, whole))
        if n < 1000 or completed < 100 or total <= n:
            continue
        over = int(whole["count_wait_more_18_weeks"]) - int(listed["count_wait_more_18_weeks"])
        out.setdefault(month, []).append(
            (1 - float(listed["perc_wait_more_18_weeks"]), n / (completed * 12 / 52), 1 - over / (total - n))
        )
    return {
        m: (len(v), spearman([s for s, _, _ in v], [w for _, w, _ in v]), spearman([s for s, _, _ in v], [a for _, _, a in v]))
        for m, v in out.items()
    }


def urgent_shares(config):
    """Each listed provider's urgent share: its first listed service's."""
    scenario = json.load(open(config))
    out = {}
    for p in scenario["providers"]:
        listed = [sid for sid, s in p["services"].items() if "waiting_list" in s]
        if listed:
            out[p["id"]] = scenario["services"][listed[0]].get("urgent_share", 0.0)
    return out


def fit(trusts, **alternative):
    """Root mean square gap (points), trusts within tolerance, and each gap, under an alternative."""
    gaps = [share(w, b, **{"urgent": u, **alternative}) - t for _, t, w, b, u, _ in trusts]
    rms = 100 * math.sqrt(sum(g * g for g in gaps) / len(gaps))
    return rms, sum(abs(g) <= TOLERANCE + 1e-9 for g in gaps), gaps


def main(seeds, data, configs="configs"):
    trusts = []  # (code, target, weeks, before, urgent, simulated)
    for region in REGIONS:
        config = f"{configs}/{region}.json"
        want = targets(config)
        shape = list_shape(config)
        urgent = urgent_shares(config)
        runs = [modelled(run(config, seed, 1), want) for seed in range(1, seeds + 1)]
        for pid, (code, _, n, within) in want.items():
            simulated = [r[pid][1] for r in runs if r[pid][1] is not None]
            if n >= MIN_LIST and pid in shape and simulated:
                weeks, before = shape[pid]
                trusts.append((code, within, weeks, before, urgent[pid], sum(simulated) / len(simulated)))
    closed = [share(w, b, u) for _, _, w, b, u, _ in trusts]
    simulated = [s for *_, s in trusts]
    diff = [100 * (c - s) for c, s in zip(closed, simulated)]
    print(f"**The closed form against the simulation** ({len(trusts)} trusts of both regions with target lists of {MIN_LIST} or more, seeds 1–{seeds}):")
    print(
        f"the closed form's shares differ from the simulated by {statistics.mean(abs(d) for d in diff):.1f} points on "
        f"average (at most {max(diff, key=abs):+.1f}); rank correlation {spearman(closed, simulated):+.2f}.\n"
    )
    print("| trust | weeks of throughput | pathway before the decision (mean weeks) | target | simulated | closed form | pathway that would give the target |")
    print("|---|---|---|---|---|---|---|")
    for (code, target, weeks, before, u, sim), c in zip(trusts, closed):
        b = fitted_before(weeks, target, u)
        print(
            f"| {code} | {weeks:.1f} | {before:.1f} | {100 * target:.1f}% | {100 * sim:.1f}% | {100 * c:.1f}% | "
            + ("none (too short even with none)" if b is None else f"{b:.1f}")
            + " |"
        )
    print()
    print("**What else would bring the shares to their targets** (the closed form, all trusts at once):\n")
    print("| mechanism | root mean square gap (points) | trusts within ±10 points |")
    print("|---|---|---|")
    rows = [("as built (urgent shares as shipped, lists in turn)", {})]
    rows += [(f"urgent share {u} for every list", {"urgent": u}) for u in (0.0, 0.2, 0.3, 0.6)]
    rows += [(f"{int(100 * p)}% of routine treatments at random, not in turn", {"phi": p}) for p in (0.25, 0.5, 0.9)]
    rows += [(f"specialties' lengths spread lognormally, sd {s}", {"spread": s}) for s in (0.5, 1.0)]
    rows += [(f"{int(100 * r)}% of elective throughput on the RTT list", {"rtt": r}) for r in (0.8, 0.6)]
    for name, alternative in rows:
        rms, inside, _ = fit(trusts, **alternative)
        print(f"| {name} | {rms:.1f} | {inside} of {len(trusts)} |")
    fitted = [fitted_before(w, t, u) for _, t, w, _, u, _ in trusts]
    found = [b for b in fitted if b is not None]
    print(
        f"\nA pathway before the decision fitted to each trust would meet {len(found)} of {len(trusts)} targets, with "
        f"means from {min(found):.1f} to {max(found):.1f} weeks (as built, from the non-admitted pathways: "
        f"{min(b for _, _, _, b, _, _ in trusts):.1f} to {max(b for _, _, _, b, _, _ in trusts):.1f}).\n"
    )
    print("**England's NHS trusts in the RTT file's months** (admitted lists of 1,000 or more, 100 or more admitted completions; Spearman):\n")
    print("| month | trusts | share within 18 weeks with the list's weeks of the month's admitted completions | with the non-admitted pathways' share within 18 weeks |")
    print("|---|---|---|---|")
    for month, (n, weeks, before) in england(data).items():
        print(f"| {month} | {n} | {weeks:+.2f} | {before:+.2f} |")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 5,
        sys.argv[2] if len(sys.argv) > 2 else "tests/data/ons-nhs",
        sys.argv[3] if len(sys.argv) > 3 else "configs",
    )
