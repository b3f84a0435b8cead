//! What v2 services return: snapshots of positions and cash, and ledger
//! entries of every money movement.
//!
//! The structs are `#[non_exhaustive]`: build them with their `new` function
//! and set the public fields, so a field added later breaks no plugin.
//! Fields added after the first release deserialise with a default, so
//! entries stored by an older version still read.

use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{Instrument, Money};
use crate::problem::ReadProblem;

/// One holding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Position {
    /// The broker account it is held in, when the broker names accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// What is held.
    pub instrument: Instrument,
    /// How much is held (negative for a short position).
    pub quantity: Decimal,
    /// Last price per unit; `None` when the broker has none.
    pub price: Option<Money>,
    /// Market value; `None` when unknown (never a made-up zero).
    pub market_value: Option<Money>,
    /// What was paid for the position in total.
    pub cost_basis: Option<Money>,
    /// Market value minus cost basis.
    pub unrealized_pnl: Option<Money>,
}

impl Position {
    /// `quantity` of `instrument`, every other figure unknown.
    pub fn new(instrument: Instrument, quantity: Decimal) -> Self {
        Position {
            account: None,
            instrument,
            quantity,
            price: None,
            market_value: None,
            cost_basis: None,
            unrealized_pnl: None,
        }
    }
}

/// Cash held in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct CashBalance {
    /// The broker account it is held in, when the broker names accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The amount (its currency is the balance's currency).
    pub amount: Money,
}

impl CashBalance {
    /// A balance of `amount`.
    pub fn new(amount: Money) -> Self {
        CashBalance {
            account: None,
            amount,
        }
    }
}

/// A portfolio at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct PortfolioSnapshot {
    /// When the broker's figures were valid (UTC).
    pub as_of: DateTime<Utc>,
    /// Holdings other than cash.
    pub positions: Vec<Position>,
    /// Cash, one entry per currency and account.
    pub cash: Vec<CashBalance>,
    /// What could not be read and was left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ReadProblem>,
}

impl PortfolioSnapshot {
    /// An empty snapshot as of `as_of`.
    pub fn new(as_of: DateTime<Utc>) -> Self {
        PortfolioSnapshot {
            as_of,
            positions: Vec::new(),
            cash: Vec::new(),
            problems: Vec::new(),
        }
    }
}

/// What a ledger entry is. New kinds a broker adds later arrive as `Other`
/// with the broker's own name, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LedgerKind {
    /// Bought an instrument.
    Buy,
    /// Sold an instrument.
    Sell,
    /// Money or assets paid in.
    Deposit,
    /// Money or assets paid out.
    Withdrawal,
    /// A dividend or payment in lieu.
    Dividend,
    /// Interest received or paid.
    Interest,
    /// A fee not attached to a trade entry.
    Fee,
    /// A tax, e.g. dividend withholding tax.
    Tax,
    /// A move between accounts or wallets of the same owner (of cash, or of
    /// an instrument: then `quantity` is signed, positive in, negative out).
    Transfer,
    /// A staking reward.
    StakingReward,
    /// A currency conversion.
    FxConversion,
    /// A split: more units of the same instrument ([`CorporateAction::ratio`]).
    Split,
    /// A reverse split: fewer units of the same instrument.
    ReverseSplit,
    /// A spin-off: units of a new instrument for units held
    /// ([`CorporateAction::new_instrument`]).
    SpinOff,
    /// A merger or acquisition: the instrument held is exchanged for another
    /// and/or cash.
    Merger,
    /// Anything else, with the broker's name for it.
    Other(String),
}

impl LedgerKind {
    /// Every named kind (all but `Other`).
    pub const NAMED: [LedgerKind; 15] = [
        LedgerKind::Buy,
        LedgerKind::Sell,
        LedgerKind::Deposit,
        LedgerKind::Withdrawal,
        LedgerKind::Dividend,
        LedgerKind::Interest,
        LedgerKind::Fee,
        LedgerKind::Tax,
        LedgerKind::Transfer,
        LedgerKind::StakingReward,
        LedgerKind::FxConversion,
        LedgerKind::Split,
        LedgerKind::ReverseSplit,
        LedgerKind::SpinOff,
        LedgerKind::Merger,
    ];

    /// The stable snake_case name (`staking_reward`, ...); `Other` gives its text.
    pub fn as_str(&self) -> &str {
        match self {
            LedgerKind::Buy => "buy",
            LedgerKind::Sell => "sell",
            LedgerKind::Deposit => "deposit",
            LedgerKind::Withdrawal => "withdrawal",
            LedgerKind::Dividend => "dividend",
            LedgerKind::Interest => "interest",
            LedgerKind::Fee => "fee",
            LedgerKind::Tax => "tax",
            LedgerKind::Transfer => "transfer",
            LedgerKind::StakingReward => "staking_reward",
            LedgerKind::FxConversion => "fx_conversion",
            LedgerKind::Split => "split",
            LedgerKind::ReverseSplit => "reverse_split",
            LedgerKind::SpinOff => "spin_off",
            LedgerKind::Merger => "merger",
            LedgerKind::Other(s) => s,
        }
    }

    /// The inverse of [`LedgerKind::as_str`]; unknown names become `Other`.
    pub fn from_name(name: &str) -> Self {
        LedgerKind::NAMED
            .iter()
            .find(|k| k.as_str() == name)
            .cloned()
            .unwrap_or_else(|| LedgerKind::Other(name.to_owned()))
    }

    /// Whether this kind is a trade (buy or sell).
    pub fn is_trade(&self) -> bool {
        matches!(self, LedgerKind::Buy | LedgerKind::Sell)
    }

    /// Whether this kind is a corporate action (split, reverse split,
    /// spin-off, merger).
    pub fn is_corporate_action(&self) -> bool {
        matches!(
            self,
            LedgerKind::Split | LedgerKind::ReverseSplit | LedgerKind::SpinOff | LedgerKind::Merger
        )
    }
}

impl fmt::Display for LedgerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LedgerKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl schemars::JsonSchema for LedgerKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LedgerKind".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "ledger-kind", "description": "`buy`, `sell`, `deposit`, `withdrawal`, `dividend`, `interest`, `fee`, `tax`, `transfer`, `staking_reward`, `fx_conversion`, `split`, `reverse_split`, `spin_off`, `merger`; any other name is `other`, kept as given." })
    }
}

impl<'de> Deserialize<'de> for LedgerKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::model::from_text(d, "a ledger kind", |s| Ok(LedgerKind::from_name(s)))
    }
}

/// `new` units for every `old` units: a 4-for-1 split is `4 : 1`, a
/// 1-for-10 reverse split `1 : 10`. Kept as two numbers because the quotient
/// (2 : 3) need not be exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Ratio {
    /// Units after.
    pub new: Decimal,
    /// Units before.
    pub old: Decimal,
}

impl Ratio {
    /// `new : old`.
    pub fn new(new: Decimal, old: Decimal) -> Self {
        Ratio { new, old }
    }

    /// `quantity` after the action: `quantity * new / old`; `None` when
    /// `old` is zero or the result is out of range.
    pub fn apply(&self, quantity: Decimal) -> Option<Decimal> {
        quantity.checked_mul(self.new)?.checked_div(self.old)
    }
}

/// The terms of a corporate action, as far as the broker states them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct CorporateAction {
    /// Units after per units before, for splits and for mergers into a
    /// fixed number of new units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Ratio>,
    /// What was received, when it is another instrument (spin-off, merger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_instrument: Option<Instrument>,
    /// Units of `new_instrument` received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_quantity: Option<Decimal>,
    /// The part of the old instrument's cost basis that moves to the new
    /// one (0 to 1), when the broker or issuer states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_basis_fraction: Option<Decimal>,
}

impl CorporateAction {
    /// A split or reverse split of `new : old`.
    pub fn split(ratio: Ratio) -> Self {
        CorporateAction {
            ratio: Some(ratio),
            ..Self::default()
        }
    }

    /// `quantity` units of `instrument` received.
    pub fn receive(instrument: Instrument, quantity: Decimal) -> Self {
        CorporateAction {
            new_instrument: Some(instrument),
            new_quantity: Some(quantity),
            ..Self::default()
        }
    }
}

/// One money movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// The broker's id for the movement, unique and stable within the
    /// broker account.
    pub id: String,
    /// The broker account it belongs to (DEGIRO's intAccount, an IBKR
    /// account id), when the broker names accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// When it happened (UTC).
    pub timestamp: DateTime<Utc>,
    /// What it is.
    pub kind: LedgerKind,
    /// The instrument involved, for trades, dividends and the like.
    pub instrument: Option<Instrument>,
    /// Units of the instrument, positive (the kind says the direction);
    /// signed for instrument transfers and corporate actions (units in
    /// positive, units out negative).
    pub quantity: Option<Decimal>,
    /// Price per unit.
    pub price: Option<Money>,
    /// Signed cash effect on the account, before fees: negative for buys,
    /// withdrawals, fees and taxes; positive for sells, deposits, dividends.
    pub amount: Money,
    /// Fees paid for this movement, each positive, possibly in several currencies.
    pub fees: Vec<Money>,
    /// The broker's own description, when it gives one.
    pub description: Option<String>,
    /// The id of the entry this one belongs to: a withholding tax to its
    /// dividend, a fee to its trade, a reversal to what it reverses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub belongs_to: Option<String>,
    /// The terms of a corporate action (boxed: rare, and large).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Box<CorporateAction>>,
    /// The cost basis an instrument transfer carries, when the source
    /// states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_basis: Option<Money>,
}

impl LedgerEntry {
    /// An entry with the fields every movement has; the rest empty.
    pub fn new(
        id: impl Into<String>,
        timestamp: DateTime<Utc>,
        kind: LedgerKind,
        amount: Money,
    ) -> Self {
        LedgerEntry {
            id: id.into(),
            account: None,
            timestamp,
            kind,
            instrument: None,
            quantity: None,
            price: None,
            amount,
            fees: Vec::new(),
            description: None,
            belongs_to: None,
            action: None,
            cost_basis: None,
        }
    }
}

/// Sorts `entries` by time, then id, moving each entry at most twice: the
/// order of a page as the v2 contract states it. Entries already in order,
/// or in reverse order (brokers that page newest first), cost one pass.
pub fn sort_by_time(entries: &mut Vec<LedgerEntry>) {
    let before = |a: &LedgerEntry, b: &LedgerEntry| {
        a.timestamp.cmp(&b.timestamp).then_with(|| a.id.cmp(&b.id))
    };
    if entries.is_sorted_by(|a, b| before(a, b).is_le()) {
        return;
    }
    if entries.is_sorted_by(|a, b| before(a, b).is_ge()) {
        entries.reverse();
        return;
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| before(&entries[a], &entries[b]));
    let mut slots: Vec<Option<LedgerEntry>> = entries.drain(..).map(Some).collect();
    entries.extend(order.into_iter().filter_map(|i| slots[i].take()));
}
