"""The calibration section of docs/VALIDATION.md, in one command:

    python3 docs/calibration.py [SEEDS] [DATA] [CONFIGS]

For each shipped region, runs the default scenario under its own regime for one measured year
after the warm-up (seeds 1..SEEDS, default 5) and compares each trust's elective waiting list —
the mean of the month-end censuses of that year, summed over its elective services — and the
share of it within 18 weeks with the reference-year targets the scenario starts from (the
admitted RTT list of March 2024, as `ccsim scenario build --rtt` derives it; configs/source/
README.md). Then runs 10 measured years (seed 1) and gives the whole list's yearly means, to show
whether it holds. Then compares each trust's emergency admissions in the measured year (its
emergency medicine, paediatrics and emergency gynaecology episodes) with the A&E file's for
2023/24 from the area's residents: each trust's (and its predecessors') admissions × the share of its patients who live
in the scenario's districts (OHID catchments; DATA, default tests/data/ons-nhs, holds the
extracts). CONFIGS (default configs) is the directory of the scenarios compared:
configs/calibrated for the calibrated ones. Last, what sets the shares within 18 weeks: across
both regions' trusts, rank correlations of the shares and their gaps with each trust's list in
weeks of its planned elective throughput and with its pathway before the decision to admit.
Prints Markdown. Uses target/release/ccsim (`cargo build --release`).
"""

import csv
import json
import os
import statistics
import subprocess
import sys

CCSIM = os.path.join("target", "release", "ccsim")
REGIONS = ["cheshire-merseyside", "west-mercia"]
# Trusts whose predecessors' A&E rows count as theirs (as `scenario build` takes their lists).
PREDECESSORS = {"RBN": ["RVY"]}
EMERGENCY = ["emergency_medicine", "paediatrics", "emergency_gynaecology"]


def admissions(data):
    """Emergency admissions by trust code, April 2023 to March 2024, and the months reported."""
    out = {}
    with open(os.path.join(data, "ae_trust_monthly_2021-04_2025-07_healthyr.csv")) as f:
        for row in csv.DictReader(f):
            if "2023-04" <= row["month"] <= "2024-03" and row["total_emergency_admissions"] not in ("", "NA"):
                n, months = out.get(row["provider_code"], (0.0, 0))
                out[row["provider_code"]] = (n + float(row["total_emergency_admissions"]), months + 1)
    return out


def from_area(data, districts):
    """Each trust's share of patients from `districts` (OHID acute trust catchments, 2022 release)."""
    out = {}
    with open(os.path.join(data, "flow_trust_from_ltla21_2022release_geographr.csv")) as f:
        for row in csv.DictReader(f):
            if row["ltla21_code"] in districts:
                code = row["nhs_trust22_code"]
                out[code] = out.get(code, 0.0) + float(row["proportion_trust_came_from_ltla"])
    return out


def run(config, seed, years, timeseries=False):
    args = [CCSIM, "run", config, "--seed", str(seed), "--years", str(years), "--compact"]
    if timeseries:
        args.append("--timeseries")
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def targets(config):
    """Each listed provider's start list: (name, patients, share within 18 weeks)."""
    scenario = json.load(open(config))
    out = {}
    for p in scenario["providers"]:
        lists = [s["waiting_list"] for s in p["services"].values() if "waiting_list" in s]
        if lists:
            n = sum(x["patients"] for x in lists)
            within = sum(x["patients"] * x["within_18_weeks"] for x in lists) / max(n, 1)
            out[p["id"]] = (p.get("trust", p["id"]), p["name"], n, within)
    return out


def modelled(result, ids):
    """Each provider's mean list over the measured year and the share of it within 18 weeks."""
    out = {}
    for p in result["providers"]:
        if p["id"] not in ids:
            continue
        size = within = 0.0
        for s in p["services"].values():
            n = s.get("list_size") or 0.0
            size += n
            within += n * (s.get("list_within_18_weeks") or 0.0)
        out[p["id"]] = (size, within / size if size > 0 else None)
    return out


def emergency_observed(config, reference, data):
    """Each provider with emergency services and an A&E row (not one brought in from outside for
    one service): (trust code, name, the trust's 2023/24 admissions, of them the area's residents)."""
    scenario = json.load(open(config))
    share = from_area(data, {l.get("district", l["id"]) for l in scenario["localities"]})
    outside = {line.split(" ")[0] for line in scenario["sources"] if ": outside the area" in line}
    out = {}
    for p in scenario["providers"]:
        code = p.get("trust")
        # Providers brought in from outside for one service hold only part of their activity.
        if not code or p["id"] in outside or not any(s in p["services"] for s in EMERGENCY):
            continue
        codes = [code] + PREDECESSORS.get(code, [])
        whole = sum(reference.get(c, (0.0, 0))[0] for c in codes)
        real = sum(reference.get(c, (0.0, 0))[0] * share.get(c, 1.0) for c in codes)
        if real > 0:
            out[p["id"]] = (code, p["name"], whole, real)
    return out


def emergency_table(config, result_runs, reference, data):
    """Each acute trust's emergency admissions, model (mean over seeds) against the A&E file's
    admissions of the area's residents."""
    print("| trust | A&E file 2023/24 | of them the area's residents | model, one year | gap |")
    print("|---|---|---|---|---|")
    inside = counted = 0
    for pid, (code, name, whole, real) in emergency_observed(config, reference, data).items():
        model = sum(
            sum(q["services"].get(s, {}).get("treated", 0) for s in EMERGENCY)
            for r in result_runs
            for q in r["providers"]
            if q["id"] == pid
        ) / len(result_runs)
        gap = (model - real) / real
        counted += 1
        inside += abs(gap) <= 0.15
        print(f"| {code} {name} | {whole:,.0f} | {real:,.0f} | {model:,.0f} | {100 * gap:+.0f}% |")
    print(f"\n{inside} of {counted} trusts within ±15%.\n")


def finance_line(config, results):
    """The providers' position in the measured year against the reported one the scenario's fixed
    costs were set from (its `Fixed costs:` source line)."""
    scenario = json.load(open(config))
    target = next((line for line in scenario["sources"] if line.startswith("Fixed costs:")), None)
    margins = [r["summary"]["finance"]["provider_margin"] for r in results]
    deficit = [r["summary"]["finance"]["providers_in_deficit"] for r in results]
    n = len(results[0]["providers"])
    mean = sum(margins) / len(margins)
    print(
        f"Providers' position (surplus over income, as trusts report it): {100 * mean:+.2f}% "
        f"(seeds: {', '.join(f'{100 * m:+.2f}%' for m in margins)}); in deficit "
        f"{sum(deficit) / len(deficit):.1f} of {n} providers."
        + (f" Target: {target.split('leaves the area' + chr(39) + 's providers together at ')[1].split(' (Nuffield')[0]} (Nuffield Trust, 2023/24 accounts)." if target else "")
        + "\n"
    )


def beds_table(config, results):
    """Each trust's general and acute bed occupancy in the measured year against its 2023/24 mean
    (the bed file's occupied over available beds, which the build writes as `occupancy`), and the
    electives cancelled for want of a bed."""
    scenario = json.load(open(config))
    with_beds = [p for p in scenario["providers"] if "beds" in p and "occupancy" in p]
    if not with_beds:
        print("No provider has shared beds.\n")
        return
    print("| trust | beds at the start | occupancy 2023/24 | model, one year | gap (points) |")
    print("|---|---|---|---|---|")
    inside = 0
    for p in with_beds:
        values = [q["bed_occupancy"] for r in results for q in r["providers"] if q["id"] == p["id"]]
        model = sum(values) / len(values)
        points = 100 * (model - p["occupancy"])
        inside += abs(points) <= 5
        print(
            f"| {p.get('trust', '')} {p['name']} | {p['beds']:,.0f} | {100 * p['occupancy']:.1f}% | "
            f"{100 * model:.1f}% | {points:+.1f} |"
        )
    print(f"\n{inside} of {len(with_beds)} trusts within ±5 points.\n")
    summaries = [r["summary"]["providers"] for r in results]
    cancelled = [s.get("cancelled_for_beds") or 0.0 for s in summaries]
    dropped = [s.get("cancelled_not_rebooked") for s in summaries]
    dropped = [d for d in dropped if d is not None]
    print(
        f"Electives cancelled for want of a bed: {100 * sum(cancelled) / len(cancelled):.2f}% of elective episodes "
        + (f"(of them {100 * sum(dropped) / len(dropped):.1f}% not given again within 28 days)" if dropped else "")
        + " (England: under 1% of elective activity cancelled at the last minute for non-clinical reasons "
        "since 2002, Quinn et al., Lancet Regional Health – Europe 2025; 6.3% of them not treated within "
        "28 days in October–December 2014, NHS England).\n"
    )


# Smallest target list whose share within 18 weeks the diagnostic counts (Clatterbridge's 19
# patients give a share of 0 or 1 by chance).
MIN_LIST = 100


def ranks(values):
    """Ranks from 1, ties given their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x, y):
    """Spearman's rank correlation: Pearson's on the ranks."""
    return statistics.correlation(ranks(x), ranks(y))


def list_shape(config):
    """Each listed provider's list in weeks of its planned elective throughput (the listed
    services' patients over their capacity) and its pathway before the decision to admit."""
    out = {}
    for p in json.load(open(config))["providers"]:
        listed = [s for s in p["services"].values() if "waiting_list" in s]
        capacity = sum(s.get("capacity", 0.0) for s in listed)
        if listed and capacity > 0:
            patients = sum(s["waiting_list"]["patients"] for s in listed)
            out[p["id"]] = (patients / capacity, listed[0].get("weeks_before_decision", 0.0))
    return out


def shares_diagnostic(rows):
    """What sets the shares within 18 weeks, from (target share, model share, weeks, before) rows."""
    target, model, weeks, before = (list(c) for c in zip(*rows))
    gap = [m - t for t, m in zip(target, model)]
    sd = statistics.pstdev
    print(
        f"What sets the shares within 18 weeks ({len(rows)} trusts of both regions with target lists of "
        f"{MIN_LIST} or more; Spearman's rank correlations): a trust's gap ranks with its list's length "
        f"in weeks of its planned elective throughput ({spearman(gap, weeks):+.2f}) and hardly with its "
        f"pathway before the decision to admit ({spearman(gap, before):+.2f}). The model's shares rank "
        f"with both (weeks {spearman(model, weeks):+.2f}, pathway {spearman(model, before):+.2f}); the "
        f"targets' with the pathway ({spearman(target, before):+.2f}) and not with the weeks "
        f"({spearman(target, weeks):+.2f}); and the model's shares spread wider than the targets' "
        f"(sd {100 * sd(model):.1f} against {100 * sd(target):.1f} points).\n"
    )


def main(seeds, data, configs="configs"):
    print(f"Seeds 1–{seeds}, one measured year after the 52-week warm-up, each region's default regime;")
    print("the model's list is the mean of the year's month-end censuses. Tolerances:")
    print("list within ±25%, share within 18 weeks within ±10 points; bed occupancy within ±5 points.\n")
    diagnostic = []
    for region in REGIONS:
        config = f"{configs}/{region}.json"
        want = targets(config)
        shape = list_shape(config)
        results = [run(config, seed, 1) for seed in range(1, seeds + 1)]
        runs = [modelled(r, want) for r in results]
        print(f"**{region}**\n")
        print("| trust | target list | model list | gap | target within 18 wk | model within 18 wk | gap (points) |")
        print("|---|---|---|---|---|---|---|")
        total_target = total_model = 0.0
        inside = 0
        for pid, (code, name, n, within) in want.items():
            size = sum(r[pid][0] for r in runs) / len(runs)
            shares = [r[pid][1] for r in runs if r[pid][1] is not None]
            share = sum(shares) / len(shares) if shares else None
            total_target += n
            total_model += size
            gap = (size - n) / n
            points = None if share is None else 100 * (share - within)
            inside += abs(gap) <= 0.25 and points is not None and abs(points) <= 10
            if share is not None and n >= MIN_LIST and pid in shape:
                diagnostic.append((within, share, *shape[pid]))
            print(
                f"| {code} {name} | {n:,} | {size:,.0f} | {100 * gap:+.0f}% | {100 * within:.1f}% | "
                + ("–" if share is None else f"{100 * share:.1f}%")
                + " | "
                + ("–" if points is None else f"{points:+.1f}")
                + " |"
            )
        print(
            f"| **all** | {total_target:,.0f} | {total_model:,.0f} | {100 * (total_model - total_target) / total_target:+.0f}% | | | |\n"
        )
        print(f"{inside} of {len(want)} trusts inside both tolerances.\n")
        series = run(config, 1, 10, timeseries=True)["timeseries"]
        waiting = series["waiting"]
        years = [sum(waiting[i : i + 52]) / 52 for i in range(52, len(waiting) - 51, 52)]
        print(
            "Whole list, yearly means of the weekly count (seed 1, years 1–10 after the warm-up): "
            + ", ".join(f"{y:,.0f}" for y in years)
            + f"; year 10 / year 1 = {years[-1] / years[0]:.2f}.\n"
        )
        print(f"Emergency admissions (emergency medicine, paediatrics and emergency gynaecology, same runs as the lists):\n")
        emergency_table(config, results, admissions(data), data)
        print("General and acute bed occupancy (same runs):\n")
        beds_table(config, results)
        finance_line(config, results)
    shares_diagnostic(diagnostic)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 5,
        sys.argv[2] if len(sys.argv) > 2 else "tests/data/ons-nhs",
        sys.argv[3] if len(sys.argv) > 3 else "configs",
    )
