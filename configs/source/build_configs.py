#!/usr/bin/env python3
"""Builds configs/cheshire-merseyside.json, configs/west-mercia.json and
configs/duopoly.json.

Every number is either read from the public data files given on the command
line (ONS district populations by single year of age, ONS district
centroids, NHS hospital sites), or set in this file with its source or
assumption stated beside it. Run from the repository root:

    python3 configs/source/build_configs.py ../shared/data

The output is deterministic: the same inputs give byte-identical files.
"""
import csv
import json
import math
import sys
from pathlib import Path

# --------------------------------------------------------------------------
# Services: England-wide figures (configs/README.md cites each source).
# referral_rate: episodes per 1,000 residents of the age band per year.
# staff_hours: hours of clinical time per episode by staff group.
# --------------------------------------------------------------------------
SERVICES = {
    "maternity": {
        "name": "Maternity (births)",
        "urgency": "emergency",
        "patient_choice": True,
        # 605,479 live births in England and Wales 2022 (ONS) over 60.2M
        # residents: 10.1 per 1,000; 98.5% to mothers aged 18+ and 59% of
        # residents aged 18-64 gives 16.8 per 1,000 adults; 1.5% to under-18s
        # over a 21% child share gives 0.7 per 1,000 children.
        "referral_rate": {"children": 0.7, "adults": 16.8, "older": 0.0},
        "complex_share": 0.15,
        "staff_hours": {"medical": 6, "nursing": 4, "midwifery": 55, "allied": 1},
        "variable_cost": 500,
        "tariff": 3700,  # NAO 2012: maternity pathway about £3,700 per birth
        "baseline_risk": {"routine": 0.004, "complex": 0.025},
        "min_safe_volume": 2000,  # Moster et al. 1999: lowest risk at 2,000-3,000 births
    },
    "gynaecology": {
        "name": "Gynaecology",
        "urgency": "elective",
        "referral_rate": {"children": 0.5, "adults": 15.0, "older": 12.0},
        "complex_share": 0.10,
        "staff_hours": {"medical": 4, "nursing": 10, "midwifery": 0, "allied": 2},
        "variable_cost": 350,
        "tariff": 1400,
        "baseline_risk": {"routine": 0.003, "complex": 0.03},
        "min_safe_volume": 500,
    },
    "neonatal": {
        "name": "Neonatal care",
        "urgency": "emergency",
        # About 1 in 7 babies is admitted to neonatal care: 10.1 x 0.14 per
        # 1,000 residents over a 21% child share = 6.7 per 1,000 children.
        "referral_rate": {"children": 6.7, "adults": 0.0, "older": 0.0},
        "complex_share": 0.20,
        "staff_hours": {"medical": 15, "nursing": 120, "midwifery": 0, "allied": 4},
        "variable_cost": 1200,
        "tariff": 8000,
        "baseline_risk": {"routine": 0.01, "complex": 0.08},
        "min_safe_volume": 250,
    },
    "paediatrics": {
        "name": "Paediatrics (emergency admissions)",
        "urgency": "emergency",
        "referral_rate": {"children": 64.0, "adults": 0.0, "older": 0.0},
        "complex_share": 0.08,
        "staff_hours": {"medical": 3, "nursing": 14, "midwifery": 0, "allied": 1},
        "variable_cost": 250,
        "tariff": 1100,
        "baseline_risk": {"routine": 0.001, "complex": 0.015},
        "min_safe_volume": 1500,
    },
    "elective_surgery": {
        "name": "Elective surgery",
        "urgency": "elective",
        "referral_rate": {"children": 12.0, "adults": 55.0, "older": 190.0},
        "complex_share": 0.10,
        "staff_hours": {"medical": 4, "nursing": 12, "midwifery": 0, "allied": 3},
        "variable_cost": 450,
        # Reference costs 2016/17: day case £738, elective inpatient £3,684;
        # a 70:30 mix gives £1,620.
        "tariff": 1620,
        "baseline_risk": {"routine": 0.004, "complex": 0.03},
        "min_safe_volume": 1000,
    },
    "emergency_medicine": {
        "name": "Emergency medicine (admissions)",
        "urgency": "emergency",
        "referral_rate": {"children": 0.0, "adults": 75.0, "older": 300.0},
        "complex_share": 0.06,
        "staff_hours": {"medical": 4, "nursing": 20, "midwifery": 0, "allied": 3},
        "variable_cost": 300,
        "tariff": 1590,  # reference costs 2016/17, non-elective
        "baseline_risk": {"routine": 0.025, "complex": 0.10},
        "min_safe_volume": 8000,
    },
    "community_care": {
        "name": "Community and intermediate care",
        "urgency": "emergency",
        "referral_rate": {"children": 0.0, "adults": 2.0, "older": 20.0},
        "complex_share": 0.0,
        "staff_hours": {"medical": 0.5, "nursing": 12, "midwifery": 0, "allied": 8},
        "variable_cost": 150,
        "tariff": 1000,
        "baseline_risk": {"routine": 0.02, "complex": 0.05},
        "min_safe_volume": 0,
    },
}

# Spare capacity planned over expected demand, by service.
HEADROOM = {
    "maternity": 1.15, "gynaecology": 1.03, "neonatal": 1.30, "paediatrics": 1.20,
    "elective_surgery": 1.03, "emergency_medicine": 1.12, "community_care": 1.15,
}

# Workforce defaults of the scenario format (src/model/scenario.rs).
HOURS_PER_WTE = 30.0
ANNUAL_COST = {"medical": 110_000, "nursing": 45_000, "midwifery": 47_000, "allied": 44_000}
# Vacancy rates, NHS England vacancy statistics 2021-22 (nursing about 10%).
VACANCY = {"medical": 0.07, "nursing": 0.10, "midwifery": 0.08, "allied": 0.08}
# Agency cover of vacancies: up to this share of establishment, at this premium
# (the scenario format's defaults).
AGENCY_AVAILABILITY = 0.08
AGENCY_PREMIUM = 0.6
TRANSACTION_COST = 25.0
CHOICE_BETA_DISTANCE = 0.1
CHOICE_RADIUS_KM = 40.0
CIRCUITY = 1.3
RURAL_DENSITY = 400.0  # residents per km²; below this a district counts as rural

# Land areas of districts, km² (ONS Standard Area Measurements, rounded).
AREA_KM2 = {
    "E06000049": 1166, "E06000050": 917, "E06000006": 79, "E06000007": 181,
    "E08000011": 86, "E08000012": 112, "E08000013": 136, "E08000014": 155,
    "E08000015": 157,
    "E06000019": 2180, "E06000051": 3197, "E06000020": 290, "E07000234": 217,
    "E07000235": 577, "E07000236": 54, "E07000237": 33, "E07000238": 664,
    "E07000239": 195,
}

# Towns of each district, marked by the hospital site in them (ODS site
# code, town). Residents are spread over the district's centroid and these
# towns in equal shares: a synthetic split that keeps a district's main
# towns apart, chosen by hand.
TOWNS = {
    "E06000049": [("RBT20", "Crewe"), ("RJN71", "Macclesfield"), ("RJN63", "Congleton"), ("RJN68", "Knutsford")],
    "E06000050": [("RJR05", "Chester"), ("RJR60", "Ellesmere Port"), ("RBT21", "Northwich"), ("RBTPP", "Winsford")],
    "E06000006": [("RWWHG", "Runcorn")],
    "E06000007": [("RWWWH", "Warrington")],
    "E08000011": [("RBN01", "Prescot")],
    "E08000012": [("REMRQ", "city centre"), ("REM21", "Fazakerley"), ("REMAH", "Broadgreen"), ("REP01", "Toxteth")],
    "E08000013": [("RBN02", "St Helens")],
    "E08000014": [("RVY01", "Southport")],
    "E08000015": [("RBL14", "Upton"), ("RBL02", "Wallasey"), ("RBL20", "Bebington")],
    "E06000019": [("RLQ06", "Leominster"), ("RLQ08", "Ross-on-Wye"), ("RLQ03", "Bromyard")],
    "E06000051": [("RXWAS", "Shrewsbury"), ("RL131", "Oswestry"), ("R1D21", "Ludlow"), ("R1D22", "Bridgnorth"),
                  ("R1D25", "Bishop's Castle"), ("R1D34", "Whitchurch")],
    "E06000020": [("RXWAT", "Telford")],
    "E07000234": [("R1A04", "Bromsgrove")],
    "E07000235": [("R1ARG", "Malvern")],
    "E07000236": [("RWP01", "Redditch")],
    "E07000237": [("RWP50", "Worcester")],
    "E07000238": [("R1ARE", "Evesham")],
    "E07000239": [("RWP31", "Kidderminster")],
}

R = "routine"
C = "complex"

# Sites: (ODS site code, id, kind, {service: capability}). Which site runs
# which service and at which level is entered by hand from the trusts'
# public service descriptions (2020-2024); it is a simplification.
CHESHIRE_MERSEYSIDE = {
    "name": "cheshire-merseyside",
    "description": (
        "Cheshire and Merseyside: nine districts (2.58 million residents, mid-2023), "
        "each split into cells at its centroid and towns, and 26 NHS hospital sites including Liverpool "
        "Women's Hospital and Alder Hey Children's Hospital."
    ),
    "districts": ["E06000049", "E06000050", "E06000006", "E06000007", "E08000011",
                  "E08000012", "E08000013", "E08000014", "E08000015"],
    "sites": [
        ("REMRQ", "royal-liverpool", "dgh", {"emergency_medicine": C, "elective_surgery": C}),
        ("REM21", "aintree", "dgh", {"emergency_medicine": C, "elective_surgery": C}),
        ("REMAH", "broadgreen", "dgh", {"elective_surgery": R, "community_care": R}),
        ("REP01", "liverpool-womens", "specialist", {"maternity": C, "gynaecology": C, "neonatal": C}),
        ("RBS25", "alder-hey", "specialist", {"paediatrics": C, "neonatal": C}),
        ("RBQHQ", "liverpool-heart-chest", "specialist", {"elective_surgery": C}),
        ("RET20", "walton-centre", "specialist", {"elective_surgery": C}),
        ("RBL14", "arrowe-park", "dgh", {"emergency_medicine": R, "maternity": C, "neonatal": C,
                                         "paediatrics": R, "gynaecology": R, "elective_surgery": R}),
        ("RBL20", "clatterbridge", "dgh", {"elective_surgery": R}),
        ("RBL02", "victoria-central", "community", {"community_care": R}),
        ("RBN01", "whiston", "dgh", {"emergency_medicine": R, "maternity": C, "neonatal": R,
                                     "paediatrics": R, "gynaecology": R, "elective_surgery": R}),
        ("RBN02", "st-helens", "dgh", {"elective_surgery": R, "gynaecology": R, "community_care": R}),
        ("RVY01", "southport", "dgh", {"emergency_medicine": R, "gynaecology": R, "elective_surgery": R}),
        ("RVY02", "ormskirk", "dgh", {"maternity": R, "neonatal": R, "paediatrics": R, "gynaecology": R}),
        ("RWWWH", "warrington", "dgh", {"emergency_medicine": R, "maternity": C, "neonatal": R,
                                        "paediatrics": R, "gynaecology": R, "elective_surgery": R}),
        ("RWWHG", "halton", "dgh", {"elective_surgery": R, "community_care": R}),
        ("RBT20", "leighton", "dgh", {"emergency_medicine": R, "maternity": C, "neonatal": R,
                                      "paediatrics": R, "gynaecology": R, "elective_surgery": R}),
        ("RBT21", "victoria-infirmary-northwich", "dgh", {"elective_surgery": R}),
        ("RBTPP", "elmhurst", "community", {"community_care": R}),
        ("RJN71", "macclesfield", "dgh", {"emergency_medicine": R, "maternity": R, "neonatal": R,
                                          "paediatrics": R, "gynaecology": R, "elective_surgery": R}),
        ("RJN68", "knutsford", "community", {"community_care": R}),
        ("RJN63", "congleton", "community", {"community_care": R}),
        ("RJR05", "countess-of-chester", "dgh", {"emergency_medicine": R, "maternity": C, "neonatal": R,
                                                 "paediatrics": R, "gynaecology": R, "elective_surgery": R}),
        ("RJR60", "ellesmere-port", "community", {"community_care": R, "elective_surgery": R}),
    ],
    "hubs": {
        "maternity": "liverpool-womens", "gynaecology": "liverpool-womens",
        "neonatal": "liverpool-womens", "paediatrics": "alder-hey",
        "emergency_medicine": "aintree", "elective_surgery": "royal-liverpool",
    },
}

WEST_MERCIA = {
    "name": "west-mercia",
    "description": (
        "West Mercia: Herefordshire, Shropshire, Telford and Wrekin and the six "
        "Worcestershire districts (1.32 million residents, mid-2023), each split into "
        "cells at its centroid and towns; two acute trusts' district general hospitals, the Wye Valley "
        "integrated care organisation, community hospitals, an orthopaedic specialist "
        "and two tertiary centres outside the region for complex care."
    ),
    "districts": ["E06000019", "E06000051", "E06000020", "E07000234", "E07000235",
                  "E07000236", "E07000237", "E07000238", "E07000239"],
    "sites": [
        ("RXWAS", "royal-shrewsbury", "dgh", {"emergency_medicine": C, "elective_surgery": C, "gynaecology": R}),
        ("RXWAT", "princess-royal-telford", "dgh", {"emergency_medicine": R, "maternity": C, "neonatal": R,
                                                    "paediatrics": R, "gynaecology": C, "elective_surgery": R}),
        ("RWP50", "worcestershire-royal", "dgh", {"emergency_medicine": C, "maternity": C, "neonatal": R,
                                                  "paediatrics": R, "gynaecology": C, "elective_surgery": C}),
        ("RWP01", "alexandra-redditch", "dgh", {"emergency_medicine": R, "gynaecology": R, "elective_surgery": R}),
        ("RWP31", "kidderminster", "dgh", {"elective_surgery": R}),
        ("RLQ01", "hereford-county", "ico", {"emergency_medicine": R, "maternity": R, "neonatal": R,
                                             "paediatrics": R, "gynaecology": R, "elective_surgery": R,
                                             "community_care": R}),
        ("RLQ06", "leominster", "ico", {"community_care": R}),
        ("RLQ08", "ross-on-wye", "ico", {"community_care": R}),
        ("RLQ03", "bromyard", "ico", {"community_care": R}),
        ("RL131", "robert-jones-agnes-hunt", "specialist", {"elective_surgery": C}),
        ("R1D21", "ludlow", "community", {"community_care": R}),
        ("R1D22", "bridgnorth", "community", {"community_care": R}),
        ("R1D25", "bishops-castle", "community", {"community_care": R}),
        ("R1D34", "whitchurch", "community", {"community_care": R}),
        ("R1ARE", "evesham", "community", {"community_care": R}),
        ("R1ARG", "malvern", "community", {"community_care": R}),
        ("R1A04", "princess-of-wales-bromsgrove", "community", {"community_care": R}),
        ("RJE01", "royal-stoke", "specialist", {"neonatal": C, "paediatrics": C}),
        ("RQ301", "birmingham-childrens", "specialist", {"paediatrics": C, "neonatal": C}),
    ],
    "hubs": {
        "paediatrics": "birmingham-childrens", "elective_surgery": "robert-jones-agnes-hunt",
        "gynaecology": "worcestershire-royal",
    },
}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def age_mix(row):
    ages = [float(row[str(a)]) for a in range(90)] + [float(row["90+"])]
    total = sum(ages)
    children = round(sum(ages[:18]) / total, 4)
    older = round(sum(ages[65:]) / total, 4)
    return {"children": children, "adults": round(1 - children - older, 4), "older": older}


def offset(lat, lon, east_km, north_km):
    dlat = north_km / 111.195
    dlon = east_km / (111.195 * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


def split_district(code, name, pop, mix, lat, lon, area, towns):
    """Cells of a district: its centroid and the towns listed for it in
    TOWNS (each at the position of a hospital site in that town), with equal
    shares of residents and area."""
    cells = [("c", "centre", lat, lon)] + [(ods.lower(), town, tlat, tlon) for ods, town, tlat, tlon in towns]
    density = pop / area
    rurality = "rural" if density < RURAL_DENSITY else "urban"
    out = []
    for suffix, label, clat, clon in cells:
        out.append({
            "id": f"{code}-{suffix}",
            "name": f"{name} ({label})",
            "position": {"lat": round(clat, 5), "lon": round(clon, 5)},
            "population": round(pop / len(cells), 1),
            "age_mix": mix,
            "area_km2": round(area / len(cells), 2),
            "rurality": rurality,
        })
    return out


def distance_km(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    lat0 = math.radians((lat1 + lat2) / 2)
    dx = (lon1 - lon2) * 111.195 * math.cos(lat0)
    dy = (lat1 - lat2) * 111.195
    return math.hypot(dx, dy)


def road_km(loc, site_pos):
    straight = distance_km((loc["position"]["lat"], loc["position"]["lon"]), site_pos)
    spread = 2 / 3 * math.sqrt(loc["area_km2"] / math.pi)
    return CIRCUITY * math.hypot(straight, spread)


def weekly_demand(loc, service, complexity):
    svc = SERVICES[service]
    share = svc["complex_share"] if complexity == C else 1 - svc["complex_share"]
    rates = svc["referral_rate"]
    per_year = sum(loc["population"] * loc["age_mix"][b] * rates[b] / 1000 for b in rates)
    return per_year * share / 52


def plan_capacity(localities, providers, hubs):
    """Expected weekly demand at each unit, averaged over two routing
    rules: the network's (nearest capable provider; complex cases to the
    hub) and patient choice (logit on distance alone, within the choice
    radius; emergencies without choice go to the nearest). Averaging keeps
    the plan from favouring either regime."""
    load = {(p["id"], s): 0.0 for p in providers for s in p["services"]}
    for loc in localities:
        for s in SERVICES:
            for k in (R, C):
                d = weekly_demand(loc, s, k)
                if d == 0:
                    continue
                capable = [p for p in providers
                           if s in p["services"] and (k == R or p["services"][s]["capability"] == C)]
                if not capable:
                    continue
                dist = {p["id"]: road_km(loc, p["_pos"]) for p in capable}
                ranked = sorted(capable, key=lambda p: (dist[p["id"]], p["id"]))
                nearest = ranked[0]["id"]
                network = hubs.get(s) if k == C and hubs.get(s) else nearest
                load[(network, s)] += 0.5 * d
                choice = SERVICES[s].get("patient_choice", SERVICES[s]["urgency"] == "elective")
                if not choice:
                    load[(nearest, s)] += 0.5 * d
                    continue
                within = [p for p in ranked if dist[p["id"]] <= CHOICE_RADIUS_KM] or ranked[:1]
                weights = [math.exp(-CHOICE_BETA_DISTANCE * dist[p["id"]]) for p in within]
                total = sum(weights)
                for p, w in zip(within, weights):
                    load[(p["id"], s)] += 0.5 * d * w / total
    return load


def finish_provider(p, load):
    """Capacity from planned load and headroom; staff from capacity; fixed
    costs so that the provider breaks even (1% surplus) at planned activity,
    paying its staff in post and the agency staff covering its vacancies."""
    staff_hours = {g: 0.0 for g in ANNUAL_COST}
    income = variable = activity_total = 0.0
    for s, offer in p["services"].items():
        expected = load[(p["id"], s)]
        capacity = max(1.0, round(expected * HEADROOM[s], 1))
        offer["capacity"] = capacity
        activity = capacity / HEADROOM[s]
        activity_total += activity
        income += activity * SERVICES[s]["tariff"]
        variable += activity * SERVICES[s]["variable_cost"]
        for g in staff_hours:
            staff_hours[g] += capacity * SERVICES[s]["staff_hours"][g]
    staff = {}
    staff_cost = 0.0
    for g, hours in staff_hours.items():
        establishment = hours / HOURS_PER_WTE
        in_post = establishment * (1 - VACANCY[g])
        agency = min(establishment - in_post, AGENCY_AVAILABILITY * establishment)
        staff_cost += (in_post + agency * (1 + AGENCY_PREMIUM)) * ANNUAL_COST[g] / 52
        if establishment > 0:
            staff[g] = {"in_post": round(in_post, 1), "establishment": round(establishment, 1)}
    p["staff"] = staff
    fixed = income - staff_cost - variable - TRANSACTION_COST * activity_total - 0.01 * income
    p["fixed_cost"] = round(max(fixed, 0.0), -2)
    p["cash"] = round(4 * income, -3)  # four weeks of income
    del p["_pos"]
    return p


def regional(spec, data_dir):
    pops = {r["code"]: r for r in read_csv(data_dir / "lad_population_single_year_age_mye.csv")}
    cents = {r["code"]: r for r in read_csv(data_dir / "lad_centroids_2020.csv")}
    sites = {r["OrganisationCode"]: r for r in read_csv(data_dir / "nhs_hospital_sites_2020.csv")}
    localities = []
    for code in spec["districts"]:
        row, cen = pops[code], cents[code]
        localities += split_district(code, row["name"], float(row["all"]), age_mix(row),
                                     float(cen["latitude"]), float(cen["longitude"]), AREA_KM2[code],
                                     [(ods, town, float(sites[ods]["Latitude"]), float(sites[ods]["Longitude"]))
                                      for ods, town in TOWNS[code]])
    providers = []
    for ods, pid, kind, services in spec["sites"]:
        site = sites[ods]
        lat, lon = float(site["Latitude"]), float(site["Longitude"])
        providers.append({
            "id": pid,
            "name": site["OrganisationName"].strip(),
            "kind": kind,
            "trust": site["ParentODSCode"],
            "position": {"lat": round(lat, 5), "lon": round(lon, 5)},
            "_pos": (lat, lon),
            "services": {s: {"capability": cap} for s, cap in sorted(services.items())},
        })
    load = plan_capacity(localities, providers, spec["hubs"])
    providers = [finish_provider(p, load) for p in providers]
    population = sum(float(pops[c]["all"]) for c in spec["districts"])
    return {
        "name": spec["name"],
        "description": spec["description"],
        "sources": SOURCES + [f"Residents: {population:.0f} (sum of the districts' ONS mid-year estimates)."],
        "localities": localities,
        "services": SERVICES,
        "providers": providers,
        "network": {"hubs": spec["hubs"]},
    }


SOURCES = [
    "Residents and age mix: ONS mid-year population estimates by single year of age "
    "(lad_population_single_year_age_mye.csv), Open Government Licence v3.0.",
    "District positions: ONS district centroids (lad_centroids_2020.csv), OGL v3.0; "
    "district areas: ONS Standard Area Measurements, rounded. Each district is split "
    "into cells at its centroid and at its main towns (positions of the hospital sites "
    "in them), with equal shares of residents and area (synthetic).",
    "Provider sites, names and trust codes: NHS website hospital list 2020 "
    "(nhs_hospital_sites_2020.csv), OGL v3.0; services per site entered by hand.",
    "Service rates, tariffs, costs and risks: see configs/README.md.",
    "Capacity, staff and fixed costs: derived by configs/source/build_configs.py "
    "(planned demand x headroom; staff from hours per episode; break-even fixed costs).",
]


def duopoly():
    """Two identical providers 20 km apart and three equal localities: one
    beside each provider and one midway. One elective service."""
    svc = {"elective_surgery": dict(SERVICES["elective_surgery"])}
    localities = []
    for lid, x in (("west", -10.0), ("centre", 0.0), ("east", 10.0)):
        localities.append({
            "id": lid, "position": {"x": x, "y": 0.0}, "population": 100000,
            "age_mix": {"children": 0.21, "adults": 0.60, "older": 0.19},
            "area_km2": 50, "rurality": "urban",
        })
    providers = []
    for pid, x in (("a", -10.0), ("b", 10.0)):
        providers.append({
            "id": pid, "name": f"Hospital {pid.upper()}", "kind": "dgh",
            "position": {"x": x, "y": 0.0}, "_pos": None,
            "services": {"elective_surgery": {"capability": C}},
        })
    demand = sum(weekly_demand(l, "elective_surgery", k) for l in localities for k in (R, C))
    load = {(p["id"], "elective_surgery"): demand / 2 for p in providers}
    providers = [finish_provider(p, load) for p in providers]
    return {
        "name": "duopoly",
        "description": "Two identical providers and symmetric demand, for theory checks.",
        "sources": ["Synthetic geography; service figures as in configs/README.md."],
        "localities": localities,
        "services": svc,
        "providers": providers,
    }


def write(path, doc):
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main():
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    out = Path("configs")
    write(out / "cheshire-merseyside.json", regional(CHESHIRE_MERSEYSIDE, data_dir))
    write(out / "west-mercia.json", regional(WEST_MERCIA, data_dir))
    write(out / "duopoly.json", duopoly())


if __name__ == "__main__":
    main()
