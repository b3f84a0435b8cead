//! The ledger of several statements: each transaction once, the pairs
//! linked, in time order.
//!
//! Statements overlap (a year's query and the next one's, a file saved by
//! hand beside the web service's): an entry is kept the first time its
//! account and id are seen, whatever the overlap. Links are resolved over
//! the whole union, so a dividend and its withholding in two statements
//! still meet:
//!
//! * a withholding tax belongs to its dividend (or payment in lieu): the
//!   one with the same `actionID`, else the same security, time and
//!   currency;
//! * a dividend reversal (a negative dividend) belongs to the dividend it
//!   reverses, found the same way;
//! * a trade cancellation belongs to the trade it cancels
//!   (`origTransactionID`, else `origTradeID`).
//!
//! Where several dividends match, the first (by time, then IBKR's id) is
//! the one; where none does, the entry stands alone.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use stonks_core::Currency;
use stonks_core::v2::{LedgerEntry, sort_by_time};

/// What ties a dividend and its withholding (or its reversal) together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DividendKey {
    /// IBKR's `actionID`: the same on a dividend and its withholding.
    pub action_id: Option<String>,
    /// The security's `conid`.
    pub conid: Option<String>,
    /// The pay time (`dateTime`).
    pub at: DateTime<Utc>,
    /// The currency paid in.
    pub currency: Currency,
    /// A payment in lieu of a dividend (its tax says so in its description).
    pub in_lieu: bool,
}

/// How an entry relates to others, as its statement row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// A dividend or payment in lieu (a reversal when its amount is negative).
    Dividend(DividendKey),
    /// A withholding tax on a dividend.
    Tax(DividendKey),
    /// An execution with IBKR's `tradeID`.
    Trade {
        /// IBKR's `tradeID`.
        trade_id: String,
    },
    /// The cancellation of a trade.
    Cancel {
        /// The cancelled trade's `tradeID` (`origTradeID`).
        trade_id: Option<String>,
        /// The cancelled trade's `transactionID` (`origTransactionID`).
        transaction_id: Option<String>,
    },
}

/// Entries of one or more statements, each kept once.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: Vec<LedgerEntry>,
    links: Vec<Option<Link>>,
    /// `account \u{1f} id` to the entry's index.
    index: HashMap<String, usize>,
}

fn key(account: Option<&str>, id: &str) -> String {
    let account = account.unwrap_or_default();
    let mut k = String::with_capacity(account.len() + id.len() + 1);
    k.push_str(account);
    k.push('\u{1f}');
    k.push_str(id);
    k
}

/// IBKR's ids are numbers: shorter is smaller, then by text.
fn id_order(a: &LedgerEntry, b: &LedgerEntry) -> std::cmp::Ordering {
    a.timestamp
        .cmp(&b.timestamp)
        .then(a.id.len().cmp(&b.id.len()))
        .then(a.id.cmp(&b.id))
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `entry` unless an entry of its account with its id is already
    /// in; whether it was added.
    pub fn push(&mut self, entry: LedgerEntry, link: Option<Link>) -> bool {
        let k = key(entry.account.as_deref(), &entry.id);
        if self.index.contains_key(&k) {
            return false;
        }
        self.index.insert(k, self.entries.len());
        self.entries.push(entry);
        self.links.push(link);
        true
    }

    /// The entries, linked, in time order (then by id).
    pub fn finish(mut self) -> Vec<LedgerEntry> {
        self.link();
        let mut entries = self.entries;
        sort_by_time(&mut entries);
        entries
    }

    fn link(&mut self) {
        for (i, j) in owners(&self.entries, &self.links, &self.index) {
            let id = self.entries[j].id.clone();
            self.entries[i].belongs_to = Some(id);
        }
    }
}

/// A dividend's security, time, currency and kind, within its account.
type SecurityKey<'k> = (&'k str, &'k str, DateTime<Utc>, Currency, bool);

/// The positive dividends, by action id and by security.
#[derive(Default)]
struct Dividends<'k> {
    by_action: HashMap<(&'k str, &'k str), Vec<usize>>,
    by_security: HashMap<SecurityKey<'k>, Vec<usize>>,
}

impl Dividends<'_> {
    /// The first dividend (not `not`) that `k` names in `account`.
    fn of(
        &self,
        k: &DividendKey,
        account: &str,
        not: usize,
        entries: &[LedgerEntry],
    ) -> Option<usize> {
        let first = |list: Option<&Vec<usize>>| {
            list?
                .iter()
                .copied()
                .filter(|&j| j != not)
                .min_by(|&a, &b| id_order(&entries[a], &entries[b]))
        };
        let by_action = k
            .action_id
            .as_deref()
            .and_then(|a| first(self.by_action.get(&(account, a))));
        by_action.or_else(|| {
            let c = k.conid.as_deref()?;
            first(
                self.by_security
                    .get(&(account, c, k.at, k.currency, k.in_lieu)),
            )
        })
    }
}

/// `(entry, the entry it belongs to)` for every link that finds its owner.
fn owners(
    entries: &[LedgerEntry],
    links: &[Option<Link>],
    index: &HashMap<String, usize>,
) -> Vec<(usize, usize)> {
    let account = |i: usize| entries[i].account.as_deref().unwrap_or_default();
    let mut dividends = Dividends::default();
    let mut trades: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, link) in links.iter().enumerate() {
        match link {
            Some(Link::Dividend(k)) if entries[i].amount.amount.is_sign_positive() => {
                if let Some(a) = &k.action_id {
                    dividends
                        .by_action
                        .entry((account(i), a))
                        .or_default()
                        .push(i);
                }
                if let Some(c) = &k.conid {
                    dividends
                        .by_security
                        .entry((account(i), c, k.at, k.currency, k.in_lieu))
                        .or_default()
                        .push(i);
                }
            }
            Some(Link::Trade { trade_id }) => {
                trades.insert((account(i), trade_id), i);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let owner = match link {
            Some(Link::Tax(k)) => dividends.of(k, account(i), i, entries),
            Some(Link::Dividend(k)) if entries[i].amount.amount.is_sign_negative() => {
                dividends.of(k, account(i), i, entries)
            }
            Some(Link::Cancel {
                trade_id,
                transaction_id,
            }) => transaction_id
                .as_deref()
                .and_then(|t| index.get(&key(Some(account(i)), t)).copied())
                .or_else(|| trades.get(&(account(i), trade_id.as_deref()?)).copied())
                .filter(|&j| j != i),
            _ => None,
        };
        if let Some(j) = owner {
            out.push((i, j));
        }
    }
    out
}
