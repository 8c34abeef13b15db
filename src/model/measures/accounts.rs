//! A provider's accounts: income by source and costs by kind, in pence
//! exact; one week's, or summed over a window.

use serde::{Deserialize, Serialize};

use super::money::Money;

/// A provider's money over the measured window.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Accounts {
    /// Paid by tariff, £.
    pub tariff_income: Money,
    /// Paid from the pooled budget, £.
    pub pooled_income: Money,
    /// The planner's quality grants, £.
    pub grant_income: Money,
    /// Quality payments: the withheld share of tariff paid back for quality
    /// (CQUIN), £.
    #[serde(default)]
    pub quality_payment_income: Money,
    /// Net received from the network's risk pool (negative: paid in), £.
    pub risk_pool: Money,
    /// Substantive staff, £.
    pub staff: Money,
    /// Agency staff, £.
    pub agency: Money,
    /// Recruiting staff from abroad, £.
    #[serde(default)]
    pub recruitment: Money,
    /// Consumables and other variable costs, £.
    pub variable: Money,
    /// Estate and overheads, £.
    pub fixed: Money,
    /// Network management overhead, £.
    pub coordination: Money,
    /// Billing and contracting, £.
    pub transaction: Money,
    /// Interest on debt and overdraft, £.
    pub interest: Money,
    /// Upkeep of quality, £.
    pub quality: Money,
    /// Implementing pathway standardisation, £.
    #[serde(default)]
    pub standardisation: Money,
    /// Cost of efficiency effort, £.
    pub efficiency: Money,
    /// Travel and coordination of redeployed staff, £.
    pub sharing: Money,
    /// Integration's transition cost, £.
    pub integration: Money,
}

impl Accounts {
    /// Income from the commissioner, £.
    pub fn income(&self) -> Money {
        self.tariff_income + self.pooled_income + self.grant_income + self.quality_payment_income
    }

    /// All costs, £.
    pub fn costs(&self) -> Money {
        self.staff
            + self.agency
            + self.recruitment
            + self.variable
            + self.fixed
            + self.coordination
            + self.transaction
            + self.interest
            + self.quality
            + self.standardisation
            + self.efficiency
            + self.sharing
            + self.integration
    }

    /// Income and risk-pool transfers less costs, £.
    pub fn surplus(&self) -> Money {
        self.income() + self.risk_pool - self.costs()
    }

    /// Adds another period's accounts.
    pub fn add(&mut self, o: &Accounts) {
        self.tariff_income += o.tariff_income;
        self.pooled_income += o.pooled_income;
        self.grant_income += o.grant_income;
        self.quality_payment_income += o.quality_payment_income;
        self.risk_pool += o.risk_pool;
        self.quality += o.quality;
        self.standardisation += o.standardisation;
        self.efficiency += o.efficiency;
        self.sharing += o.sharing;
        self.integration += o.integration;
        self.staff += o.staff;
        self.agency += o.agency;
        self.recruitment += o.recruitment;
        self.variable += o.variable;
        self.fixed += o.fixed;
        self.coordination += o.coordination;
        self.transaction += o.transaction;
        self.interest += o.interest;
    }
}
