//! Money in whole pence, so that every transfer balances exactly.
//!
//! Each payment and each cost item is rounded to the penny once, when it is
//! made; from then on sums are exact integers. The commissioner's ledger and
//! the providers' ledgers therefore agree to the penny, whatever the order of
//! summation.
//!
//! Pence are held in an `i128`: with every input inside the scenario's
//! bounds ([`crate::model::bounds`]) the largest sum a run can make is below 10^26
//! pence, so no total can wrap; sums are checked all the same, and one that
//! would overflow saturates, which unbalances the ledger and fails the run
//! rather than giving a wrong figure.

use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money in pence. Serialised as pounds (a JSON number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Money(pub i128);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// Rounds an amount in pounds to the nearest penny.
    pub fn pounds(pounds: f64) -> Money {
        Money((pounds * 100.0).round() as i128)
    }

    /// The amount in pounds.
    pub fn as_pounds(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Splits this amount between claimants in proportion to `weights`, so
    /// that the parts sum exactly to the whole (largest remainder; ties to
    /// the earlier claimant). All-zero weights give all-zero parts.
    pub fn split(self, weights: &[f64], parts: &mut Vec<Money>) {
        parts.clear();
        let total: f64 = weights.iter().sum();
        if total <= 0.0 || self.0 == 0 {
            parts.resize(weights.len(), Money::ZERO);
            return;
        }
        let mut remainders = Vec::with_capacity(weights.len());
        let mut allocated = 0i128;
        for (i, w) in weights.iter().enumerate() {
            let exact = self.0 as f64 * w / total;
            let floor = exact.floor();
            parts.push(Money(floor as i128));
            allocated += floor as i128;
            remainders.push((exact - floor, i));
        }
        remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut left = self.0 - allocated;
        // Past 2^53 pence the float shares are inexact, and the floors can
        // miss the whole by more than a penny a claimant, either way: spread
        // that bulk evenly over the claimants with weight, in whole pence.
        let n = weights.iter().filter(|&&w| w > 0.0).count() as i128;
        if left < 0 || left > n {
            let each = left.div_euclid(n);
            for (part, _) in parts.iter_mut().zip(weights).filter(|(_, w)| **w > 0.0) {
                part.0 += each;
            }
            left -= each * n;
        }
        for (_, i) in remainders {
            if left <= 0 {
                break;
            }
            if weights[i] <= 0.0 {
                continue;
            }
            parts[i].0 += 1;
            left -= 1;
        }
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_pounds())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        f64::deserialize(d).map(Money::pounds)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0.saturating_add(o.0))
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0.saturating_sub(o.0))
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(self.0.saturating_neg())
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 = self.0.saturating_add(o.0);
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, o: Money) {
        self.0 = self.0.saturating_sub(o.0);
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_to_the_penny() {
        assert_eq!(Money::pounds(1.006).0, 101);
        assert_eq!(Money::pounds(-2.5).as_pounds(), -2.5);
    }

    proptest! {
        /// Amounts far past 2^53 pence (where float shares are inexact) still
        /// split into parts that add up exactly to the whole.
        #[test]
        fn huge_splits_conserve_the_whole(total in -(1i128 << 100)..(1i128 << 100), weights in prop::collection::vec(0.0f64..1e6, 1..40)) {
            let mut parts = Vec::new();
            Money(total).split(&weights, &mut parts);
            if weights.iter().sum::<f64>() > 0.0 {
                prop_assert_eq!(parts.iter().copied().sum::<Money>(), Money(total));
                for (part, w) in parts.iter().zip(&weights) {
                    if *w == 0.0 {
                        prop_assert_eq!(part.0, 0);
                    }
                }
            }
        }

        /// The parts of a split always add up to the whole, and each part is
        /// within a penny of its exact proportional share.
        #[test]
        fn split_conserves_the_whole(total in 0i64..10_000_000_000, weights in prop::collection::vec(0.0f64..1e6, 1..40)) {
            let mut parts = Vec::new();
            Money(i128::from(total)).split(&weights, &mut parts);
            prop_assert_eq!(parts.len(), weights.len());
            let sum: f64 = weights.iter().sum();
            if sum > 0.0 {
                prop_assert_eq!(parts.iter().copied().sum::<Money>(), Money(i128::from(total)));
                for (part, w) in parts.iter().zip(&weights) {
                    let exact = total as f64 * w / sum;
                    prop_assert!((part.0 as f64 - exact).abs() <= 1.0 + 1e-6 * exact.abs());
                }
            }
        }
    }
}
