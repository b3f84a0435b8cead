//! Rows to ledger entries and positions: exact decimals, explicit times,
//! ids kept or made from the row's content, and each unreadable row left
//! out and reported.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use stonks_core::v2::{
    CashBalance, CorporateAction, LedgerEntry, LedgerKind, PortfolioSnapshot, Position, Ratio,
    sort_by_time,
};
use stonks_core::wire::{self, ConvertError, Rows, clean_text, parse_decimal, parse_timestamp};
use stonks_core::{AssetClass, Currency, Decimal, Instrument, Isin, Money, ReadProblem, Result};

use crate::client::Format;
use crate::wire::{Amount, PositionRow, Row, csv_position, csv_row};

/// The id of a row without one: a digest of everything it says, so the
/// same row read again gets the same id. Identical rows are told apart by
/// their occurrence (`…-1`, `…-2`) in [`ledger`].
pub fn content_id(row: &Row<'_>) -> String {
    let mut h = Sha256::new();
    let opt = |s: &Option<std::borrow::Cow<'_, str>>| s.as_deref().unwrap_or("").to_owned();
    let dec =
        |d: Option<wire::ExactDecimal>| d.map(|d| d.0.normalize().to_string()).unwrap_or_default();
    let fees: Vec<String> = row
        .fees
        .iter()
        .map(|f| format!("{} {}", f.amount.0.normalize(), f.currency))
        .collect();
    for part in [
        row.timestamp.to_string(),
        row.kind.to_string(),
        opt(&row.symbol),
        opt(&row.isin),
        dec(row.quantity),
        dec(row.price),
        row.amount.0.normalize().to_string(),
        row.currency.to_string(),
        fees.join("+"),
        opt(&row.description),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("row-{hex}")
}

fn time(text: &str) -> std::result::Result<DateTime<Utc>, ConvertError> {
    if let Ok(d) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    parse_timestamp(text).map_err(|e| ConvertError::at("timestamp", e))
}

fn money(a: &Amount<'_>, field: &str) -> std::result::Result<Money, ConvertError> {
    Ok(Money::new(a.amount.0, wire::currency(&a.currency, field)?))
}

fn instrument(
    symbol: Option<&str>,
    isin: Option<&str>,
    name: Option<&str>,
    class: Option<&str>,
    field: &str,
) -> std::result::Result<Option<Instrument>, ConvertError> {
    let (symbol, isin) = (clean_text(symbol), clean_text(isin));
    let isin = isin
        .map(|i| Isin::new(i).map_err(|e| ConvertError::at(field, e.message().to_owned())))
        .transpose()?;
    let Some(id) = isin.map(|i| i.to_string()).or(symbol.map(str::to_owned)) else {
        return Ok(None);
    };
    let name = clean_text(name).or(symbol).unwrap_or(&id).to_owned();
    let mut i = Instrument::new(
        id,
        name,
        class.map_or(AssetClass::Stock, AssetClass::from_name),
    );
    i.symbol = symbol.map(str::to_owned);
    i.isin = isin;
    Ok(Some(i))
}

/// One row as an entry of `account`, with `id`.
fn entry(
    row: &Row<'_>,
    id: String,
    account: &str,
) -> std::result::Result<LedgerEntry, ConvertError> {
    let currency = wire::currency(&row.currency, "currency")?;
    let mut e = LedgerEntry::new(
        id,
        time(&row.timestamp)?,
        LedgerKind::from_name(row.kind.trim()),
        Money::new(row.amount.0, currency),
    );
    e.account = Some(account.to_owned());
    e.instrument = instrument(
        row.symbol.as_deref(),
        row.isin.as_deref(),
        row.name.as_deref(),
        row.asset_class.as_deref(),
        "isin",
    )?;
    e.quantity = row.quantity.map(|q| q.0);
    e.price = row.price.map(|p| Money::new(p.0, currency));
    e.fees = row
        .fees
        .iter()
        .map(|f| money(f, "fees").map(|m| Money::new(m.amount.abs(), m.currency)))
        .collect::<std::result::Result<_, _>>()?;
    e.description = clean_text(row.description.as_deref()).map(str::to_owned);
    e.belongs_to = clean_text(row.belongs_to.as_deref()).map(str::to_owned);
    e.cost_basis = row
        .cost_basis
        .as_ref()
        .map(|c| money(c, "cost_basis"))
        .transpose()?;
    if let Some(r) = clean_text(row.ratio.as_deref()) {
        let (new, old) = r
            .split_once(':')
            .ok_or_else(|| ConvertError::at("ratio", format!("{r:?} is not new:old (\"4:1\")")))?;
        let part = |t: &str| parse_decimal(t.trim()).map_err(|e| ConvertError::at("ratio", e));
        e.action = Some(Box::new(CorporateAction::split(Ratio::new(
            part(new)?,
            part(old)?,
        ))));
    }
    let received = instrument(
        row.new_symbol.as_deref(),
        row.new_isin.as_deref(),
        None,
        row.asset_class.as_deref(),
        "new_isin",
    )?;
    if let (Some(new), Some(q)) = (received, row.new_quantity) {
        let mut action = CorporateAction::receive(new, q.0);
        action.cost_basis_fraction = row.cost_fraction.map(|f| f.0);
        // A spin-off or merger may state its ratio too (IBKR's do).
        action.ratio = e.action.as_ref().and_then(|a| a.ratio);
        e.action = Some(Box::new(action));
    }
    Ok(e)
}

/// Parsed rows (or why not) with their place in the file.
type Parsed<'a> = Vec<(usize, std::result::Result<Row<'a>, String>)>;

/// The header and the records of a CSV file, a record that cannot be read
/// kept as its reason.
///
/// A quote that is never closed makes the `csv` crate read the rest of the
/// file as one field of one last record, without an error: that record is
/// told apart by its odd number of quotes (a closed quoted field, `""`
/// escapes included, always has an even number) and left out as a problem
/// naming the line where the quote opened.
fn csv_table(
    bytes: &[u8],
    source: &str,
) -> Result<(
    csv::StringRecord,
    Vec<std::result::Result<csv::StringRecord, String>>,
)> {
    let not_csv =
        |e: csv::Error| stonks_core::Error::protocol(source, None, format!("not CSV: {e}"), "");
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader.headers().map_err(not_csv)?.clone();
    let mut records: Vec<std::result::Result<csv::StringRecord, String>> = Vec::new();
    let mut last_start = None;
    for r in reader.records() {
        last_start = r.as_ref().ok().and_then(|r| r.position()).cloned();
        records.push(r.map_err(|e| e.to_string()));
    }
    if let Some(pos) = last_start {
        let start = usize::try_from(pos.byte()).unwrap_or(usize::MAX);
        let rest = bytes.get(start..).unwrap_or_default();
        if rest.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
            let lines = rest.iter().filter(|&&b| b == b'\n').count();
            if let Some(last) = records.last_mut() {
                *last = Err(format!(
                    "line {}: a quote opened on this line is never closed, so the {} line(s) after it would be one value: left out (close the quote)",
                    pos.line(),
                    lines.saturating_sub(1)
                ));
            }
        }
    }
    Ok((header, records))
}

/// The entries of a ledger file of `account`, oldest first, and a problem
/// for each row left out. A file that is not a list of rows at all (or
/// not CSV) is an error.
pub fn ledger(
    bytes: &[u8],
    format: Format,
    account: &str,
    source: &str,
) -> Result<(Vec<LedgerEntry>, Vec<ReadProblem>)> {
    match format {
        Format::Json => {
            let rows: Rows<'_, Row<'_>> = wire::from_json(source, bytes)?;
            let mut problems = rows.problems(source, "id", &Default::default());
            let parsed: Parsed<'_> = rows
                .ok
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i, Ok(r)))
                .collect();
            let (entries, more) = entries(parsed, account, source);
            problems.extend(more);
            Ok((entries, problems))
        }
        Format::Csv => {
            let (header, records) = csv_table(bytes, source)?;
            let parsed: Parsed<'_> = records
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    (
                        i,
                        r.as_ref()
                            .map_err(Clone::clone)
                            .and_then(|r| csv_row(&header, r)),
                    )
                })
                .collect();
            Ok(entries(parsed, account, source))
        }
    }
}

fn entries(
    parsed: Parsed<'_>,
    account: &str,
    source: &str,
) -> (Vec<LedgerEntry>, Vec<ReadProblem>) {
    let mut out = Vec::with_capacity(parsed.len());
    let mut problems = Vec::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    for (i, row) in parsed {
        let at = format!("[{i}]");
        let row = match row {
            Ok(r) => r,
            Err(why) => {
                problems.push(ReadProblem::new(source, why).field(at));
                continue;
            }
        };
        let id = match clean_text(row.id.as_deref()) {
            Some(id) => id.to_owned(),
            None => {
                let base = content_id(&row);
                let n = occurrences.entry(base.clone()).or_insert(0);
                *n += 1;
                format!("{base}-{n}")
            }
        };
        if !seen_ids.insert(id.clone()) {
            problems.push(
                ReadProblem::new(
                    source,
                    "a second row with this id: left out, the first is kept",
                )
                .item(id)
                .field(at),
            );
            continue;
        }
        match entry(&row, id.clone(), account) {
            Ok(e) => out.push(e),
            Err(why) => problems.push(why.within(&at).problem(source, Some(&id))),
        }
    }
    sort_by_time(&mut out);
    (out, problems)
}

/// The cash of `account`: every entry's amount less its fees, per fiat
/// currency (coins are positions, not cash).
pub fn cash(entries: &[LedgerEntry], account: &str) -> Vec<CashBalance> {
    let mut sums: std::collections::BTreeMap<Currency, Decimal> = Default::default();
    for e in entries {
        if e.amount.currency.is_fiat() {
            *sums.entry(e.amount.currency).or_default() += e.amount.amount;
        }
        for f in e.fees.iter().filter(|f| f.currency.is_fiat()) {
            *sums.entry(f.currency).or_default() -= f.amount.abs();
        }
    }
    sums.into_iter()
        .map(|(c, a)| {
            let mut b = CashBalance::new(Money::new(a, c));
            b.account = Some(account.to_owned());
            b
        })
        .collect()
}

/// The positions file as a snapshot of `account` as of `as_of`.
pub fn positions(
    bytes: &[u8],
    format: Format,
    account: &str,
    source: &str,
    as_of: DateTime<Utc>,
) -> Result<PortfolioSnapshot> {
    let records: Vec<std::result::Result<csv::StringRecord, String>>;
    let header: csv::StringRecord;
    let mut snap = PortfolioSnapshot::new(as_of);
    let mut rows: Vec<(usize, std::result::Result<PositionRow<'_>, String>)> = Vec::new();
    match format {
        Format::Json => {
            let parsed: Rows<'_, PositionRow<'_>> = wire::from_json(source, bytes)?;
            snap.problems = parsed.problems(source, "symbol", &Default::default());
            rows.extend(parsed.ok.into_iter().enumerate().map(|(i, r)| (i, Ok(r))));
        }
        Format::Csv => {
            (header, records) = csv_table(bytes, source)?;
            rows.extend(records.iter().enumerate().map(|(i, r)| {
                (
                    i,
                    r.as_ref()
                        .map_err(Clone::clone)
                        .and_then(|r| csv_position(&header, r)),
                )
            }));
        }
    }
    for (i, row) in rows {
        let read = row.map_err(ConvertError::new).and_then(|p| {
            let inst = instrument(
                p.symbol.as_deref(),
                p.isin.as_deref(),
                p.name.as_deref(),
                p.asset_class.as_deref(),
                "isin",
            )?
            .ok_or_else(|| ConvertError::new("a position needs a symbol or an ISIN"))?;
            let currency = p
                .currency
                .as_deref()
                .map(|c| wire::currency(c, "currency"))
                .transpose()?;
            let mut pos = Position::new(inst, p.quantity.0);
            pos.account = Some(account.to_owned());
            if let (Some(price), Some(c)) = (p.price, currency) {
                pos.price = Some(Money::new(price.0, c));
                pos.market_value = price.0.checked_mul(p.quantity.0).map(|v| Money::new(v, c));
            }
            Ok(pos)
        });
        match read {
            Ok(p) => snap.positions.push(p),
            Err(why) => snap
                .problems
                .push(why.within(&format!("[{i}]")).problem(source, None)),
        }
    }
    Ok(snap)
}

#[cfg(test)]
mod tests;
