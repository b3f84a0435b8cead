//! The rules, read from the configuration, and how they rewrite answers.

use serde::Deserialize;
use stonks_core::middleware::Middleware;
use stonks_core::v2::{LedgerEntry, LedgerKind, Page, PortfolioSnapshot};
use stonks_core::{Error, Result};

/// The settings, as the manifest declares them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RulesConfig {
    /// `"pattern => kind"` rules.
    #[serde(default)]
    pub recategorise: Vec<String>,
    /// Patterns of transfers between the user's own accounts.
    #[serde(default)]
    pub internal: Vec<String>,
    /// Accounts to leave out.
    #[serde(default)]
    pub hide_accounts: Vec<String>,
}

/// The rules, checked.
#[derive(Debug, Clone)]
pub struct Rules {
    /// (pattern, lower case; kind).
    recategorise: Vec<(String, LedgerKind)>,
    internal: Vec<String>,
    hide_accounts: Vec<String>,
}

impl Rules {
    /// The rules of `config`; a rule without `=>`, or with an empty pattern
    /// or kind, is a configuration error naming it.
    pub fn new(config: RulesConfig) -> Result<Rules> {
        let mut recategorise = Vec::new();
        for (i, rule) in config.recategorise.iter().enumerate() {
            let (pattern, kind) = rule
                .split_once("=>")
                .map(|(p, k)| (p.trim(), k.trim()))
                .filter(|(p, k)| !p.is_empty() && !k.is_empty())
                .ok_or_else(|| {
                    Error::config(format!(
                        "recategorise[{i}]: {rule:?} is not \"pattern => kind\""
                    ))
                })?;
            recategorise.push((pattern.to_lowercase(), LedgerKind::from_name(kind)));
        }
        let lower = |v: Vec<String>| {
            v.into_iter()
                .map(|p| p.trim().to_lowercase())
                .filter(|p| !p.is_empty())
                .collect()
        };
        Ok(Rules {
            recategorise,
            internal: lower(config.internal),
            hide_accounts: config.hide_accounts,
        })
    }

    fn hidden(&self, account: Option<&str>) -> bool {
        account.is_some_and(|a| self.hide_accounts.iter().any(|h| h == a))
    }

    /// One entry rewritten (or `None`: hidden).
    pub fn entry(&self, mut e: LedgerEntry) -> Option<LedgerEntry> {
        if self.hidden(e.account.as_deref()) {
            return None;
        }
        let text = e.description.as_deref().unwrap_or_default().to_lowercase();
        if let Some((_, kind)) = self.recategorise.iter().find(|(p, _)| text.contains(p)) {
            e.kind = kind.clone();
        }
        if matches!(e.kind, LedgerKind::Deposit | LedgerKind::Withdrawal)
            && self.internal.iter().any(|p| text.contains(p))
        {
            e.kind = LedgerKind::Transfer;
            let said = e.description.take().unwrap_or_default();
            e.description = Some(format!("internal transfer: {said}"));
        }
        Some(e)
    }
}

impl Rules {
    /// The snapshot without the hidden accounts.
    pub fn snapshot(&self, mut snapshot: PortfolioSnapshot) -> PortfolioSnapshot {
        snapshot
            .positions
            .retain(|p| !self.hidden(p.account.as_deref()));
        snapshot.cash.retain(|c| !self.hidden(c.account.as_deref()));
        snapshot
    }

    /// The page with every entry rewritten (the hidden left out).
    pub fn page(&self, mut page: Page<LedgerEntry>) -> Page<LedgerEntry> {
        let items = std::mem::take(&mut page.items);
        page.items = items.into_iter().filter_map(|e| self.entry(e)).collect();
        page
    }
}

#[async_trait::async_trait]
impl Middleware for Rules {
    async fn snapshot(
        &self,
        _broker: &str,
        snapshot: PortfolioSnapshot,
    ) -> Result<PortfolioSnapshot> {
        Ok(Rules::snapshot(self, snapshot))
    }

    async fn page(&self, _broker: &str, page: Page<LedgerEntry>) -> Result<Page<LedgerEntry>> {
        Ok(Rules::page(self, page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::Decimal;
    use stonks_core::{Currency, Money};

    fn entry(id: &str, kind: LedgerKind, text: &str, account: &str) -> LedgerEntry {
        let at = chrono::Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
        let mut e = LedgerEntry::new(
            id,
            at,
            kind,
            Money::new(Decimal::new(25000, 2), Currency::EUR),
        );
        e.description = Some(text.to_owned());
        e.account = Some(account.to_owned());
        e
    }

    fn rules() -> Rules {
        Rules::new(RulesConfig {
            recategorise: vec![
                "Securities lending => interest".into(),
                "custody fee=>fee".into(),
            ],
            internal: vec!["NL91ABNA0417164300".into()],
            hide_accounts: vec!["OLD".into()],
        })
        .unwrap()
    }

    #[test]
    fn entries_are_recategorised_marked_internal_or_hidden() {
        let r = rules();
        let page = Page::new(
            vec![
                entry(
                    "1",
                    LedgerKind::Other("CASH".into()),
                    "SECURITIES LENDING Q1",
                    "A",
                ),
                entry(
                    "2",
                    LedgerKind::Withdrawal,
                    "Withdrawal to nl91abna0417164300",
                    "A",
                ),
                entry("3", LedgerKind::Withdrawal, "Withdrawal to a stranger", "A"),
                entry("4", LedgerKind::Deposit, "Deposit", "OLD"),
                entry("5", LedgerKind::Dividend, "Custody fee refund", "A"),
            ],
            None,
        );
        let out = r.page(page);
        let got: Vec<(&str, &str)> = out
            .items
            .iter()
            .map(|e| (e.id.as_str(), e.kind.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("1", "interest"),
                ("2", "transfer"),
                ("3", "withdrawal"),
                ("5", "fee")
            ],
            "the first matching rule wins; OLD is hidden"
        );
        assert_eq!(
            out.items[1].description.as_deref(),
            Some("internal transfer: Withdrawal to nl91abna0417164300")
        );
        assert_eq!(
            out.items[1].amount.amount,
            Decimal::new(25000, 2),
            "amount unchanged"
        );
    }

    #[test]
    fn a_rule_that_cannot_be_read_is_a_config_error_naming_it() {
        let e = Rules::new(RulesConfig {
            recategorise: vec!["ok => fee".into(), "no arrow here".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.kind(), &stonks_core::ErrorKind::Config);
        assert!(
            e.message().contains("recategorise[1]: \"no arrow here\""),
            "{e}"
        );
    }
}
