//! Version 2 of the service traits: the full shape.
//!
//! A portfolio is a [`PortfolioSnapshot`] of [`Position`]s and [`CashBalance`]s,
//! every amount a [`Money`]. Transactions are one ledger of every money
//! movement ([`LedgerEntry`]), read page by page with a [`TransactionQuery`];
//! [`TransactionServiceExt::ledger`] turns the pages into a `Stream`.
//!
//! The query types are options structs (`#[non_exhaustive]` with `Default`
//! and builder methods), so adding an option later does not break callers or
//! implementors.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::model::{Currency, Instrument, Money};

/// Options for [`PortfolioService::snapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PortfolioQuery {
    /// Also return positions whose quantity is zero (closed positions).
    pub include_closed: bool,
}

impl PortfolioQuery {
    /// The default query: open positions and all cash.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`PortfolioQuery::include_closed`].
    pub fn include_closed(mut self, yes: bool) -> Self {
        self.include_closed = yes;
        self
    }
}

/// One holding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
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

/// Cash held in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashBalance {
    /// The amount (its currency is the balance's currency).
    pub amount: Money,
}

/// A portfolio at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioSnapshot {
    /// When the broker's figures were valid (UTC).
    pub as_of: DateTime<Utc>,
    /// Holdings other than cash.
    pub positions: Vec<Position>,
    /// Cash, one entry per currency.
    pub cash: Vec<CashBalance>,
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
    /// A move between accounts or wallets of the same owner.
    Transfer,
    /// A staking reward.
    StakingReward,
    /// A currency conversion.
    FxConversion,
    /// Anything else, with the broker's name for it.
    Other(String),
}

impl LedgerKind {
    /// Every named kind (all but `Other`).
    pub const NAMED: [LedgerKind; 11] = [
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

impl<'de> Deserialize<'de> for LedgerKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(LedgerKind::from_name(&s))
    }
}

/// One money movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The broker's id for the movement, unique and stable within the broker.
    pub id: String,
    /// When it happened (UTC).
    pub timestamp: DateTime<Utc>,
    /// What it is.
    pub kind: LedgerKind,
    /// The instrument involved, for trades, dividends and the like.
    pub instrument: Option<Instrument>,
    /// Units of the instrument, positive (the kind says the direction).
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
}

/// An opaque position in a paged listing, issued by the plugin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

/// Options for [`TransactionService::transactions`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TransactionQuery {
    /// Entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries strictly before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only these kinds; empty means every kind.
    pub kinds: Vec<LedgerKind>,
    /// Continue after this page; `None` for the first page.
    pub cursor: Option<Cursor>,
    /// Page size wanted: a hint. Plugins whose broker pages by itself may
    /// return pages of the broker's size; every page may hold fewer.
    pub limit: Option<u32>,
}

impl TransactionQuery {
    /// Every entry, first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries in `[from, until)`.
    pub fn range(mut self, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self.until = Some(until);
        self
    }

    /// Entries at or after `from`.
    pub fn since(mut self, from: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self
    }

    /// Entries strictly before `until`.
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// Only these kinds.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = LedgerKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }

    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continue after `cursor`.
    pub fn cursor(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }

    /// Whether `entry` falls in this query's range and kinds. Plugins use this
    /// to filter what the broker cannot filter itself.
    pub fn matches(&self, entry: &LedgerEntry) -> bool {
        self.from.is_none_or(|f| entry.timestamp >= f)
            && self.until.is_none_or(|u| entry.timestamp < u)
            && (self.kinds.is_empty() || self.kinds.contains(&entry.kind))
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// The only page: `items`, nothing after it.
    pub fn last(items: Vec<T>) -> Self {
        Page {
            items,
            next_cursor: None,
        }
    }
}

/// Slices an in-memory, ordered list into pages by offset cursors. For
/// plugins whose broker returns everything at once.
pub fn page_from_slice<T: Clone>(all: &[T], query: &TransactionQuery) -> Result<Page<T>> {
    let start = match &query.cursor {
        None => 0,
        Some(Cursor(c)) => c.parse::<usize>().map_err(|_| {
            Error::config(format!(
                "invalid cursor {:?}",
                crate::error::excerpt_of(c, 40)
            ))
        })?,
    };
    Ok(slice(all, start, query, |end| end.to_string()))
}

/// Paging for plugins that read a whole time range from their broker and
/// serve it in slices: the cursor holds the offset and the end of the range
/// as it was pinned by the first page, so entries booked while a caller
/// pages do not shift the offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeCursor {
    /// Index of the first entry of the page.
    pub offset: usize,
    /// The exclusive end of the range, fixed at the first page.
    pub until: DateTime<Utc>,
}

impl RangeCursor {
    /// Where `query` starts: its cursor, or offset 0 with `until` pinned to
    /// the query's `until` or now.
    pub fn start(query: &TransactionQuery) -> Result<Self> {
        let Some(Cursor(text)) = &query.cursor else {
            return Ok(RangeCursor {
                offset: 0,
                until: query.until.unwrap_or_else(Utc::now),
            });
        };
        let bad = || {
            Error::config(format!(
                "invalid cursor {:?}",
                crate::error::excerpt_of(text, 40)
            ))
        };
        let (offset, nanos) = text.split_once('@').ok_or_else(bad)?;
        let nanos: i64 = nanos.parse().map_err(|_| bad())?;
        Ok(RangeCursor {
            offset: offset.parse().map_err(|_| bad())?,
            until: DateTime::from_timestamp_nanos(nanos),
        })
    }

    /// The page of `all` (the whole range, filtered and ordered) at this
    /// cursor, with the query's page size.
    pub fn page<T: Clone>(&self, all: &[T], query: &TransactionQuery) -> Page<T> {
        let nanos = self.until.timestamp_nanos_opt().unwrap_or(i64::MAX);
        slice(all, self.offset, query, |end| format!("{end}@{nanos}"))
    }
}

/// The page of `all` starting at `start` with the query's page size; the
/// next cursor, if any, is `cursor(end)`.
fn slice<T: Clone>(
    all: &[T],
    start: usize,
    query: &TransactionQuery,
    cursor: impl FnOnce(usize) -> String,
) -> Page<T> {
    let limit = query.limit.map_or(usize::MAX, |l| l.max(1) as usize);
    let end = start.saturating_add(limit).min(all.len());
    let items = all.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    let next_cursor = (end < all.len()).then(|| Cursor(cursor(end)));
    Page { items, next_cursor }
}

/// Full portfolio service.
#[async_trait]
pub trait PortfolioService: Send + Sync {
    /// The portfolio now.
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot>;
}

/// Full ledger service.
#[async_trait]
pub trait TransactionService: Send + Sync {
    /// One page of ledger entries matching `query`, oldest first.
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>>;
}

#[async_trait]
impl<T: PortfolioService + ?Sized> PortfolioService for std::sync::Arc<T> {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        (**self).snapshot(query).await
    }
}

#[async_trait]
impl<T: TransactionService + ?Sized> TransactionService for std::sync::Arc<T> {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        (**self).transactions(query).await
    }
}

/// Conveniences on every [`TransactionService`].
pub trait TransactionServiceExt: TransactionService {
    /// Every entry matching `query` (its cursor is the starting point), as a
    /// stream that fetches the next page when the current one is used up.
    fn ledger(&self, query: TransactionQuery) -> BoxStream<'_, Result<LedgerEntry>>
    where
        Self: Sized,
    {
        paginate(query, move |q| async move { self.transactions(&q).await })
    }
}

impl<S: TransactionService + ?Sized> TransactionServiceExt for S {}

/// Turns a paged call into a stream of items. A plugin that hands back a
/// cursor it already returned breaks its contract: the stream ends with a
/// [`crate::ErrorKind::Plugin`] error instead of looping forever.
pub fn paginate<'a, T, F, Fut>(query: TransactionQuery, fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: Fn(TransactionQuery) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<Page<T>>> + Send + 'a,
{
    struct State<F> {
        query: Option<TransactionQuery>,
        seen: std::collections::HashSet<Cursor>,
        fetch: F,
    }
    let state = State {
        query: Some(query),
        seen: Default::default(),
        fetch,
    };
    stream::unfold(state, |mut st| async move {
        let q = st.query.take()?;
        match (st.fetch)(q.clone()).await {
            Err(e) => Some((stream::iter(vec![Err(e)]), st)),
            Ok(page) => {
                if let Some(next) = page.next_cursor.clone() {
                    if !st.seen.insert(next.clone()) {
                        let e = Error::plugin_fault(format!(
                            "pagination returned cursor {:?} twice",
                            crate::error::excerpt_of(&next.0, 40)
                        ));
                        let mut items: Vec<Result<T>> = page.items.into_iter().map(Ok).collect();
                        items.push(Err(e));
                        return Some((stream::iter(items), st));
                    }
                    st.query = Some(q.cursor(Some(next)));
                }
                Some((
                    stream::iter(page.items.into_iter().map(Ok).collect::<Vec<_>>()),
                    st,
                ))
            }
        }
    })
    .flatten()
    .boxed()
}

/// Reads every page of `query` into one list.
pub async fn collect_ledger<S: TransactionService + ?Sized>(
    service: &S,
    query: TransactionQuery,
) -> Result<Vec<LedgerEntry>> {
    let mut out = Vec::new();
    let mut stream = paginate(query, |q| async move { service.transactions(&q).await });
    while let Some(item) = stream.next().await {
        out.push(item?);
    }
    Ok(out)
}

/// A currency-less shortcut used by the adapters and tests.
pub(crate) fn money(amount: Decimal, currency: &Currency) -> Money {
    Money::new(amount, currency.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use chrono::TimeZone;

    fn entry(i: i64) -> LedgerEntry {
        LedgerEntry {
            id: i.to_string(),
            timestamp: Utc.timestamp_opt(1_700_000_000 + i, 0).unwrap(),
            kind: LedgerKind::Deposit,
            instrument: None,
            quantity: None,
            price: None,
            amount: Money::new(Decimal::from(i), Currency::new("EUR").unwrap()),
            fees: vec![],
            description: None,
        }
    }

    struct Fixed(Vec<LedgerEntry>);

    #[async_trait]
    impl TransactionService for Fixed {
        async fn transactions(&self, q: &TransactionQuery) -> Result<Page<LedgerEntry>> {
            let filtered: Vec<_> = self.0.iter().filter(|e| q.matches(e)).cloned().collect();
            page_from_slice(&filtered, q)
        }
    }

    #[tokio::test]
    async fn stream_reads_every_page_once() {
        let svc = Fixed((0..25).map(entry).collect());
        let all = collect_ledger(&svc, TransactionQuery::new().limit(7))
            .await
            .unwrap();
        let ids: Vec<_> = all.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, (0..25).map(|i| i.to_string()).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn repeated_cursor_is_a_plugin_error() {
        struct Stuck;
        #[async_trait]
        impl TransactionService for Stuck {
            async fn transactions(&self, _: &TransactionQuery) -> Result<Page<LedgerEntry>> {
                Ok(Page {
                    items: vec![entry(1)],
                    next_cursor: Some(Cursor("same".into())),
                })
            }
        }
        let err = collect_ledger(&Stuck, TransactionQuery::new())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Plugin);
    }

    #[test]
    fn query_range_is_half_open() {
        let q = TransactionQuery::new().range(entry(5).timestamp, entry(8).timestamp);
        let hits: Vec<i64> = (0..10).filter(|&i| q.matches(&entry(i))).collect();
        assert_eq!(hits, vec![5, 6, 7]);
    }

    #[test]
    fn ledger_entries_round_trip_with_decimals_as_strings() {
        let mut e = entry(3);
        e.amount = Money::new(
            "-1234.567890123456789".parse().unwrap(),
            Currency::new("EUR").unwrap(),
        );
        e.fees = vec![Money::new(
            "0.000000001".parse().unwrap(),
            Currency::new("BTC").unwrap(),
        )];
        e.kind = LedgerKind::Other("airdrop".into());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["amount"]["amount"], "-1234.567890123456789");
        assert_eq!(json["fees"][0]["amount"], "0.000000001");
        assert_eq!(json["kind"], "airdrop");
        assert_eq!(json["timestamp"], "2023-11-14T22:13:23Z");
        let back: LedgerEntry = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
        let q = TransactionQuery::new()
            .kinds([LedgerKind::Dividend])
            .limit(5);
        let back: TransactionQuery =
            serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn kind_names_round_trip() {
        for k in LedgerKind::NAMED {
            assert_eq!(LedgerKind::from_name(k.as_str()), k);
        }
        assert_eq!(
            LedgerKind::from_name("airdrop"),
            LedgerKind::Other("airdrop".into())
        );
    }
}
