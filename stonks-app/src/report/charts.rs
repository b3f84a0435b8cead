//! The report's charts as inline SVG: donuts for allocations, a line
//! chart for value and invested capital over time, bars for dividends.
//! Coordinates are `f64` (drawing only); every figure shown as text keeps
//! its exact decimal in a `data-amount` attribute for the page's
//! formatter.

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{InvestedPoint, MonthBar, ReturnPoint, Slice, ValuePoint};

/// Slices beyond this many are drawn as one "other".
const MAX_SLICES: usize = 7;

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// A coordinate with one decimal: enough on a 600-unit canvas, and small.
fn c(x: f64) -> String {
    format!("{:.1}", if x.is_finite() { x } else { 0.0 })
}

/// A money figure the page formats per locale; the text is the fallback.
pub(super) fn amount(d: Decimal, class: &str) -> Markup {
    let d = d.round_dp(2);
    html! { span class=(class) data-amount=(d) { (format!("{d:.2}")) } }
}

/// The share of `part` in `whole`, `0.253` for 25.3 %.
fn share(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part / whole).round_dp(4)
    }
}

/// A donut of `slices` with its legend; `id` names it for the page.
pub(super) fn donut(id: &str, title: &str, slices: &[Slice]) -> Markup {
    let mut parts: Vec<(String, Decimal)> = slices
        .iter()
        .take(MAX_SLICES)
        .map(|s| (s.label.clone(), s.value_base))
        .collect();
    let rest: Decimal = slices.iter().skip(MAX_SLICES).map(|s| s.value_base).sum();
    if !rest.is_zero() {
        parts.push(("other".to_owned(), rest));
    }
    // Negative parts (a debit balance) cannot be drawn as a share.
    let whole: Decimal = parts.iter().map(|(_, v)| (*v).max(Decimal::ZERO)).sum();
    // A circle of circumference 100: dash lengths are percentages.
    let r = 100.0 / (2.0 * std::f64::consts::PI);
    // Each arc starts where the one before ended, from 12 o'clock.
    let mut offset = 25.0;
    let arcs: Vec<(usize, &str, f64, f64)> = parts
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let pct = f(share((*v).max(Decimal::ZERO), whole)) * 100.0;
            let arc = (i, label.as_str(), pct, offset);
            offset -= pct;
            arc
        })
        .filter(|a| a.2 > 0.0)
        .collect();
    html! {
        figure.chart id=(id) {
            figcaption { (title) }
            @if whole.is_zero() {
                p.empty { "Nothing valued yet." }
            } @else {
                svg.donut viewBox="0 0 42 42" role="img" aria-label=(title) {
                    circle.track cx="21" cy="21" r=(c(r)) {}
                    @for (i, label, pct, offset) in &arcs {
                        circle class=(format!("slice c{i}")) cx="21" cy="21" r=(c(r))
                            stroke-dasharray=(format!("{:.2} {:.2}", pct, 100.0 - pct))
                            stroke-dashoffset=(format!("{offset:.2}")) {
                            title { (label) }
                        }
                    }
                }
                ul.legend {
                    @for (i, (label, v)) in parts.iter().enumerate() {
                        li {
                            span class=(format!("swatch c{i}")) {}
                            span.label { (label) }
                            (amount(*v, "num"))
                            span.num.pct data-pct=(share(*v, whole)) { (share(*v, whole) * Decimal::ONE_HUNDRED) " %" }
                        }
                    }
                }
            }
        }
    }
}

const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 22.0;

/// Value over time (a point a day from price history, else one per sync)
/// and net invested capital as a step line, on one time axis from the
/// first of either to `now`.
pub(super) fn value_over_time(
    values: &[ValuePoint],
    invested: &[InvestedPoint],
    now: DateTime<Utc>,
) -> Markup {
    let first = [values.first().map(|p| p.at), invested.first().map(|p| p.at)]
        .into_iter()
        .flatten()
        .min();
    let Some(first) = first else {
        return html! {
            figure.chart #value-chart {
                figcaption { "Value over time" }
                p.empty { "No snapshot stored yet: each sync stores one." }
            }
        };
    };
    let last = values.last().map_or(now, |p| p.at.max(now));
    let span = ((last - first).num_seconds() as f64).max(1.0);
    let top = values
        .iter()
        .map(|p| p.value_base)
        .chain(invested.iter().map(|p| p.net_invested_base))
        .max()
        .unwrap_or_default()
        .max(Decimal::ONE);
    let bottom = values
        .iter()
        .map(|p| p.value_base)
        .chain(invested.iter().map(|p| p.net_invested_base))
        .min()
        .unwrap_or_default()
        .min(Decimal::ZERO);
    let (fy0, fy1) = (f(bottom), f(top) * 1.05);
    let x =
        |t: DateTime<Utc>| LEFT + (W - LEFT - RIGHT) * ((t - first).num_seconds() as f64 / span);
    let y = |v: Decimal| TOP + (H - TOP - BOTTOM) * (1.0 - (f(v) - fy0) / (fy1 - fy0));
    let mut invested_path = String::new();
    let mut prev: Option<Decimal> = None;
    for p in invested {
        let (px, py) = (x(p.at), y(p.net_invested_base));
        match prev {
            None => invested_path.push_str(&format!("M{} {}", c(px), c(py))),
            Some(_) => invested_path.push_str(&format!("H{}V{}", c(px), c(py))),
        }
        prev = Some(p.net_invested_base);
    }
    if prev.is_some() {
        invested_path.push_str(&format!("H{}", c(x(last))));
    }
    let value_line: Vec<String> = values
        .iter()
        .map(|p| format!("{},{}", c(x(p.at)), c(y(p.value_base))))
        .collect();
    let dots = values.len() <= 60;
    // Syncs minutes apart on an axis of years fall on one spot: a line
    // there would have no length.
    let spread = match (values.first(), values.last()) {
        (Some(a), Some(b)) => x(b.at) - x(a.at) >= 1.0,
        _ => false,
    };
    html! {
        figure.chart #value-chart {
            figcaption { "Value over time" }
            svg.line viewBox=(format!("0 0 {W} {H}")) role="img" aria-label="Value over time and net invested capital" {
                @for frac in [0.0, 0.5, 1.0] {
                    @let v = Decimal::from_f64_retain(fy0 + (fy1 - fy0) * frac).unwrap_or_default().round_dp(0);
                    line.grid x1=(c(LEFT)) x2=(c(W - RIGHT)) y1=(c(y(v))) y2=(c(y(v))) {}
                    text.axis x=(c(LEFT + 2.0)) y=(c(y(v) - 3.0)) data-amount=(v) data-compact="1" { (v) }
                }
                text.axis x=(c(LEFT)) y=(c(H - 6.0)) { (first.format("%Y-%m-%d")) }
                text.axis text-anchor="end" x=(c(W - RIGHT)) y=(c(H - 6.0)) { (last.format("%Y-%m-%d")) }
                @if !invested_path.is_empty() {
                    path.invested d=(invested_path) {}
                }
                @if value_line.len() > 1 && spread {
                    polyline.value points=(value_line.join(" ")) {}
                }
                @if dots || !spread {
                    @for p in values {
                        circle.point cx=(c(x(p.at))) cy=(c(y(p.value_base))) r="3.5" {
                            title { (p.at.format("%Y-%m-%d %H:%M UTC")) ": " (p.value_base) }
                        }
                    }
                }
            }
            ul.legend.inline {
                li { span.swatch.value {} "Value (" (values.len()) " points)" }
                li { span.swatch.invested {} "Net invested (deposits − withdrawals)" }
            }
        }
    }
}

/// The cumulative time-weighted return, and the benchmark's beside it, on
/// one time axis with the 0 % line.
pub(super) fn returns_line(line: &[ReturnPoint], benchmark: Option<&str>) -> Markup {
    let (Some(first), Some(last)) = (line.first(), line.last()) else {
        return html! { p.empty { "No daily value yet." } };
    };
    let span = ((last.date - first.date).num_days() as f64).max(1.0);
    let values = line
        .iter()
        .flat_map(|p| [Some(p.twr_index), p.benchmark_index])
        .flatten()
        .map(|v| f(v) - 1.0);
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = (lo * 1.05, (hi * 1.05).max(lo + 0.01));
    let x = |d: chrono::NaiveDate| {
        LEFT + (W - LEFT - RIGHT) * ((d - first.date).num_days() as f64 / span)
    };
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v - lo) / (hi - lo));
    let path = |pick: &dyn Fn(&ReturnPoint) -> Option<Decimal>| {
        // A gap where the benchmark has no close: a new segment after it.
        let mut d = String::new();
        let mut pen = false;
        for p in line {
            match pick(p) {
                Some(v) => {
                    d.push_str(&format!(
                        "{}{} {}",
                        if pen { "L" } else { "M" },
                        c(x(p.date)),
                        c(y(f(v) - 1.0))
                    ));
                    pen = true;
                }
                None => pen = false,
            }
        }
        d
    };
    let own = path(&|p| Some(p.twr_index));
    let other = path(&|p| p.benchmark_index);
    let pct = |v: f64| format!("{:.0} %", v * 100.0);
    html! {
        svg.line viewBox=(format!("0 0 {W} {H}")) role="img" aria-label="Cumulative time-weighted return against the benchmark" {
            @for v in [lo, 0.0, hi] {
                line.grid x1=(c(LEFT)) x2=(c(W - RIGHT)) y1=(c(y(v))) y2=(c(y(v))) {}
                text.axis x=(c(LEFT + 2.0)) y=(c(y(v) - 3.0)) { (pct(v)) }
            }
            text.axis x=(c(LEFT)) y=(c(H - 6.0)) { (first.date.format("%Y-%m-%d")) }
            text.axis text-anchor="end" x=(c(W - RIGHT)) y=(c(H - 6.0)) { (last.date.format("%Y-%m-%d")) }
            @if !other.is_empty() {
                path.benchmark d=(other) {}
            }
            path.value d=(own) {}
        }
        ul.legend.inline {
            li { span.swatch.value {} "Time-weighted return" }
            @if let Some(b) = benchmark {
                li { span.swatch.benchmark {} "Benchmark: " (b) }
            }
        }
    }
}

/// Gross and net dividends per month, side by side.
pub(super) fn dividends(months: &[MonthBar]) -> Markup {
    let top = months
        .iter()
        .map(|m| m.gross_base.max(m.net_base))
        .max()
        .unwrap_or_default();
    if top <= Decimal::ZERO {
        return html! {
            figure.chart #dividend-chart {
                figcaption { "Dividends per month" }
                p.empty { "No dividends in the last " (months.len()) " months." }
            }
        };
    }
    let h = 200.0;
    let plot = h - TOP - BOTTOM;
    let slot = (W - LEFT - RIGHT) / months.len().max(1) as f64;
    let bar = slot * 0.4;
    let y = |v: Decimal| TOP + plot * (1.0 - f(v.max(Decimal::ZERO)) / f(top));
    html! {
        figure.chart #dividend-chart {
            figcaption { "Dividends per month" }
            svg.bars viewBox=(format!("0 0 {W} {h}")) role="img" aria-label="Dividends per month, gross and net" {
                line.grid x1=(c(LEFT)) x2=(c(W - RIGHT)) y1=(c(y(top))) y2=(c(y(top))) {}
                text.axis x=(c(LEFT + 2.0)) y=(c(y(top) - 3.0)) data-amount=(top.round_dp(2)) data-compact="1" { (top.round_dp(2)) }
                line.grid x1=(c(LEFT)) x2=(c(W - RIGHT)) y1=(c(y(Decimal::ZERO))) y2=(c(y(Decimal::ZERO))) {}
                @for (i, m) in months.iter().enumerate() {
                    @let x0 = LEFT + slot * i as f64 + slot * 0.1;
                    @if m.gross_base > Decimal::ZERO {
                        rect.gross x=(c(x0)) y=(c(y(m.gross_base))) width=(c(bar)) height=(c(plot + TOP - y(m.gross_base))) {
                            title { (m.month) " gross: " (m.gross_base) }
                        }
                    }
                    @if m.net_base > Decimal::ZERO {
                        rect.net x=(c(x0 + bar)) y=(c(y(m.net_base))) width=(c(bar)) height=(c(plot + TOP - y(m.net_base))) {
                            title { (m.month) " net: " (m.net_base) }
                        }
                    }
                    // Each January names its year; the first month too,
                    // when a January is not right after it.
                    @if m.month.ends_with("-01") || (i == 0 && m.month.get(5..).is_some_and(|mm| mm <= "09")) {
                        text.axis x=(c(x0)) y=(c(h - 6.0)) { (m.month.get(..4).unwrap_or(&m.month)) }
                    }
                }
            }
            ul.legend.inline {
                li { span.swatch.gross {} "Gross" }
                li { span.swatch.net {} "Net of withholding" }
            }
        }
    }
}
