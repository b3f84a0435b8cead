//! The report as one HTML document. Every text from outside (instrument
//! names, broker errors, problems) goes through maud's escaping; the
//! content security policy forbids the page any request at all.

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use rust_decimal::Decimal;

use super::Report;
use super::charts::{self, amount};

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// The page's script as a browser hashes it: parsing HTML turns CR LF and
/// CR into LF first (a checkout may have CR LF line ends).
fn script() -> String {
    JS.replace("\r\n", "\n").replace('\r', "\n")
}

/// No request of any kind: no network, no file, no font. Inline style, and
/// of inline script only `script`, the page's own, allowed by its hash: a
/// script that got into the page some other way does not run.
fn policy(script: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; img-src data:; base-uri 'none'; form-action 'none'"
    )
}

fn time(t: Option<DateTime<Utc>>) -> Markup {
    match t {
        Some(t) => {
            let text = t.format("%Y-%m-%d %H:%M UTC").to_string();
            html! { time datetime=(t.to_rfc3339()) data-time=(t.to_rfc3339()) { (text) } }
        }
        None => html! { "never" },
    }
}

/// An optional money figure in a table cell, sortable by its value.
fn money_cell(v: Option<Decimal>) -> Markup {
    match v {
        Some(v) => html! { td.num data-key=(v) { (amount(v, "")) } },
        None => html! { td.num { "—" } },
    }
}

fn signed(v: Decimal) -> Markup {
    let class = if v.is_sign_negative() && !v.is_zero() {
        "down"
    } else if v.is_zero() {
        ""
    } else {
        "up"
    };
    let v = v.round_dp(2);
    html! { span class=(class) data-amount=(v) data-signed="1" { (format!("{v:+.2}")) } }
}

fn percent(r: Decimal) -> Markup {
    let r = r.round_dp(4);
    html! { span data-pct=(r) { (r * Decimal::ONE_HUNDRED) " %" } }
}

pub(super) fn render(r: &Report) -> String {
    let h = &r.headline;
    let failed = r.brokers.iter().filter(|b| b.error.is_some()).count();
    let js = script();
    let page = html! {
        (DOCTYPE)
        html lang=(r.locale.as_str()) data-currency=(r.base_currency.as_str()) {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(policy(&js));
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { "Portfolio report" }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    header {
                        h1 { "Portfolio" }
                        p.sub {
                            "Report of " (time(Some(r.generated_at))) ", amounts in " (r.base_currency.as_str())
                            @if failed > 0 {
                                " · " span.failed { (failed) " of " (r.brokers.len()) " brokers failed" }
                            }
                        }
                    }
                    div.headline {
                        div.card #total {
                            span.label { "Total value" }
                            span.big #headline-total data-amount=(h.total_base.round_dp(2)) { (format!("{:.2}", h.total_base)) }
                            @if h.unvalued > 0 {
                                span.label { (h.unvalued) " holdings without a value are left out" }
                            }
                        }
                        div.card #change {
                            span.label { "Change since the last sync" }
                            @match h.change_base {
                                Some(c) => {
                                    span.big { (signed(c)) }
                                    span.label { "against " (time(h.previous_sync_at)) }
                                }
                                None => {
                                    span.big { "—" }
                                    span.label { "one sync stored so far" }
                                }
                            }
                        }
                        div.card #return {
                            span.label { "Money-weighted return a year" }
                            span.big {
                                @match h.money_weighted_return {
                                    Some(m) => (percent(m)),
                                    None => "—",
                                }
                            }
                            @if let Some(why) = &h.return_missing {
                                span.label { (why) }
                            }
                        }
                        div.card #invested {
                            span.label { "Net invested" }
                            span.big { (amount(h.net_invested_base, "")) }
                        }
                    }
                    section #brokers {
                        h2 { "Brokers" }
                        div.scroll {
                            table {
                                thead { tr { th { "Broker" } th { "Portfolio read" } th { "Ledger synced until" } th { "Status" } } }
                                tbody {
                                    @for b in &r.brokers {
                                        tr {
                                            td { (b.id) }
                                            td { (time(b.portfolio_read_at)) }
                                            td { (time(b.ledger_synced_until)) }
                                            @match &b.error {
                                                Some(e) => td.failed.name { "FAILED: " (e) },
                                                None => td { "ok" },
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if !r.problems.is_empty() || !r.differences.is_empty() {
                        div.card.problems #problem-summary {
                            strong { "Check before trusting these figures: " }
                            @if !r.differences.is_empty() {
                                (r.differences.len()) " holdings rebuilt from the ledger differ from what the brokers report"
                                @if !r.problems.is_empty() { "; " }
                            }
                            @if !r.problems.is_empty() {
                                (r.problems.len() + r.more_problems) " figures left out or approximated"
                            }
                            ". " a href="#problems" { "Each one is listed below." }
                        }
                    }
                    section #allocation {
                        h2 { "Allocation" }
                        div.grid {
                            (charts::donut("by-asset-class", "By asset class", &r.allocation.by_asset_class))
                            (charts::donut("by-broker", "By broker", &r.allocation.by_broker))
                            (charts::donut("by-currency", "By currency", &r.allocation.by_currency))
                        }
                    }
                    section #history {
                        (charts::value_over_time(&r.value_over_time, &r.invested, r.generated_at))
                    }
                    @if let Some(ret) = &r.returns {
                        section #returns {
                            h2 { "Returns" }
                            figure.chart #returns-chart {
                                figcaption { "Cumulative time-weighted return" }
                                (charts::returns_line(&ret.line, ret.benchmark.as_ref().map(|b| b.id.as_str())))
                            }
                            @if let Some(all) = &ret.inception {
                                p #returns-summary {
                                    "Since " (all.start) ": time-weighted " (percent(all.twr))
                                    @if let Some(a) = all.twr_annualized { " (" (percent(a)) " a year)" }
                                    @if let Some(m) = all.mwr { ", money-weighted " (percent(m)) " a year" }
                                    @if let Some(b) = &ret.benchmark {
                                        @if let Some(t) = b.twr { "; " (b.id) " " (percent(t)) }
                                        @if let Some(v) = b.value_of_flows { ", your flows in it would be worth " (charts::amount(v, "money")) }
                                    }
                                    "."
                                    @match &all.max_drawdown {
                                        Some(d) => {
                                            " Worst fall: " (percent(d.depth)) " from " (d.peak) " to " (d.trough) ", "
                                            @match d.recovery { Some(day) => { "recovered " (day) }, None => { "not recovered yet" } }
                                            "."
                                        }
                                        None => {}
                                    }
                                }
                            }
                            div.scroll {
                                table #returns-table {
                                    thead { tr { th { "Period" } th.num { "Time-weighted" } th.num { "Money-weighted (a year)" } th.num { "Benchmark" } th.num { "Worst fall" } th { "" } } }
                                    tbody {
                                        @for y in &ret.years {
                                            tr {
                                                td { (y.period) }
                                                td.num { (percent(y.twr)) }
                                                td.num { @match y.mwr { Some(m) => (percent(m)), None => "—" } }
                                                td.num { @match y.benchmark_twr { Some(b) => (percent(b)), None => "—" } }
                                                td.num { @match &y.max_drawdown { Some(d) => (percent(d.depth)), None => "—" } }
                                                td { @if !y.complete { (y.missing_prices.len()) " without prices" } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section #dividends {
                        (charts::dividends(&r.dividends_by_month))
                    }
                    section #holdings {
                        h2 { "Holdings" }
                        div.scroll {
                            table #holdings-table {
                                thead {
                                    tr {
                                        th data-sort="text" { "Symbol" }
                                        th data-sort="text" { "Name" }
                                        th data-sort="text" { "Broker" }
                                        th data-sort="text" { "Class" }
                                        th.num data-sort="number" { "Quantity" }
                                        th.num data-sort="number" { "Cost" }
                                        th.num data-sort="number" { "Value" }
                                        th.num data-sort="number" { "Unrealized" }
                                        th.num data-sort="number" { "Weight" }
                                    }
                                }
                                tbody {
                                    @for l in &r.holdings {
                                        tr {
                                            td { (l.symbol) }
                                            td.name { (l.name) }
                                            td { (l.by_broker) }
                                            td { (l.asset_class) }
                                            td.num data-key=(l.quantity) data-qty=(l.quantity) { (l.quantity) }
                                            (money_cell(l.cost_base))
                                            (money_cell(l.value_base))
                                            @match l.gain_base {
                                                Some(g) => td.num data-key=(g) { (signed(g)) },
                                                None => td.num { "—" },
                                            }
                                            @match l.weight {
                                                Some(w) => td.num data-key=(w) { (percent(w)) },
                                                None => td.num { "—" },
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section #realized {
                        h2 { "Realized gains per year" }
                        @if r.realized_by_year.is_empty() {
                            p.empty { "No sale yet." }
                        } @else {
                            div.scroll {
                                table {
                                    thead { tr { th { "Year" } th.num { "Sales" } th.num { "Realized" } th.num { "Gain unknown" } } }
                                    tbody {
                                        @for y in &r.realized_by_year {
                                            tr {
                                                td { (y.year) }
                                                td.num { (y.sales) }
                                                td.num { (signed(y.realized_base)) }
                                                td.num { (y.unknown) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if !r.problems.is_empty() || !r.differences.is_empty() {
                        section.problems #problems {
                            h2 { "Problems and differences" }
                            @if !r.differences.is_empty() {
                                p { "Holdings rebuilt from the ledger differ from what the broker reports: its history may be incomplete." }
                                div.scroll {
                                    table {
                                        thead { tr { th { "Broker" } th { "Account" } th { "Instrument" } th.num { "Replayed" } th.num { "Reported" } th { "Diverged after" } } }
                                        tbody {
                                            @for d in &r.differences {
                                                tr {
                                                    td { (d.broker) } td { (d.account) } td { (d.instrument) }
                                                    td.num data-qty=(d.replayed) { (d.replayed) }
                                                    td.num data-qty=(d.reported) { (d.reported) }
                                                    td { (d.diverged_after.as_deref().unwrap_or("—")) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                            @if !r.problems.is_empty() {
                                ul {
                                    @for p in &r.problems { li { (p) } }
                                    @if r.more_problems > 0 { li { "and " (r.more_problems) " more (the CLI's -v lists them all)" } }
                                }
                            }
                        }
                    }
                    footer {
                        "Made by stonks from its local store. This file loads nothing and sends nothing."
                    }
                }
                script { (PreEscaped(&js)) }
            }
        }
    };
    page.into_string()
}
