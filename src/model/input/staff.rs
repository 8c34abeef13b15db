//! The four staff groups: a figure per group and the groups' names, shared
//! by the scenario format, the labour-market parameters and the timeline.

use serde::{Deserialize, Serialize};

/// A figure per staff group.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffGroups<T> {
    /// Doctors.
    pub medical: T,
    /// Nurses.
    pub nursing: T,
    /// Midwives.
    pub midwifery: T,
    /// Allied health professionals.
    pub allied: T,
}

impl<T: Copy> StaffGroups<T> {
    /// The figures in group order (medical, nursing, midwifery, allied).
    pub fn by_group(&self) -> [T; 4] {
        [self.medical, self.nursing, self.midwifery, self.allied]
    }

    /// The figures in group order, to change.
    pub fn by_group_mut(&mut self) -> [&mut T; 4] {
        [&mut self.medical, &mut self.nursing, &mut self.midwifery, &mut self.allied]
    }
}

/// The names of the staff groups, in [`StaffGroups::by_group`] order.
pub const STAFF_GROUPS: [&str; 4] = ["medical", "nursing", "midwifery", "allied"];
