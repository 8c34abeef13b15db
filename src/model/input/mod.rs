//! What a scenario says: its format and checks ([`scenario`]), the
//! configuration of its services across sites ([`configuration`]), the
//! parameter blocks ([`params`]), regimes and presets ([`regime`]), timed
//! changes ([`timeline`]), the road travel-time model ([`travel`]), the
//! population's ageing ([`demography`]), the staff groups ([`staff`]) and
//! the bounds every number is checked against, with the problem type and
//! range checks ([`bounds`]).

pub mod bounds;
pub mod configuration;
pub mod demography;
pub mod params;
pub mod regime;
pub mod scenario;
pub mod staff;
pub mod timeline;
pub mod travel;
