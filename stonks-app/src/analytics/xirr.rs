//! The money-weighted return: the yearly rate at which the external cash
//! flows and the current value discount to zero (XIRR, actual/365).
//!
//! A rate is not money: it is solved in `f64` (Newton's method, falling
//! back to bisection) and reported rounded to six decimals. The flows
//! themselves stay exact until they enter the solver.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Why there is no rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRate {
    /// Fewer than two flows, or all of one sign (nothing in, or nothing
    /// back): there is no rate to find.
    NotEnoughData,
    /// The solver found no root in (-99.99 %, 10,000 %).
    NoConvergence,
}

impl std::fmt::Display for NoRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoRate::NotEnoughData => {
                "not enough data: money-weighted return needs money in and a value or money out"
            }
            NoRate::NoConvergence => "no money-weighted return: the flows have no rate between -99.99 % and 10,000 % a year",
        })
    }
}

/// The XIRR of `flows` (when, amount: money put in negative, money taken
/// out and the final value positive), as a yearly rate (0.0734 = 7.34 %).
pub fn xirr(flows: &[(DateTime<Utc>, Decimal)]) -> Result<Decimal, NoRate> {
    let flows: Vec<(f64, f64)> = {
        let Some(start) = flows.iter().map(|(t, _)| *t).min() else {
            return Err(NoRate::NotEnoughData);
        };
        flows
            .iter()
            .filter(|(_, a)| !a.is_zero())
            .filter_map(|(t, a)| {
                let years = (*t - start).num_seconds() as f64 / (365.0 * 86_400.0);
                Some((years, a.to_f64()?))
            })
            .collect()
    };
    let positive = flows.iter().any(|(_, a)| *a > 0.0);
    let negative = flows.iter().any(|(_, a)| *a < 0.0);
    if flows.len() < 2 || !positive || !negative {
        return Err(NoRate::NotEnoughData);
    }
    let npv = |r: f64| -> f64 { flows.iter().map(|(t, a)| a / (1.0 + r).powf(*t)).sum() };
    let slope = |r: f64| -> f64 {
        flows
            .iter()
            .map(|(t, a)| -t * a / (1.0 + r).powf(t + 1.0))
            .sum()
    };
    const LOW: f64 = -0.9999;
    const HIGH: f64 = 100.0;
    let done = |r: f64| r.is_finite() && (LOW..=HIGH).contains(&r);
    // Newton from 10 %.
    let mut r = 0.1;
    for _ in 0..50 {
        let (v, d) = (npv(r), slope(r));
        if !v.is_finite() || !d.is_finite() || d == 0.0 {
            break;
        }
        let next = r - v / d;
        if !done(next) {
            break;
        }
        if (next - r).abs() < 1e-10 {
            return to_decimal(next);
        }
        r = next;
    }
    // Bisection over the whole range where the sign changes.
    let (mut lo, mut hi) = (LOW, HIGH);
    let (mut f_lo, f_hi) = (npv(lo), npv(hi));
    if !f_lo.is_finite() || !f_hi.is_finite() || f_lo.signum() == f_hi.signum() {
        return Err(NoRate::NoConvergence);
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        let f_mid = npv(mid);
        if f_mid.abs() < 1e-9 || (hi - lo) < 1e-12 {
            return to_decimal(mid);
        }
        if f_mid.signum() == f_lo.signum() {
            lo = mid;
            f_lo = f_mid;
        } else {
            hi = mid;
        }
    }
    to_decimal((lo + hi) / 2.0)
}

fn to_decimal(r: f64) -> Result<Decimal, NoRate> {
    Decimal::from_f64_retain(r)
        .map(|d| d.round_dp(6))
        .ok_or(NoRate::NoConvergence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stonks_testkit::support::d;

    fn at(d: &str) -> DateTime<Utc> {
        format!("{d}T00:00:00Z").parse().unwrap()
    }

    #[test]
    fn one_year_at_ten_percent() {
        let r = xirr(&[
            (at("2023-01-01"), d("-1000")),
            (at("2024-01-01"), d("1100")),
        ])
        .unwrap();
        assert_eq!(r, d("0.1"));
    }

    #[test]
    fn the_spreadsheet_example() {
        // The XIRR example of spreadsheet documentation: 37.34 % a year.
        let r = xirr(&[
            (at("2008-01-01"), d("-10000")),
            (at("2008-03-01"), d("2750")),
            (at("2008-10-30"), d("4250")),
            (at("2009-02-15"), d("3250")),
            (at("2009-04-01"), d("2750")),
        ])
        .unwrap();
        assert_eq!(r.round_dp(4), d("0.3734"));
    }

    #[test]
    fn a_loss_and_no_data() {
        let r = xirr(&[(at("2021-01-01"), d("-1000")), (at("2023-01-01"), d("810"))]).unwrap();
        assert_eq!(r.round_dp(4), d("-0.1"));
        assert_eq!(xirr(&[]), Err(NoRate::NotEnoughData));
        assert_eq!(
            xirr(&[(at("2023-01-01"), d("-1000"))]),
            Err(NoRate::NotEnoughData)
        );
        assert_eq!(
            xirr(&[(at("2023-01-01"), d("-1000")), (at("2024-01-01"), d("-5"))]),
            Err(NoRate::NotEnoughData)
        );
    }
}
