//! The streaming reader of Flex statements: quick-xml events, never a
//! tree, so a statement of any size is read in the memory of one element.
//!
//! A `<FlexQueryResponse>` holds one `<FlexStatement>` per account, each
//! with the sections its query selected, in the query's order. The reader
//! dispatches on element names, reads the rows of the sections a
//! [`Visitor`] wants, converts each on the spot and hands it over:
//!
//! | section | rows read | as |
//! | --- | --- | --- |
//! | `AccountInformation` | the element itself | the base currency |
//! | `Trades` | `<Trade>` with `levelOfDetail` `EXECUTION` (or none); never `<Order>`, `<Lot>` (closed lots), summaries | buy, sell; fx conversion for `CASH` |
//! | `CashTransactions` | `<CashTransaction>`, `DETAIL` (or none) | dividend, tax, deposit, ... |
//! | `CorporateActions` | `<CorporateAction>`, `DETAIL` (or none) | split, spin-off, merger, ... |
//! | `Transfers` | `<Transfer>` | transfer |
//! | `OpenPositions` | `<OpenPosition>`, `SUMMARY` (or none); never `LOT` | positions |
//! | `CashReport` | `<CashReportCurrency>` | cash per currency; `BASE_SUMMARY` apart |
//! | `ConversionRates` | `<ConversionRate>` | rates |
//!
//! Every other section and element is skipped unread, and every attribute
//! not listed in [`ATTRIBUTES_READ`] is ignored. A row that cannot be read is a
//! [`ReadProblem`] (with IBKR's id and an excerpt) and the reading goes on;
//! a document that is not a Flex statement, or that ends before its root
//! closes, is an error.

pub(crate) mod convert;
mod dates;
pub(crate) mod ledger;
pub(crate) mod statements;
mod wire;

use std::collections::HashMap;
use std::io::BufRead;

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::Reader;
use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};
use stonks_core::http::Redactor;
use stonks_core::v2::{CashBalance, LedgerEntry, Position};
use stonks_core::wire::ConvertError;
use stonks_core::{Currency, ReadProblem};

use self::convert::{Context, Rate};
use self::ledger::Link;
use self::wire::Element;

/// The parts of a statement a reader asks for; the other sections are
/// skipped unread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// Trades, cash transactions, corporate actions, transfers.
    pub ledger: bool,
    /// Open positions and the cash report.
    pub portfolio: bool,
    /// Conversion rates.
    pub rates: bool,
}

impl Wanted {
    /// Every section read.
    pub const ALL: Wanted = Wanted {
        ledger: true,
        portfolio: true,
        rates: true,
    };
}

/// One `<FlexStatement>`: an account's statement for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementInfo {
    /// `accountId`.
    pub account: String,
    /// `fromDate`.
    pub from: Option<NaiveDate>,
    /// `toDate`.
    pub to: Option<NaiveDate>,
    /// `whenGenerated`.
    pub generated: Option<DateTime<Utc>>,
    /// The base currency (`AccountInformation`'s `currency`).
    pub base_currency: Option<Currency>,
    /// Whether it has an `OpenPositions` section.
    pub has_positions: bool,
    /// Whether it has a `CashReport` section.
    pub has_cash: bool,
}

impl StatementInfo {
    /// When its positions and cash were valid: the end of `toDate` in New
    /// York, or when it was generated if that was earlier (a statement of
    /// today).
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        let end = self.to.map(dates::end_of_day);
        match (end, self.generated) {
            (Some(e), Some(g)) => Some(e.min(g)),
            (e, g) => e.or(g),
        }
    }
}

/// What a reader does with what the statement holds. Every method but
/// [`Visitor::wanted`] does nothing by default.
pub trait Visitor {
    /// The sections to read.
    fn wanted(&self) -> Wanted;
    /// A statement ended; the positions and cash given since the previous
    /// one are its own.
    fn statement(&mut self, _statement: StatementInfo) {}
    /// A ledger entry, with how it relates to others.
    fn entry(&mut self, _entry: LedgerEntry, _link: Option<Link>) {}
    /// An open position.
    fn position(&mut self, _position: Position) {}
    /// The cash of one currency; `base_summary` for the `BASE_SUMMARY` row
    /// (the whole account's cash in its base currency).
    fn cash(&mut self, _cash: CashBalance, _base_summary: bool) {}
    /// A conversion rate.
    fn rate(&mut self, _rate: Rate) {}
    /// A row that could not be read and was left out.
    fn problem(&mut self, _problem: ReadProblem) {}
}

// Public as the reader's contract (the module docs name it); its only reader
// is the README test in `convert/tests.rs`.
/// Every element read, with the attributes read of it, as IBKR spells
/// them; every other attribute is skipped.
pub const ATTRIBUTES_READ: &[(&str, &[&str])] = wire::READ;

/// The sections the reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Trades,
    CashTransactions,
    CorporateActions,
    Transfers,
    OpenPositions,
    CashReport,
    ConversionRates,
}

impl Section {
    fn of(name: &[u8], wanted: Wanted) -> Option<Section> {
        let (section, wanted) = match name {
            b"Trades" => (Section::Trades, wanted.ledger),
            b"CashTransactions" => (Section::CashTransactions, wanted.ledger),
            b"CorporateActions" => (Section::CorporateActions, wanted.ledger),
            b"Transfers" => (Section::Transfers, wanted.ledger),
            b"OpenPositions" => (Section::OpenPositions, wanted.portfolio),
            b"CashReport" => (Section::CashReport, wanted.portfolio),
            b"ConversionRates" => (Section::ConversionRates, wanted.rates),
            _ => return None,
        };
        wanted.then_some(section)
    }

    /// The row element of the section.
    fn row(self) -> &'static [u8] {
        match self {
            Section::Trades => wire::Trade::ELEMENT,
            Section::CashTransactions => wire::CashTransaction::ELEMENT,
            Section::CorporateActions => wire::CorporateAction::ELEMENT,
            Section::Transfers => wire::Transfer::ELEMENT,
            Section::OpenPositions => wire::OpenPosition::ELEMENT,
            Section::CashReport => wire::CashReportCurrency::ELEMENT,
            Section::ConversionRates => wire::ConversionRate::ELEMENT,
        }
        .as_bytes()
    }
}

/// The statement being read.
struct Current {
    info: StatementInfo,
    /// Repeats of a row without a `transactionID`, by its content's hash.
    repeats: HashMap<u64, u32>,
    /// The `BASE_SUMMARY` row, kept until the base currency is known.
    base_summary: Option<wire::CashReportCurrency<'static>>,
}

/// Reads one Flex document from `input`, handing what it holds to
/// `visitor`. `source` names it in problems; `redactor` masks excerpts.
/// The error says why the document as a whole cannot be read.
pub fn read<R: BufRead>(
    input: R,
    source: &str,
    redactor: &Redactor,
    visitor: &mut impl Visitor,
) -> Result<(), String> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(true);
    let decoder = reader.decoder();
    let wanted = visitor.wanted();
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut skip_buf: Vec<u8> = Vec::new();
    // Open elements: 1 inside the root, 2 inside FlexStatements, 3 inside a
    // FlexStatement, 4 inside a section.
    let mut depth = 0usize;
    let mut root_closed = false;
    let mut section: Option<Section> = None;
    let mut current: Option<Current> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("not well-formed XML near byte {at}: {e}"))?;
        let (start, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match depth {
                    0 => root_closed = true,
                    2 if e.name().as_ref() == b"FlexStatement" => {
                        if let Some(c) = current.take() {
                            finish_statement(c, source, visitor);
                        }
                    }
                    3 => section = None,
                    _ => {}
                }
                buf.clear();
                continue;
            }
            Event::Eof => break,
            Event::Text(t) if depth == 0 && !t.is_empty() => {
                return Err(
                    "not a Flex statement: text, not XML (set the Flex query's format to XML)"
                        .to_owned(),
                );
            }
            _ => {
                buf.clear();
                continue;
            }
        };
        if root_closed {
            return Err("content after the end of the statement".to_owned());
        }
        let name = start.name();
        let name = name.as_ref();
        // What to do with the element's content, decided while it is borrowed.
        let mut enter = !empty;
        match depth {
            0 => match name {
                b"FlexQueryResponse" => {}
                b"FlexStatementResponse" => {
                    return Err(
                        "this is a Flex Web Service answer (FlexStatementResponse), not a statement"
                            .to_owned(),
                    );
                }
                other => {
                    return Err(format!(
                        "not a Flex statement: the document is <{}>",
                        String::from_utf8_lossy(&other[..other.len().min(40)])
                    ));
                }
            },
            1 => enter = enter && name == b"FlexStatements",
            2 if name == b"FlexStatement" => {
                let s = wire::Statement::read(&start, decoder)
                    .map_err(|e| format!("FlexStatement: {e}"))?;
                let info = statement_info(&s).map_err(|e| format!("FlexStatement: {e}"))?;
                let c = Current {
                    info,
                    repeats: HashMap::new(),
                    base_summary: None,
                };
                if empty {
                    finish_statement(c, source, visitor);
                } else {
                    current = Some(c);
                }
            }
            2 => enter = false,
            3 => {
                if let Some(c) = current.as_mut() {
                    if name == b"AccountInformation" {
                        if let Ok(a) = wire::AccountInformation::read(&start, decoder) {
                            c.info.base_currency = a
                                .currency
                                .as_deref()
                                .and_then(|cur| Currency::new(cur.trim()).ok());
                        }
                        enter = false;
                    } else {
                        match name {
                            b"OpenPositions" => c.info.has_positions = true,
                            b"CashReport" => c.info.has_cash = true,
                            _ => {}
                        }
                        section = Section::of(name, wanted);
                        enter = enter && section.is_some();
                    }
                } else {
                    enter = false;
                }
            }
            4 => {
                if let (Some(s), Some(c)) = (section, current.as_mut())
                    && name == s.row()
                {
                    row(s, &start, c, source, redactor, decoder, visitor);
                }
                enter = false;
            }
            _ => enter = false,
        }
        if empty {
            buf.clear();
            continue;
        }
        if enter {
            depth += 1;
        } else {
            // Skip the element's whole content, unread.
            let end = start.to_end().into_owned();
            reader
                .read_to_end_into(end.name(), &mut skip_buf)
                .map_err(|e| format!("not well-formed XML near byte {at}: {e}"))?;
            skip_buf.clear();
        }
        buf.clear();
    }
    if !root_closed {
        return Err("the statement ends before </FlexQueryResponse>: it was cut short".to_owned());
    }
    Ok(())
}

fn statement_info(s: &wire::Statement<'_>) -> Result<StatementInfo, ConvertError> {
    let day = |v: &Option<std::borrow::Cow<'_, str>>, field: &str| {
        v.as_deref()
            .map(|t| dates::date(t).map_err(|e| ConvertError::at(field, e)))
            .transpose()
    };
    Ok(StatementInfo {
        account: s
            .account_id
            .as_deref()
            .map(str::trim)
            .ok_or_else(|| ConvertError::at("accountId", "missing"))?
            .to_owned(),
        from: day(&s.from_date, "fromDate")?,
        to: day(&s.to_date, "toDate")?,
        generated: s
            .when_generated
            .as_deref()
            .map(|t| dates::date_time(t).map_err(|e| ConvertError::at("whenGenerated", e)))
            .transpose()?,
        base_currency: None,
        has_positions: false,
        has_cash: false,
    })
}

fn finish_statement(mut c: Current, source: &str, visitor: &mut impl Visitor) {
    if let Some(r) = c.base_summary.take() {
        let ctx = Context {
            account: &c.info.account,
        };
        let read = match c.info.base_currency {
            Some(base) => convert::base_summary(&r, base, &ctx),
            None => Err(ConvertError::new(
                "BASE_SUMMARY without the account's base currency (AccountInformation)",
            )),
        };
        match read {
            Ok(cash) => visitor.cash(cash, true),
            Err(e) => visitor.problem(e.problem(source, Some("BASE_SUMMARY"))),
        }
    }
    visitor.statement(c.info);
}

fn problem(
    e: &ConvertError,
    source: &str,
    item: Option<&str>,
    start: &BytesStart<'_>,
    redactor: &Redactor,
) -> ReadProblem {
    let raw: &[u8] = start;
    let text = String::from_utf8_lossy(&raw[..raw.len().min(240)]);
    e.problem(source, item)
        .excerpt(&redactor.redact(&format!("<{text}")))
}

/// A 64-bit FNV-1a hash of `parts`: the id of a row IBKR gave none.
fn content_hash(parts: &[Option<&str>]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.unwrap_or("\u{0}").bytes().chain([0x1f]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The row's id: IBKR's `transactionID`, else a hash of what it says (the
/// same row in two statements gets the same id; repeats within one
/// statement are numbered).
fn row_id(
    transaction_id: Option<&str>,
    parts: &[Option<&str>],
    repeats: &mut HashMap<u64, u32>,
) -> String {
    if let Some(id) = transaction_id {
        return id.trim().to_owned();
    }
    let h = content_hash(parts);
    let n = repeats.entry(h).or_default();
    *n += 1;
    if *n == 1 {
        format!("h{h:016x}")
    } else {
        format!("h{h:016x}-{n}")
    }
}

fn detail(level: Option<&str>, wanted: &str) -> bool {
    level.is_none_or(|l| l.eq_ignore_ascii_case(wanted))
}

/// Reads one row of `section` and hands it, or its problem, to `visitor`.
fn row(
    section: Section,
    start: &BytesStart<'_>,
    c: &mut Current,
    source: &str,
    redactor: &Redactor,
    decoder: Decoder,
    visitor: &mut impl Visitor,
) {
    let ctx = Context {
        account: &c.info.account,
    };
    let repeats = &mut c.repeats;
    let report = |e: ConvertError, item: Option<&str>| problem(&e, source, item, start, redactor);
    let unreadable = |e: String| problem(&ConvertError::new(e), source, None, start, redactor);
    let outcome: Result<(), ReadProblem> = match section {
        Section::Trades => match wire::Trade::read(start, decoder) {
            Err(e) => Err(unreadable(e)),
            Ok(t) if !detail(t.level_of_detail.as_deref(), "EXECUTION") => Ok(()),
            Ok(t) => {
                let id = row_id(
                    t.transaction_id.as_deref(),
                    &[
                        Some("Trade"),
                        t.account_id.as_deref(),
                        t.date_time.as_deref().or(t.trade_date.as_deref()),
                        t.conid.as_deref().or(t.symbol.as_deref()),
                        t.quantity.as_deref(),
                        t.trade_price.as_deref(),
                        t.trade_id.as_deref(),
                    ],
                    repeats,
                );
                convert::trade(&t, id, &ctx)
                    .map(|out| {
                        visitor.entry(out.entry, out.link);
                        if let Some(leg) = out.base_leg {
                            visitor.entry(leg, None);
                        }
                    })
                    .map_err(|e| report(e, convert::item(&t.transaction_id, &t.conid, &t.symbol)))
            }
        },
        Section::CashTransactions => match wire::CashTransaction::read(start, decoder) {
            Err(e) => Err(unreadable(e)),
            Ok(t) if !detail(t.level_of_detail.as_deref(), "DETAIL") => Ok(()),
            Ok(t) => {
                let id = row_id(
                    t.transaction_id.as_deref(),
                    &[
                        Some("CashTransaction"),
                        t.account_id.as_deref(),
                        t.date_time.as_deref().or(t.report_date.as_deref()),
                        t.kind.as_deref(),
                        t.conid.as_deref().or(t.symbol.as_deref()),
                        t.currency.as_deref(),
                        t.amount.as_deref(),
                        t.description.as_deref(),
                    ],
                    repeats,
                );
                convert::cash_transaction(&t, id, &ctx)
                    .map(|(e, link)| visitor.entry(e, link))
                    .map_err(|e| report(e, convert::item(&t.transaction_id, &t.conid, &t.symbol)))
            }
        },
        Section::CorporateActions => match wire::CorporateAction::read(start, decoder) {
            Err(e) => Err(unreadable(e)),
            Ok(a) if !detail(a.level_of_detail.as_deref(), "DETAIL") => Ok(()),
            Ok(a) => {
                let id = row_id(
                    a.transaction_id.as_deref(),
                    &[
                        Some("CorporateAction"),
                        a.account_id.as_deref(),
                        a.date_time.as_deref().or(a.report_date.as_deref()),
                        a.kind.as_deref(),
                        a.conid.as_deref().or(a.symbol.as_deref()),
                        a.quantity.as_deref(),
                        a.proceeds.as_deref(),
                        a.description.as_deref(),
                    ],
                    repeats,
                );
                convert::corporate_action(&a, id, &ctx)
                    .map(|e| visitor.entry(e, None))
                    .map_err(|e| report(e, convert::item(&a.transaction_id, &a.conid, &a.symbol)))
            }
        },
        Section::Transfers => match wire::Transfer::read(start, decoder) {
            Err(e) => Err(unreadable(e)),
            Ok(t) => {
                let id = row_id(
                    t.transaction_id.as_deref(),
                    &[
                        Some("Transfer"),
                        t.account_id.as_deref(),
                        t.date_time.as_deref().or(t.date.as_deref()),
                        t.kind.as_deref(),
                        t.direction.as_deref(),
                        t.conid.as_deref().or(t.symbol.as_deref()),
                        t.quantity.as_deref(),
                        t.cash_transfer.as_deref(),
                    ],
                    repeats,
                );
                convert::transfer(&t, id, &ctx)
                    .map(|e| visitor.entry(e, None))
                    .map_err(|e| report(e, convert::item(&t.transaction_id, &t.conid, &t.symbol)))
            }
        },
        Section::OpenPositions => match wire::OpenPosition::read(start, decoder) {
            Err(e) => Err(unreadable(e)),
            Ok(p) if !detail(p.level_of_detail.as_deref(), "SUMMARY") => Ok(()),
            Ok(p) => convert::open_position(&p, &ctx)
                .map(|pos| visitor.position(pos))
                .map_err(|e| report(e, convert::item(&None, &p.conid, &p.symbol))),
        },
        Section::CashReport => match wire::CashReportCurrency::read(start, decoder) {
            Err(e) => Err(unreadable(e)),
            Ok(r) => match convert::cash_report(&r, &ctx) {
                Ok(Some(cash)) => {
                    visitor.cash(cash, false);
                    Ok(())
                }
                // Read at the statement's end: the base currency may come later.
                Ok(None) => {
                    c.base_summary = Some(r.into_owned());
                    Ok(())
                }
                Err(e) => Err(report(e, r.currency.as_deref())),
            },
        },
        Section::ConversionRates => match wire::ConversionRate::read(start, decoder) {
            Err(e) => Err(unreadable(e)),
            Ok(r) => convert::conversion_rate(&r)
                .map(|rate| visitor.rate(rate))
                .map_err(|e| report(e, r.from_currency.as_deref())),
        },
    };
    if let Err(p) = outcome {
        visitor.problem(p);
    }
}
