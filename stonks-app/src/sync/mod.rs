//! Reading the brokers: live reads of every broker at once ([`ledgers`],
//! [`portfolios`]) and the incremental sync into the store ([`run`]).
//!
//! Every broker works within its own [`Budget`], created once per command
//! and shared by every call the command makes for it: a broker that hangs
//! delays none of the others, and a timeout says which step it was on and
//! where it was stuck. The exchange-rate source works within a budget of
//! its own the same way ([`crate::App::rates`]).

mod budget;
mod live;
mod pull;

pub use budget::Budget;
pub use live::{LedgerRead, ledgers, portfolios, read_ledger};
pub use pull::{MAX_HOLD, OVERLAP, SyncOptions, SyncOutcome, run, run_with};
