"""The README's service-configuration tables, from the two configuration sweeps:

    python3 docs/configurations.py

reads results/configurations/NAME for NAME cheshire-merseyside, west-mercia, subsets,
subsets-midwife-led and intensive-care-volume (run them first with `ccsim sweep
configs/sweeps/configurations-NAME.json --out results/configurations/NAME`) and prints one
Markdown table each: per configuration (and the sweep's other parameters, where it has any) and
arm the mean of each measure, and for a configuration other than `current` its paired difference
from `current` (same seeds, same arm, same parameters) with the 95% interval. Needs only the
standard library.
"""

import json
import sys

ARMS = ["competition", "collaboration"]

SUBSETS = [
    ("maternity p95 minutes", "access.by_service.maternity.p95_minutes", 1, 1),
    ("within 30 min (%)", "coverage.maternity.within_30_minutes.overall", 100, 1),
    ("within 30 min of an obstetric unit (%)", "coverage.maternity.complex_level.within_30_minutes.overall", 100, 1),
    ("maternity adverse per 1,000", "outcomes.by_service.maternity.adverse_rate", 1000, 2),
    ("intrapartum transfers a year", "transfers.maternity.during_care.patients", 0.1, 0),
    ("maternity unmet (%)", "access.by_service.maternity.unmet", 100, 2),
    ("units below 2,000 births", "volume.maternity.below_minimum", 1, 1),
    ("emergency gynaecology p95 minutes", "access.by_service.emergency_gynaecology.p95_minutes", 1, 1),
    ("emergency gynaecology within 30 min (%)", "coverage.emergency_gynaecology.within_30_minutes.overall", 100, 1),
    ("emergency gynaecology adverse per 1,000", "outcomes.by_service.emergency_gynaecology.adverse_rate", 1000, 2),
    ("system cost £m/yr", "finance.system_cost_per_year", 1e-6, 1),
]

TABLES = {
    "cheshire-merseyside": [
        ("maternity p95 minutes", "access.by_service.maternity.p95_minutes", 1, 1),
        ("within 30 min (%)", "coverage.maternity.within_30_minutes.overall", 100, 1),
        ("within 30 min of an obstetric unit (%)", "coverage.maternity.complex_level.within_30_minutes.overall", 100, 1),
        ("maternity adverse per 1,000", "outcomes.by_service.maternity.adverse_rate", 1000, 2),
        ("neonatal adverse per 1,000", "outcomes.by_service.neonatal.adverse_rate", 1000, 2),
        ("neonatal transfers a year", "transfers.neonatal.between_levels", 0.1, 0),
        ("transfer minutes", "transfers.neonatal.mean_minutes", 1, 1),
        ("in-utero transfers a year", "transfers.neonatal.ahead.patients", 0.1, 0),
        ("in-utero minutes", "transfers.neonatal.ahead.mean_minutes", 1, 1),
        ("within 30 min of a local or intensive care neonatal unit (%)", "coverage.neonatal.routine_level.within_30_minutes.overall", 100, 1),
        ("high-dependency moves a year", "transfers.neonatal.during_care.patients", 0.1, 0),
        ("high-dependency minutes", "transfers.neonatal.during_care.mean_minutes", 1, 1),
        ("intensive care units below 200 a year", "volume.neonatal.complex.below_minimum", 1, 1),
        ("intrapartum transfers a year", "transfers.maternity.during_care.patients", 0.1, 0),
        ("intrapartum minutes", "transfers.maternity.during_care.mean_minutes", 1, 1),
        ("maternity unmet (%)", "access.by_service.maternity.unmet", 100, 2),
        ("maternity units below 2,000 births", "volume.maternity.below_minimum", 1, 1),
        ("emergency gynaecology p95 minutes", "access.by_service.emergency_gynaecology.p95_minutes", 1, 1),
        ("emergency gynaecology within 30 min (%)", "coverage.emergency_gynaecology.within_30_minutes.overall", 100, 1),
        ("emergency gynaecology adverse per 1,000", "outcomes.by_service.emergency_gynaecology.adverse_rate", 1000, 2),
        ("system cost £m/yr", "finance.system_cost_per_year", 1e-6, 1),
    ],
    "west-mercia": [
        ("emergency p95 minutes", "access.by_service.emergency_medicine.p95_minutes", 1, 1),
        ("ED within 30 min (%)", "coverage.emergency_medicine.within_30_minutes.overall", 100, 1),
        ("emergency adverse per 1,000", "outcomes.by_service.emergency_medicine.adverse_rate", 1000, 2),
        ("maternity p95 minutes", "access.by_service.maternity.p95_minutes", 1, 1),
        ("maternity adverse per 1,000", "outcomes.by_service.maternity.adverse_rate", 1000, 2),
        ("births within 30 min (%)", "coverage.maternity.within_30_minutes.overall", 100, 1),
        ("within 30 min of an obstetric unit (%)", "coverage.maternity.complex_level.within_30_minutes.overall", 100, 1),
        ("intrapartum transfers a year", "transfers.maternity.during_care.patients", 0.1, 0),
        ("intrapartum minutes", "transfers.maternity.during_care.mean_minutes", 1, 1),
        ("maternity unmet (%)", "access.by_service.maternity.unmet", 100, 2),
        ("maternity units below 2,000 births", "volume.maternity.below_minimum", 1, 1),
        ("emergency gynaecology p95 minutes", "access.by_service.emergency_gynaecology.p95_minutes", 1, 1),
        ("emergency gynaecology within 30 min (%)", "coverage.emergency_gynaecology.within_30_minutes.overall", 100, 1),
        ("emergency gynaecology adverse per 1,000", "outcomes.by_service.emergency_gynaecology.adverse_rate", 1000, 2),
        ("system cost £m/yr", "finance.system_cost_per_year", 1e-6, 1),
    ],
    # Every way of keeping 3 of Cheshire & Merseyside's 5 smaller obstetric units: the other two
    # close, or become midwife-led.
    "subsets": SUBSETS,
    "subsets-midwife-led": SUBSETS,
    # Arrowe Park's intensive care unit made local, at each minimum for intensive care.
    "intensive-care-volume": [
        ("neonatal adverse per 1,000", "outcomes.by_service.neonatal.adverse_rate", 1000, 2),
        ("neonatal transfers a year", "transfers.neonatal.between_levels", 0.1, 0),
        ("intensive care units below the minimum", "volume.neonatal.complex.below_minimum", 1, 1),
    ],
}


def difference(d, scale, digits):
    """A paired difference with its interval, signed."""
    if d is None:
        return "—"
    mean = d["mean"] * scale
    ci = d.get("ci95")
    if ci is None:
        return f"{mean:+.{digits}f}"
    return f"{mean:+.{digits}f} [{ci[0] * scale:+.{digits}f}, {ci[1] * scale:+.{digits}f}]"


def shown(value):
    """A parameter's value as a label shows it."""
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def table(directory, columns):
    """One sweep's Markdown table."""
    with open(f"{directory}/summary.json", encoding="utf-8") as f:
        summary = json.load(f)
    lines = [
        "| configuration | arm | " + " | ".join(c[0] for c in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for point in summary["points"]:
        name = point["parameters"]["configuration"]
        others = [f"{k.rsplit('.', 1)[-1]} {shown(v)}" for k, v in sorted(point["parameters"].items()) if k != "configuration"]
        label = " · ".join([name] + others)
        for arm in ARMS:
            means = point["arms"][arm]["metrics"]
            against = point.get("against_current", {}).get(arm, {}).get("metrics", {})
            cells = []
            for _, key, scale, digits in columns:
                mean = (means.get(key) or {}).get("mean")
                if mean is None:
                    # A measure with no value in any run (minutes of transfers none made).
                    cells.append("—")
                    continue
                cell = f"{mean * scale:.{digits}f}"
                if name != "current":
                    cell += f" ({difference(against.get(key), scale, digits)})"
                cells.append(cell)
            lines.append(f"| {label} | {arm} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    for name, columns in TABLES.items():
        directory = f"results/configurations/{name}"
        try:
            print(table(directory, columns))
        except FileNotFoundError:
            sys.exit(f"{directory}: no summary.json; run ccsim sweep configs/sweeps/configurations-{name}.json first")
        print()


if __name__ == "__main__":
    main()
