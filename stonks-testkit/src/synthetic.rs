//! Large answers for benches and load tests, deterministic, any size:
//!
//! * [`ledger`]: ledger entries shaped like a DEGIRO account's (trades with
//!   fees in EUR and USD, dividends with their withholding, deposits);
//! * [`flex_statement`]: an IBKR Activity Flex statement with every
//!   attribute a real row carries, written to any `Write`;
//! * [`daily_rates`]: EUR rate tables for every day of a span.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use stonks_core::fx::RateTable;
use stonks_core::v2::{LedgerEntry, LedgerKind};
use stonks_core::{AssetClass, Currency, Decimal, Instrument, Isin, Money};

/// A EUR rate table for each day from `first` for `days` more days, USD
/// moving between 1.0800 and 1.1199, so that every amount of a generated
/// ledger converts at its own date's rate.
pub fn daily_rates(first: NaiveDate, days: i64) -> Vec<RateTable> {
    (0..=days)
        .map(|d| RateTable {
            base: Currency::EUR,
            date: first + TimeDelta::days(d),
            rates: std::collections::BTreeMap::from([(
                Currency::USD,
                Decimal::new(10_800 + d % 400, 4),
            )]),
            problems: Vec::new(),
        })
        .collect()
}

/// Real ISINs (valid check digits) the generated entries cycle through.
const ISINS: [&str; 8] = [
    "NL0010273215",
    "US0378331005",
    "IE00B4L5Y983",
    "DE0007164600",
    "FR0000120271",
    "NL0011821269",
    "US5949181045",
    "IE00BK5BQT80",
];

/// `n` ledger entries of account `1234567`, one every 7 minutes from
/// 2020-01-02 09:00 UTC, oldest first: of every ten, six buys and two sells
/// (each with a fee, USD ones also an AutoFX fee), one dividend with a
/// description, one tax belonging to it; every 50th is a deposit instead
/// (of the tax).
pub fn ledger(n: usize) -> Vec<LedgerEntry> {
    let start = DateTime::<Utc>::from_timestamp(1_577_955_600, 0).unwrap_or_default();
    let instruments: Vec<Instrument> = ISINS
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let mut inst = Instrument::new(
                (331_868 + i).to_string(),
                format!("Company {i} N.V."),
                AssetClass::Stock,
            );
            inst.isin = Isin::new(code).ok();
            inst.symbol = Some(format!("SYM{i}"));
            inst.currency = Some(if code.starts_with("US") {
                Currency::USD
            } else {
                Currency::EUR
            });
            inst.exchange = Some("XAMS".to_owned());
            inst
        })
        .collect();
    (0..n)
        .map(|i| {
            let at = start + TimeDelta::minutes(7 * i as i64);
            let inst = &instruments[i % instruments.len()];
            let cur = inst.currency.unwrap_or(Currency::EUR);
            let cents = |v: i64| Decimal::new(v, 2);
            let price = cents(2_000 + (i as i64 * 37) % 30_000);
            let qty = Decimal::from(1 + i as i64 % 40);
            let id = (188_000_000 + i).to_string();
            let mut e = match i % 10 {
                _ if i % 50 == 49 => {
                    let mut e = LedgerEntry::new(
                        id,
                        at,
                        LedgerKind::Deposit,
                        Money::new(cents(100_000), Currency::EUR),
                    );
                    e.description = Some("iDEAL Deposit".to_owned());
                    return with_account(e);
                }
                0..=7 => {
                    let sell = i % 10 >= 6;
                    let total = price * qty;
                    let kind = if sell {
                        LedgerKind::Sell
                    } else {
                        LedgerKind::Buy
                    };
                    let amount = if sell { total } else { -total };
                    let mut e = LedgerEntry::new(id, at, kind, Money::new(amount, cur));
                    e.quantity = Some(qty);
                    e.price = Some(Money::new(price, cur));
                    e.fees.push(Money::new(cents(200), Currency::EUR));
                    if cur == Currency::USD {
                        e.fees.push(Money::new(cents(25) * qty, Currency::EUR));
                    }
                    e
                }
                8 => {
                    let mut e =
                        LedgerEntry::new(id, at, LedgerKind::Dividend, Money::new(qty, cur));
                    e.description = Some("Dividend".to_owned());
                    e
                }
                _ => {
                    let mut e = LedgerEntry::new(
                        id,
                        at,
                        LedgerKind::Tax,
                        Money::new(-qty * cents(15), cur),
                    );
                    e.belongs_to = Some((188_000_000 + i - 1).to_string());
                    e.description = Some("Dividendbelasting".to_owned());
                    e
                }
            };
            e.instrument = Some(inst.clone());
            with_account(e)
        })
        .collect()
}

fn with_account(mut e: LedgerEntry) -> LedgerEntry {
    e.account = Some("1234567".to_owned());
    e
}

/// How much a generated Flex statement holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlexSize {
    /// `<Trade>` executions.
    pub trades: usize,
    /// `<CashTransaction>` rows: dividends and their withholding (four in
    /// five), deposits, fees and interest.
    pub cash_transactions: usize,
    /// `<OpenPosition>` rows (`SUMMARY`).
    pub positions: usize,
    /// `<ConversionRate>` rows.
    pub rates: usize,
}

impl FlexSize {
    /// About 50 MB: 40,000 trades, 10,000 cash transactions, 3,000
    /// positions and 3,000 conversion rates.
    pub const FIFTY_MB: FlexSize = FlexSize {
        trades: 40_000,
        cash_transactions: 10_000,
        positions: 3_000,
        rates: 3_000,
    };

    /// Every count divided by `n`.
    pub fn divided_by(self, n: usize) -> FlexSize {
        let n = n.max(1);
        FlexSize {
            trades: self.trades / n,
            cash_transactions: self.cash_transactions / n,
            positions: self.positions / n,
            rates: self.rates / n,
        }
    }
}

/// Writes one account's Activity Flex statement of `size` to `out`, one
/// row at a time (nothing of it is held in memory): trades of 250
/// securities over a year, dividends with their withholding linked by
/// `actionID`, deposits, fees, interest, positions and conversion rates,
/// each row with the attributes IBKR writes.
pub fn flex_statement(size: FlexSize, out: &mut impl std::io::Write) -> std::io::Result<()> {
    const ACCOUNT: &str = "U9999999";
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or_default();
    let day =
        |i: usize, per_day: usize| start + chrono::Days::new((i / per_day.max(1)) as u64 % 365);
    let security = |i: usize| {
        let k = i % 250;
        let isin = ISINS[k % ISINS.len()];
        (
            300_000 + k as u64,
            format!("SYM{k}"),
            isin,
            format!("COMPANY {k} INC"),
        )
    };
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<FlexQueryResponse queryName="stonks bench" type="AF">"#
    )?;
    writeln!(out, r#"<FlexStatements count="1">"#)?;
    writeln!(
        out,
        r#"<FlexStatement accountId="{ACCOUNT}" fromDate="20230102" toDate="20231231" period="LastYear" whenGenerated="20240102;061244">"#
    )?;
    writeln!(
        out,
        r#"<AccountInformation accountId="{ACCOUNT}" acctAlias="" model="" currency="USD" name="Bench Account" accountType="Individual" customerType="Individual" accountCapabilities="Margin" tradingPermissions="Stocks,Options" dateOpened="20200115" dateFunded="20200120" ibEntity="IBLLC-US"/>"#
    )?;
    writeln!(out, "<CashReport>")?;
    for cur in ["BASE_SUMMARY", "USD", "EUR"] {
        let level = if cur == "BASE_SUMMARY" {
            "BaseCurrency"
        } else {
            "Currency"
        };
        writeln!(
            out,
            r#"<CashReportCurrency accountId="{ACCOUNT}" acctAlias="" model="" currency="{cur}" levelOfDetail="{level}" fromDate="20230102" toDate="20231231" startingCash="1000" deposits="5000" withdrawals="0" dividends="300.5" withholdingTax="-45.08" brokerInterest="12.3" commissions="-40000" otherFees="-120" netTradesSales="123456.78" netTradesPurchases="-123456.78" endingCash="15107.72" endingSettledCash="15107.72"/>"#
        )?;
    }
    writeln!(out, "</CashReport>")?;
    writeln!(out, "<OpenPositions>")?;
    for i in 0..size.positions {
        let (conid, symbol, isin, name) = security(i);
        let conid = conid + 1_000 * (i / 250) as u64;
        let qty = 10 + i % 90;
        let price = format!("{}.{:02}", 20 + i % 400, i % 100);
        let value = format!("{}.{:02}", (20 + i % 400) * qty, (i % 100) * qty % 100);
        writeln!(
            out,
            r#"<OpenPosition accountId="{ACCOUNT}" acctAlias="" model="" currency="USD" fxRateToBase="1" assetCategory="STK" subCategory="COMMON" symbol="{symbol}" description="{name}" conid="{conid}" securityID="{isin}" securityIDType="ISIN" cusip="" isin="{isin}" figi="" listingExchange="NASDAQ" underlyingConid="" underlyingSymbol="" issuer="" multiplier="1" strike="" expiry="" putCall="" principalAdjustFactor="" reportDate="20231231" position="{qty}" markPrice="{price}" positionValue="{value}" openPrice="{price}" costBasisPrice="{price}" costBasisMoney="{value}" percentOfNAV="0.05" fifoPnlUnrealized="0" side="Long" levelOfDetail="SUMMARY" openDateTime="" holdingPeriodDateTime="" code="" originatingOrderID="" originatingTransactionID="" accruedInt=""/>"#,
            value = value,
        )?;
    }
    writeln!(out, "</OpenPositions>")?;
    writeln!(out, "<Trades>")?;
    for i in 0..size.trades {
        let (conid, symbol, isin, name) = security(i);
        let date = day(i, size.trades / 365 + 1);
        let (d, t) = (
            date.format("%Y%m%d"),
            format!("{:02}{:02}{:02}", 9 + i % 7, i % 60, (i * 7) % 60),
        );
        let sell = i % 3 == 0;
        let qty = 1 + i % 40;
        let cents = 2_000 + (i * 37) % 30_000;
        let money = qty * cents;
        let price_text = format!("{}.{:02}", cents / 100, cents % 100);
        let money_text = format!("{}.{:02}", money / 100, money % 100);
        let (q, proceeds, side) = if sell {
            (
                format!("-{qty}"),
                format!("{}.{:02}", money / 100, money % 100),
                "SELL",
            )
        } else {
            (
                qty.to_string(),
                format!("-{}.{:02}", money / 100, money % 100),
                "BUY",
            )
        };
        writeln!(
            out,
            r#"<Trade accountId="{ACCOUNT}" acctAlias="" model="" currency="USD" fxRateToBase="1" assetCategory="STK" subCategory="COMMON" symbol="{symbol}" description="{name}" conid="{conid}" securityID="{isin}" securityIDType="ISIN" cusip="" isin="{isin}" figi="" listingExchange="NASDAQ" underlyingConid="" underlyingSymbol="" issuer="" multiplier="1" strike="" expiry="" putCall="" principalAdjustFactor="" tradeID="{tid}" reportDate="{d}" tradeDate="{d}" dateTime="{d};{t}" settleDateTarget="{d}" transactionType="ExchTrade" exchange="ISLAND" quantity="{q}" tradePrice="{price}" tradeMoney="{money}" proceeds="{proceeds}" taxes="0" ibCommission="-1" ibCommissionCurrency="USD" netCash="{proceeds}" openCloseIndicator="O" notes="" origTradeID="" origTransactionID="" buySell="{side}" ibOrderID="{oid}" transactionID="{tx}" ibExecID="0000e0d5.{tid:08x}.01.01" relatedTransactionID="" brokerageOrderID="" orderReference="" orderTime="{d};{t}" openDateTime="" holdingPeriodDateTime="" levelOfDetail="EXECUTION" orderType="LMT" isAPIOrder="N" accruedInt="0"/>"#,
            tid = 1_000_000_000 + i,
            oid = 2_000_000_000 + i,
            tx = 3_000_000_000u64 + i as u64,
            price = price_text,
            money = money_text,
        )?;
    }
    writeln!(out, "</Trades>")?;
    writeln!(out, "<CashTransactions>")?;
    for i in 0..size.cash_transactions {
        let date = day(i, size.cash_transactions / 365 + 1);
        let d = date.format("%Y%m%d");
        let (conid, symbol, isin, _) = security(i / 2);
        let action = 500_000_000 + i / 2;
        let (kind, amount, description, security) = match i % 10 {
            0..=3 if i % 2 == 0 => (
                "Dividends",
                format!("{}.{:02}", 10 + i % 90, i % 100),
                format!("{symbol}({isin}) CASH DIVIDEND USD 0.24 PER SHARE (Ordinary Dividend)"),
                true,
            ),
            0..=3 => (
                "Withholding Tax",
                format!("-{}.{:02}", 1 + i % 13, i % 100),
                format!("{symbol}({isin}) CASH DIVIDEND USD 0.24 PER SHARE - US TAX"),
                true,
            ),
            4 | 6 if i % 2 == 0 => (
                "Dividends",
                format!("{}.{:02}", 10 + i % 90, i % 100),
                format!("{symbol}({isin}) CASH DIVIDEND USD 0.24 PER SHARE (Ordinary Dividend)"),
                true,
            ),
            5 | 7 => (
                "Withholding Tax",
                format!("-{}.{:02}", 1 + i % 13, i % 100),
                format!("{symbol}({isin}) CASH DIVIDEND USD 0.24 PER SHARE - US TAX"),
                true,
            ),
            8 => (
                "Deposits/Withdrawals",
                "1000".to_owned(),
                "CASH RECEIPTS / ELECTRONIC FUND TRANSFERS".to_owned(),
                false,
            ),
            _ if i % 20 == 9 => (
                "Other Fees",
                "-1.5".to_owned(),
                "P*****45:NASDAQ TOTALVIEW FOR JAN-2023".to_owned(),
                false,
            ),
            _ => (
                "Broker Interest Received",
                "2.17".to_owned(),
                "USD CREDIT INT FOR JAN-2023".to_owned(),
                false,
            ),
        };
        let sec = if security {
            format!(
                r#"assetCategory="STK" subCategory="COMMON" symbol="{symbol}" conid="{conid}" securityID="{isin}" securityIDType="ISIN" cusip="" isin="{isin}" figi="" listingExchange="NASDAQ""#
            )
        } else {
            r#"assetCategory="" subCategory="" symbol="" conid="" securityID="" securityIDType="" cusip="" isin="" figi="" listingExchange="""#.to_owned()
        };
        writeln!(
            out,
            r#"<CashTransaction accountId="{ACCOUNT}" acctAlias="" model="" currency="USD" fxRateToBase="1" {sec} underlyingConid="" underlyingSymbol="" issuer="" multiplier="{m}" strike="" expiry="" putCall="" principalAdjustFactor="" description="{description}" dateTime="{d};202000" settleDate="{d}" amount="{amount}" type="{kind}" tradeID="" code="" transactionID="{tx}" reportDate="{d}" clientReference="" actionID="{a}" levelOfDetail="DETAIL"/>"#,
            m = if security { "1" } else { "" },
            a = if security {
                action.to_string()
            } else {
                String::new()
            },
            tx = 4_000_000_000u64 + i as u64,
        )?;
    }
    writeln!(out, "</CashTransactions>")?;
    writeln!(out, "<ConversionRates>")?;
    let currencies = ["EUR", "GBP", "CHF", "CAD", "JPY", "HKD", "AUD", "SEK"];
    for i in 0..size.rates {
        let date = day(i, currencies.len());
        writeln!(
            out,
            r#"<ConversionRate reportDate="{}" fromCurrency="{}" toCurrency="USD" rate="1.{:05}"/>"#,
            date.format("%Y%m%d"),
            currencies[i % currencies.len()],
            (i * 7919) % 100_000
        )?;
    }
    writeln!(out, "</ConversionRates>")?;
    writeln!(
        out,
        "</FlexStatement>\n</FlexStatements>\n</FlexQueryResponse>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_and_the_money_are_as_documented() {
        let l = ledger(100);
        assert_eq!(l.len(), 100);
        let count = |k: LedgerKind| l.iter().filter(|e| e.kind == k).count();
        assert_eq!(
            (
                count(LedgerKind::Buy),
                count(LedgerKind::Sell),
                count(LedgerKind::Dividend),
                count(LedgerKind::Tax),
                count(LedgerKind::Deposit)
            ),
            (60, 20, 10, 8, 2)
        );
        // Entry 1: 2 x 20.37 USD of Apple, a 2.00 EUR fee and 0.50 EUR AutoFX.
        let apple = &l[1];
        assert_eq!(
            apple.amount,
            Money::new(Decimal::new(-4074, 2), Currency::USD)
        );
        assert_eq!(apple.fees.len(), 2);
        assert_eq!(l[9].belongs_to.as_deref(), Some("188000008"));
        assert!(l.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    }

    #[test]
    fn a_flex_statement_of_fifty_megabytes() {
        let mut small = Vec::new();
        flex_statement(FlexSize::FIFTY_MB.divided_by(100), &mut small).unwrap();
        let text = String::from_utf8(small).unwrap();
        assert_eq!(text.matches("<Trade ").count(), 400);
        assert_eq!(text.matches("<CashTransaction ").count(), 100);
        assert_eq!(text.matches("<OpenPosition ").count(), 30);
        assert_eq!(text.matches("<ConversionRate ").count(), 30);
        assert!(text.ends_with("</FlexQueryResponse>\n"));
        // A hundredth of the rows is about a hundredth of 50 MB.
        assert!((400_000..700_000).contains(&text.len()), "{}", text.len());
    }
}

/// The `n`th of a series of distinct ISINs with valid check digits
/// (`XS` + nine digits + check digit): instruments no source knows, any
/// number of them.
pub fn isin(n: u32) -> Isin {
    let body = format!("XS{n:09}");
    // Letters become two digits (X = 33, S = 28); then Luhn from the right.
    let digits: Vec<u32> = body
        .chars()
        .flat_map(|c| match c.to_digit(36) {
            Some(v) if v >= 10 => vec![v / 10, v % 10],
            Some(v) => vec![v],
            None => vec![],
        })
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    Isin::new(&format!("{body}{check}")).unwrap_or_else(|e| panic!("{body}{check}: {e}"))
}

#[cfg(test)]
mod isin_tests {
    #[test]
    fn generated_isins_are_valid_and_distinct() {
        let all: std::collections::BTreeSet<String> =
            (0..1000).map(|n| super::isin(n).to_string()).collect();
        assert_eq!(all.len(), 1000);
        assert_eq!(super::isin(7).as_str().len(), 12);
    }
}
