"""Writes the calibration specs of the shipped regions, configs/calibration/REGION.json:

    python3 docs/calibration_targets.py [DATA]

DATA (default tests/data/ons-nhs) holds the A&E, catchment and bed files (the extracts there give
the same figures as the full files for the two regions). Targets, each after one measured year
(2023/24), with a 95% interval that is a stated assumption where the source gives none:

- Per acute trust with an admitted waiting list in the scenario: the list at the end of 2023/24
  and its share within 18 weeks, as `ccsim scenario build --rtt` derives them (each trust's
  March 2021 admitted RTT list brought to March 2024 by England's list and shares;
  configs/source/README.md; cut to the area's residents by the trust's share of patients from
  the area's districts in OHID's catchments) — the figures each default scenario starts from and
  docs/VALIDATION.md compares it with after a year. ±25% for a list and ±10 points for a share
  (a trust's list grew at its own pace from 2021, not England's; the tolerances
  docs/VALIDATION.md holds trusts to); and the area's whole admitted list, specialist trusts'
  included. Specialist trusts' own lists are not targets: a specialist elective trust's unit
  takes its specialty's share of the area's referrals, set from its own completed pathways
  (`specialty_share`), and its capacity is planned at that share and is not a free parameter, so
  its list says little about the parameters fitted; the women's trust's gynaecology list is of
  a specialty the model's generic gynaecology does not separate.
- Per trust with emergency services (not one brought in from outside for one service): its
  emergency admissions in 2023/24 from the area's residents (NHS England A&E statistics × the
  trust's share of patients from the area's districts in OHID's catchments), against its
  emergency medicine, paediatrics and emergency gynaecology episodes; ±15% (the issue's
  tolerance: the file counts admissions, the model episodes, and the catchment share is
  modelled).
- Per general acute trust of the area: the share of its patients who live in each district
  giving it at least 15% of them (OHID acute trust catchments, 2022 release, renormalised over
  the area's districts; Mersey and West Lancashire's the two predecessors' weighted by their
  2022/23 general and acute beds), against `catchments.<provider>.<district>`; ±5 points.
  Specialist trusts' catchments are regional and the model's are not (docs/VALIDATION.md), so
  they are not targets.
- The area's providers' financial position (surplus over income) against their NHS region's
  trusts' in 2023/24 (the Nuffield Trust figure each scenario's fixed costs were set from);
  ±1.5 points (the area's trusts are a part of the region).
- The nursing vacancy rate against England's at March 2024 (7.8%, NHS Vacancy Statistics, as
  configs/source/README.md); ±2.5 points (regions differ, and the rate moved within the year).

- Per general acute trust with shared beds: its general and acute bed occupancy over 2023/24
  (occupied over available beds, April 2023–March 2024, NHS England's bed file), against
  `providers.<id>.bed_occupancy`; ±5 points (the issue's tolerance).

Agency spending is not a target: NHS trusts spent £3.02 billion on agency staff in 2023/24 (NHS
England financial performance reports), but no 2023/24 share of the pay bill was to hand to set
the model's share against.

Free parameters: those with no published source that move these figures, each with a prior
around its default wide enough to be uninformative — the elective parameters (`choice.beta_wait`,
`behaviour.backlog_weeks`, `behaviour.capacity_slack`), the two travel-time weights of choice
(`choice.beta_minutes` and `choice.beta_minutes_emergency`, fitted by docs/VALIDATION.md's
catchment fit, whose grid leaves the emergency weight flat above about 3), the cost of quality
(`behaviour.quality_cost`, κ, which moves what providers spend); adults' and older residents'
elective referral rates; the urgent share of each elective service's listed patients
(`services.<id>.urgent_share`, 0.45 from a COVID-era month's admitted pathways, free within its
sensitivity range 0.2–0.6), which sets how the lists' waits spread; and each general acute
trust's elective surgery capacity (episodes a week), which `scenario build` plans from the
model's own routing rather than from the trust's activity. Not free: the occupancy to which
elective admissions may fill shared beds (`behaviour.elective_bed_limit`, 1: electives cancelled
only when every bed is taken). Below a trust's own occupancy, at which its beds are planned, it
cancels electives in every week above the mean; free within 0.85–1 its posterior kept its prior
(median 0.91), and at that median Cheshire & Merseyside cancelled 21% of its electives and its
list grew 5.75-fold in ten years — a rule the one-year targets cannot reject and the lists'
trajectory does.
"""

import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from calibration import REGIONS, admissions, emergency_observed, targets  # noqa: E402

ELECTIVE = ["elective_surgery", "gynaecology"]
SOURCE = (
    "NHS England RTT statistics, admitted pathways (Incomplete Pathways with DTA), March 2021, "
    "rtt_provider_by_part_2021.csv, brought to March 2024 by England's list (7.54 m / 4.97 m) and "
    "shares over 18 weeks (× 42.8% / 35.6%), as `ccsim scenario build --rtt` (configs/source/README.md)"
)
PARAMETERS = {
    "choice.beta_wait": {"distribution": "log_uniform", "min": 0.002, "max": 0.2},
    "choice.beta_minutes": {"distribution": "log_uniform", "min": 0.05, "max": 1.0},
    "choice.beta_minutes_emergency": {"distribution": "log_uniform", "min": 0.3, "max": 10.0},
    "behaviour.backlog_weeks": {"min": 13, "max": 156},
    "behaviour.capacity_slack": {"min": 0.0, "max": 0.15},
    "behaviour.quality_cost": {"distribution": "log_uniform", "min": 100, "max": 900},
    "services.elective_surgery.urgent_share": {"min": 0.2, "max": 0.6},
    "services.gynaecology.urgent_share": {"min": 0.2, "max": 0.6},
}
EMERGENCY = ["emergency_medicine", "paediatrics", "emergency_gynaecology"]
# Trusts whose predecessors' catchments count as theirs, weighted by 2022/23 beds.
PREDECESSORS = {"RBN": ["RVY"]}
SHARE_FLOOR = 0.15
YEAR = "2023/24 (the first measured year)"


def first_year_beds(data):
    """Each trust's mean general and acute beds over April 2022 to March 2023."""
    months = {f"{m} 2022" for m in ["April", "May", "June", "July", "August", "September", "October", "November", "December"]}
    months |= {f"{m} 2023" for m in ["January", "February", "March"]}
    out = {}
    with open(os.path.join(data, "england_trust_ga_critical_beds_2022_2025.csv")) as f:
        for row in csv.DictReader(f):
            if row["date"] in months and row["general_acute_beds_available"] not in ("", "NA"):
                n, k = out.get(row["nhs_trust22_code"], (0.0, 0))
                out[row["nhs_trust22_code"]] = (n + float(row["general_acute_beds_available"]), k + 1)
    return {code: n / k for code, (n, k) in out.items()}


def occupancy(data):
    """Each trust's general and acute bed occupancy over April 2023 to March 2024 (occupied over
    available beds, summed over the months reporting both)."""
    months = {f"{m} 2023" for m in ["April", "May", "June", "July", "August", "September", "October", "November", "December"]}
    months |= {f"{m} 2024" for m in ["January", "February", "March"]}
    out = {}
    with open(os.path.join(data, "england_trust_ga_critical_beds_2022_2025.csv")) as f:
        for row in csv.DictReader(f):
            a, o = row["general_acute_beds_available"], row["general_acute_beds_occupied"]
            if row["date"] in months and a not in ("", "NA") and o not in ("", "NA") and float(a) > 0:
                x, y = out.get(row["nhs_trust22_code"], (0.0, 0.0))
                out[row["nhs_trust22_code"]] = (x + float(o), y + float(a))
    return {code: o / a for code, (o, a) in out.items()}


def catchments(data):
    """Each trust's share of patients by district (OHID acute trust catchments, 2022 release)."""
    out = {}
    with open(os.path.join(data, "flow_trust_from_ltla21_2022release_geographr.csv")) as f:
        for row in csv.DictReader(f):
            out.setdefault(row["nhs_trust22_code"], {})[row["ltla21_code"]] = float(row["proportion_trust_came_from_ltla"])
    return out


def catchment_targets(scenario, data):
    """Each general acute trust's share of patients from each district giving it at least
    SHARE_FLOOR of them, renormalised over the area's districts."""
    real = catchments(data)
    beds = first_year_beds(data)
    districts = {l.get("district", l["id"]) for l in scenario["localities"]}
    outside = {line.split(" ")[0] for line in scenario["sources"] if ": outside the area" in line}
    out = []
    for p in scenario["providers"]:
        code = p.get("trust")
        if p["kind"] != "dgh" or p["id"] in outside or not code:
            continue
        codes = [c for c in [code] + PREDECESSORS.get(code, []) if c in real]
        if not codes:
            continue
        weight = {c: (beds.get(c, 0.0) if len(codes) > 1 else 1.0) for c in codes}
        merged = {}
        for c in codes:
            for d, x in real[c].items():
                if d in districts:
                    merged[d] = merged.get(d, 0.0) + weight[c] * x
        total = sum(merged.values())
        if total <= 0:
            continue
        for d, x in sorted(merged.items()):
            share = x / total
            if share >= SHARE_FLOOR:
                out.append((p["id"], code, p["name"], d, share, codes))
    return out


def rates(scenario):
    """Adults' and older residents' elective surgery referral rates, free within 0.3 to 1.2 times
    the national rates: those are all elective admissions (Hospital Episode Statistics), more than
    the RTT admitted pathways the lists are counted in."""
    r = scenario["services"]["elective_surgery"]["referral_rate"]
    return {
        f"services.elective_surgery.referral_rate.{band}": {"min": round(0.3 * r[band], 2), "max": round(1.2 * r[band], 2)}
        for band in ("adults", "older")
    }


def capacities(scenario):
    """Each general acute trust's elective surgery capacity, free within 0.3 to 1.5 times the
    planned (planned from the model's own routing, not from the trust's activity)."""
    out = {}
    for p in scenario["providers"]:
        if p["kind"] == "dgh" and "elective_surgery" in p["services"]:
            c = p["services"]["elective_surgery"]["capacity"]
            out[f"providers.{p['id']}.services.elective_surgery.capacity"] = {
                "min": round(0.3 * c, 1),
                "max": round(1.5 * c, 1),
            }
    return out


def spec(region, data):
    config = f"configs/{region}.json"
    scenario = json.load(open(config))
    offers = {p["id"]: [s for s in ELECTIVE if s in p["services"]] for p in scenario["providers"]}
    offers_all = {p["id"]: list(p["services"]) for p in scenario["providers"]}
    kinds = {p["id"]: p["kind"] for p in scenario["providers"]}
    out = []
    listed = targets(config)
    total = sum(n for (_, _, n, _) in listed.values())
    out.append(
        {
            "name": "the area's admitted list",
            "metric": [f"providers.{pid}.services.{s}.list_size" for pid in listed for s in offers[pid]],
            "observed": total,
            "interval": [round(0.75 * total, 1), round(1.25 * total, 1)],
            "source": f"every listed trust of the area: {SOURCE}",
            "period": "end of 2023/24 (month-end censuses of the first measured year)",
        }
    )
    for pid, (code, name, n, within) in listed.items():
        if kinds[pid] != "dgh":
            continue
        services = offers[pid]
        lists = [f"providers.{pid}.services.{s}.list_size" for s in services]
        out.append(
            {
                "name": f"{code} admitted list",
                "metric": lists,
                "observed": n,
                "interval": [round(0.75 * n, 1), round(1.25 * n, 1)],
                "source": f"{name}: {SOURCE}",
                "period": "end of 2023/24 (month-end censuses of the first measured year)",
            }
        )
        if n >= 100:
            out.append(
                {
                    "name": f"{code} share within 18 weeks",
                    "metric": {
                        "weighted_mean": [f"providers.{pid}.services.{s}.list_within_18_weeks" for s in services],
                        "weights": lists,
                    },
                    "observed": round(within, 4),
                    "interval": [round(within - 0.1, 4), round(within + 0.1, 4)],
                    "source": f"{name}: {SOURCE}",
                    "period": "end of 2023/24 (month-end censuses of the first measured year)",
                }
            )
    for pid, (code, name, whole, real) in emergency_observed(config, admissions(data), data).items():
        services = [s for s in EMERGENCY if s in offers_all[pid]]
        out.append(
            {
                "name": f"{code} emergency admissions",
                "metric": [f"providers.{pid}.services.{s}.treated" for s in services],
                "observed": round(real, 1),
                "interval": [round(0.85 * real, 1), round(1.15 * real, 1)],
                "source": (
                    f"{name}: NHS England A&E attendances and emergency admissions, total emergency admissions "
                    f"April 2023–March 2024 ({whole:,.0f}, ae_trust_monthly_2021-04_2025-07_healthyr.csv), × the trust's "
                    "share of patients from the area's districts (OHID acute trust catchments, 2022 release)"
                ),
                "period": YEAR,
            }
        )
    for pid, code, name, district, share, codes in catchment_targets(scenario, data):
        out.append(
            {
                "name": f"{code} share of patients from {district}",
                "metric": f"catchments.{pid}.{district}",
                "observed": round(share, 4),
                "interval": [round(share - 0.05, 4), round(share + 0.05, 4)],
                "source": (
                    f"{name}: OHID acute trust catchments, 2022 release (flow_trust_from_ltla21_2022release_geographr.csv), "
                    "its share of patients from the district among those from the area's districts"
                    + (f" ({' and '.join(codes)} weighted by their 2022/23 general and acute beds)" if len(codes) > 1 else "")
                ),
                "period": "modelled catchment populations, 2022 release; compared with " + YEAR,
            }
        )
    fixed = next(line for line in scenario["sources"] if line.startswith("Fixed costs:"))
    region_name, deficit = re.search(r"at the (.+?) NHS trusts' deficit of ([0-9.]+)% of income in 2023/24", fixed).groups()
    margin = round(-float(deficit) / 100, 4)
    out.append(
        {
            "name": "providers' surplus over income",
            "metric": "summary.finance.provider_margin",
            "observed": margin,
            "interval": [round(margin - 0.015, 4), round(margin + 0.015, 4)],
            "source": f"{region_name} NHS trusts' position in 2023/24 (Nuffield Trust analysis of NHS trusts' accounts, February 2025)",
            "period": YEAR,
        }
    )
    out.append(
        {
            "name": "nursing vacancy rate",
            "metric": "summary.workforce.by_group.nursing.vacancy_rate",
            "observed": 0.078,
            "interval": [0.053, 0.103],
            "source": "England's registered nursing vacancies at March 2024: about 31,000 beside 366,000 nurses in post (NHS Vacancy Statistics; configs/source/README.md)",
            "period": YEAR,
        }
    )
    real = occupancy(data)
    outside = {line.split(" ")[0] for line in scenario["sources"] if ": outside the area" in line}
    for p in scenario["providers"]:
        code = p.get("trust")
        if p["kind"] != "dgh" or p["id"] in outside or "beds" not in p or code not in real:
            continue
        o = round(real[code], 4)
        out.append(
            {
                "name": f"{code} bed occupancy",
                "metric": f"providers.{p['id']}.bed_occupancy",
                "observed": o,
                "interval": [round(o - 0.05, 4), round(o + 0.05, 4)],
                "source": (
                    f"{p['name']}: general and acute beds occupied over available, April 2023–March 2024 "
                    "(NHS England bed availability and occupancy, england_trust_ga_critical_beds_2022_2025.csv)"
                ),
                "period": YEAR,
            }
        )
    for t in out:
        t.setdefault("scenario", scenario["name"])
    return {
        "scenario": f"../{region}.json",
        "parameters": {**PARAMETERS, **rates(scenario), **capacities(scenario)},
        "targets": out,
        "particles": 100,
        "alpha": 0.5,
        "min_acceptance": 0.05,
        "generations": 40,
        "replicates": 1,
        "seed": 1,
        "years": 1,
    }


if __name__ == "__main__":
    data = sys.argv[1] if len(sys.argv) > 1 else "tests/data/ons-nhs"
    for region in REGIONS:
        path = f"configs/calibration/{region}.json"
        with open(path, "w") as f:
            json.dump(spec(region, data), f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(path)
