"""Writes the calibration specs of the shipped regions, configs/calibration/REGION.json:

    python3 docs/calibration_targets.py

Targets, per acute trust with an admitted waiting list in the scenario: the list at the end of
2023/24 and its share within 18 weeks, as `ccsim scenario build --rtt` derives them (each trust's
March 2021 admitted RTT list brought to March 2024 by England's list and shares;
configs/source/README.md) — the figures each default scenario starts from and docs/VALIDATION.md
compares it with after a year. Uncertainty: a 95% interval of ±25% for a list and ±10 points for
a share (a trust's list grew at its own pace from 2021, not England's; the tolerances
docs/VALIDATION.md holds trusts to); and the area's whole admitted list, specialist trusts'
included. Specialist trusts' own lists are not targets: their RTT lists are of specialties
(cancer, cardiothoracic, neurosciences, women's, orthopaedics) that the model's generic elective
surgery and gynaecology do not represent. Emergency admissions per trust are not targets: the free
parameters below do not move them, and their misses are structural (trusts outside the area are
not there for emergencies; docs/VALIDATION.md).

Free parameters: those with no published source that move elective lists between trusts and
over the year, each with a prior around its default wide enough to be uninformative; and each
general acute trust's elective surgery capacity (episodes a week), which `scenario build` plans
from the model's own routing rather than from the trust's activity, within half to one and a
half times the planned.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from calibration import REGIONS, targets  # noqa: E402

ELECTIVE = ["elective_surgery", "gynaecology"]
SOURCE = (
    "NHS England RTT statistics, admitted pathways (Incomplete Pathways with DTA), March 2021, "
    "rtt_provider_by_part_2021.csv, brought to March 2024 by England's list (7.54 m / 4.97 m) and "
    "shares over 18 weeks (× 42.8% / 35.6%), as `ccsim scenario build --rtt` (configs/source/README.md)"
)
PARAMETERS = {
    "choice.beta_wait": {"distribution": "log_uniform", "min": 0.002, "max": 0.2},
    "behaviour.backlog_weeks": {"min": 13, "max": 156},
    "behaviour.capacity_slack": {"min": 0.0, "max": 0.15},
}


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


def spec(region):
    config = f"configs/{region}.json"
    scenario = json.load(open(config))
    offers = {p["id"]: [s for s in ELECTIVE if s in p["services"]] for p in scenario["providers"]}
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
    for region in REGIONS:
        path = f"configs/calibration/{region}.json"
        with open(path, "w") as f:
            json.dump(spec(region), f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(path)
