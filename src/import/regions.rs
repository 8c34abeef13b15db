//! Named regions (their districts) and the district and trust successions
//! the 2020 centroid and site files predate.

use super::defaults::Position;

/// A named region: its ONS district codes (2023 boundaries) and where the
/// list comes from.
#[derive(Debug, Clone, Copy)]
pub struct Region {
    /// `--region` name.
    pub name: &'static str,
    /// Display name.
    pub title: &'static str,
    /// District codes.
    pub districts: &'static [&'static str],
    /// The source of the list.
    pub source: &'static str,
    /// The reference year's financial position of the NHS region's trusts.
    pub position: Position,
}

/// The regions `--region` accepts.
pub const REGIONS: [Region; 2] = [
    Region {
        name: "cheshire-merseyside",
        title: "Cheshire and Merseyside",
        districts: &[
            "E06000049", // Cheshire East
            "E06000050", // Cheshire West and Chester
            "E06000006", // Halton
            "E06000007", // Warrington
            "E08000011", // Knowsley
            "E08000012", // Liverpool
            "E08000013", // St Helens
            "E08000014", // Sefton
            "E08000015", // Wirral
        ],
        source: "the nine districts of NHS Cheshire and Merseyside Integrated Care Board (ONS, Sub ICB Location \
                 to ICB to NHS England Region lookup, July 2022)",
        position: Position { margin: -0.022, of: "the North West's NHS trusts'" },
    },
    Region {
        name: "west-mercia",
        title: "West Mercia",
        districts: &[
            "E06000019", // Herefordshire
            "E06000051", // Shropshire
            "E06000020", // Telford and Wrekin
            "E07000234", // Bromsgrove
            "E07000235", // Malvern Hills
            "E07000236", // Redditch
            "E07000237", // Worcester
            "E07000238", // Wychavon
            "E07000239", // Wyre Forest
        ],
        source: "the districts of NHS Herefordshire and Worcestershire and NHS Shropshire, Telford and Wrekin \
                 Integrated Care Boards (ONS, Sub ICB Location to ICB to NHS England Region lookup, July 2022), \
                 which together cover West Mercia",
        position: Position { margin: -0.015, of: "the Midlands' NHS trusts'" },
    },
];

/// Unitary authorities created after 2020, which the 2020 centroid file
/// lacks, and the districts they replaced (ONS code history). Their
/// position is the mean of their predecessors' centroids.
pub const DISTRICT_PREDECESSORS: [(&str, &[&str]); 6] = [
    ("E06000061", &["E07000150", "E07000152", "E07000153", "E07000156"]), // North Northamptonshire, 2021
    ("E06000062", &["E07000151", "E07000154", "E07000155"]),              // West Northamptonshire, 2021
    ("E06000063", &["E07000026", "E07000028", "E07000029"]),              // Cumberland, 2023
    ("E06000064", &["E07000027", "E07000030", "E07000031"]),              // Westmorland and Furness, 2023
    ("E06000065", &["E07000163", "E07000164", "E07000165", "E07000166", "E07000167", "E07000168", "E07000169"]), // North Yorkshire, 2023
    ("E06000066", &["E07000187", "E07000188", "E07000189", "E07000246"]), // Somerset, 2023
];

/// Trusts formed by mergers the 2020 site list does not show, and the
/// trusts whose sites they took over (NHS Organisation Data Service
/// successions and the trusts' announcements; the years are when the
/// merger took effect). Complete for the data: every trust code with
/// emergency admissions in NHS England's A&E statistics (2021–2025) and no
/// rows in the bed file is here (RBZ, RW6) or a community or mental-health
/// trust, and every trust whose bed rows stop before the latest month is
/// here (RA4, RAP, RVY).
pub const TRUST_PREDECESSORS: [(&str, &[&str]); 12] = [
    ("R0B", &["RLN", "RE9"]), // South Tyneside and Sunderland, 2019
    ("R0D", &["RD3", "RDZ"]), // University Hospitals Dorset, 2020
    ("RBN", &["RVY"]),        // Mersey and West Lancashire (St Helens and Knowsley took Southport and Ormskirk), 2023
    ("RH5", &["RA4", "RBA"]), // Somerset (Taunton and Somerset, 2020; Yeovil, 2023)
    ("RAL", &["RAP"]),        // Royal Free (North Middlesex), 2024
    ("RC9", &["RC1"]),        // Bedfordshire Hospitals (Luton and Dunstable took Bedford), 2020
    ("RNN", &["RNL"]),        // North Cumbria Integrated Care (North Cumbria University Hospitals), 2019
    ("RYR", &["RXH"]),        // University Hospitals Sussex (Brighton and Sussex University Hospitals), 2021
    ("RH8", &["RBZ"]),        // Royal Devon University Healthcare (Northern Devon Healthcare), 2022
    ("RTG", &["RJF"]),        // University Hospitals of Derby and Burton (Burton Hospitals), 2018
    ("RM3", &["RW6"]),        // Northern Care Alliance (Pennine Acute, less North Manchester General), 2021
    ("RJ1", &["RT3"]),        // Guy's and St Thomas' (Royal Brompton and Harefield), 1 February 2021
];

/// The trusts `code` took over that the site list does not show (none for most).
pub fn predecessors(code: &str) -> &'static [&'static str] {
    TRUST_PREDECESSORS.iter().find(|(t, _)| *t == code).map_or(&[], |t| t.1)
}

/// Sites that went to a trust other than their trust's successor: Pennine
/// Acute (RW6) was split in 2021, North Manchester General Hospital going to
/// Manchester University (R0A) and the rest to the Northern Care Alliance.
pub const SITE_TRANSFERS: [(&str, &str); 1] = [("RW602", "R0A")];

/// The region of a `--region` name.
pub fn region(name: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.name == name)
}
