//! Acme Broker: an example of a broker plugin written outside the stonks
//! repository. It depends on `stonks-core` only, registers itself at link
//! time, and runs the shared conformance suite in its tests.
//!
//! The API it speaks (made up for the example, shaped like many real ones):
//! `GET /v1/positions` and `GET /v1/activities?cursor=` with
//! `Authorization: Bearer <token>`.

use std::sync::Arc;

use serde::Deserialize;
use stonks_core::http::{HttpClient, Request};
use stonks_core::secrecy::ExposeSecret;
use stonks_core::v2::{
    CashBalance, LedgerEntry, LedgerKind, Page, PortfolioQuery, PortfolioService,
    PortfolioSnapshot, Position, TransactionQuery, TransactionService,
};
use stonks_core::{
    AssetClass, Currency, Decimal, Error, Instrument, Isin, Money, PluginContext, Result, Services,
};

stonks_core::register_broker! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: build,
}

fn build(ctx: &PluginContext) -> Result<Services> {
    let token = ctx
        .config()
        .secret("token")
        .ok_or_else(|| Error::config("token is missing"))?
        .expose_secret()
        .to_owned();
    let acme = Acme {
        http: ctx.http_client("https://api.acme-broker.example")?,
        token: Arc::from(token),
    };
    Ok(Services::new()
        .portfolio_v2(acme.clone())
        .transactions_v2(acme))
}

#[derive(Clone)]
struct Acme {
    http: HttpClient,
    token: Arc<str>,
}

#[derive(Deserialize)]
struct Positions {
    positions: Vec<WirePosition>,
    cash: Vec<WireCash>,
}

#[derive(Deserialize)]
struct WirePosition {
    symbol: String,
    isin: Option<String>,
    name: String,
    qty: Decimal,
    price: Option<Decimal>,
    currency: String,
}

#[derive(Deserialize)]
struct WireCash {
    currency: String,
    amount: Decimal,
}

#[derive(Deserialize)]
struct Activities {
    items: Vec<Activity>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct Activity {
    id: String,
    time: chrono::DateTime<chrono::Utc>,
    #[serde(rename = "type")]
    kind: String,
    symbol: Option<String>,
    qty: Option<Decimal>,
    price: Option<Decimal>,
    amount: Decimal,
    fee: Option<Decimal>,
    currency: String,
}

impl Acme {
    async fn get<T: serde::de::DeserializeOwned>(&self, req: Request) -> Result<T> {
        let req = req.secret_header("Authorization", format!("Bearer {}", self.token));
        self.http.send(req).await?.error_for_status()?.json()
    }
}

#[stonks_core::async_trait]
impl PortfolioService for Acme {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let wire: Positions = self.get(Request::get("/v1/positions")).await?;
        let mut positions = Vec::new();
        for p in wire
            .positions
            .into_iter()
            .filter(|p| query.include_closed || !p.qty.is_zero())
        {
            let currency = Currency::new(&p.currency)?;
            let mut instrument = Instrument::new(p.symbol.clone(), p.name, AssetClass::Stock);
            instrument.symbol = Some(p.symbol);
            instrument.isin = p.isin.as_deref().map(Isin::new).transpose()?;
            instrument.currency = Some(currency.clone());
            positions.push(Position {
                instrument,
                quantity: p.qty,
                price: p.price.map(|x| Money::new(x, currency.clone())),
                market_value: p.price.map(|x| Money::new(x * p.qty, currency.clone())),
                cost_basis: None,
                unrealized_pnl: None,
            });
        }
        let cash = wire
            .cash
            .into_iter()
            .map(|c| {
                Ok(CashBalance {
                    amount: Money::new(c.amount, Currency::new(&c.currency)?),
                })
            })
            .collect::<Result<_>>()?;
        Ok(PortfolioSnapshot {
            as_of: chrono::Utc::now(),
            positions,
            cash,
        })
    }
}

#[stonks_core::async_trait]
impl TransactionService for Acme {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let mut req = Request::get("/v1/activities");
        if let Some(cursor) = &query.cursor {
            req = req.query("cursor", cursor.0.clone());
        }
        let wire: Activities = self.get(req).await?;
        let mut items = Vec::new();
        for a in wire.items {
            let currency = Currency::new(&a.currency)?;
            let kind = match a.kind.as_str() {
                "buy" => LedgerKind::Buy,
                "sell" => LedgerKind::Sell,
                "deposit" => LedgerKind::Deposit,
                "dividend" => LedgerKind::Dividend,
                other => LedgerKind::Other(other.to_owned()),
            };
            let instrument = a.symbol.map(|s| {
                let mut i = Instrument::new(s.clone(), s.clone(), AssetClass::Stock);
                i.symbol = Some(s);
                i
            });
            let entry = LedgerEntry {
                id: a.id,
                timestamp: a.time,
                kind,
                instrument,
                quantity: a.qty,
                price: a.price.map(|p| Money::new(p, currency.clone())),
                amount: Money::new(a.amount, currency.clone()),
                fees: a
                    .fee
                    .filter(|f| !f.is_zero())
                    .map(|f| Money::new(f, currency))
                    .into_iter()
                    .collect(),
                description: None,
            };
            if query.matches(&entry) {
                items.push(entry);
            }
        }
        Ok(Page {
            items,
            next_cursor: wire.next.map(stonks_core::v2::Cursor),
        })
    }
}
