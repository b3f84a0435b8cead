//! The rules middleware (`middleware-rules`): rewrites what every broker
//! answers before the app sees it, as the user's `stonks.toml` says.
//!
//! ```toml
//! [middleware.middleware-rules]
//! recategorise = ["Securities lending => interest", "Custody fee => fee"]
//! internal = ["NL91ABNA0417164300", "to DEGIRO"]
//! hide_accounts = ["U7654321"]
//! ```
//!
//! - **recategorise**: an entry whose description contains the pattern
//!   (any case) becomes that kind; the first rule that matches wins.
//! - **internal**: a deposit or withdrawal whose description contains one of
//!   the patterns moves money between the user's own accounts: it becomes a
//!   `transfer` (its amount unchanged), so totals do not count it as money
//!   put in or taken out.
//! - **hide_accounts**: entries, positions and cash of these accounts are
//!   left out.

mod rules;

pub use rules::{Rules, RulesConfig};

use stonks_core::{PluginContext, Result, Services};

fn build(ctx: &PluginContext) -> Result<Services> {
    let config: RulesConfig = ctx.config()?;
    Ok(Services::new().middleware_v1(Rules::new(config)?))
}

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: build,
}
