//! The mock's book adds up, and the mock answers as IBKR does.

use rust_decimal::Decimal;

use super::account::{self, day};
use super::*;
use crate::support::d;

#[test]
fn the_book_is_realistic_and_adds_up() {
    let b = book();
    let ids: std::collections::HashSet<u64> = b.events.iter().map(|e| e.transaction_id).collect();
    assert_eq!(ids.len(), b.events.len(), "transaction ids are unique");
    assert!(b.events.windows(2).all(|w| w[0].at <= w[1].at));
    let end = b.state(ACCOUNT_EUR, day(account::LAST_DAY));
    assert!(
        end.cash.values().all(|c| *c > Decimal::ZERO),
        "{:?}",
        end.cash
    );
    assert_eq!(
        end.units(&account::security("NVDA")),
        d("80"),
        "8 bought, split 10 for 1"
    );
    assert_eq!(end.units(&account::security("GEHC")), d("10"));
    assert_eq!(
        end.units(&account::security("ATVI")),
        d("0"),
        "acquired for cash"
    );
    let usd = b.state(ACCOUNT_USD, day(account::LAST_DAY));
    assert!(usd.cash["USD"] > d("5000"));
}
