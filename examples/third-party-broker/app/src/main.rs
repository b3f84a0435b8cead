//! The whole `stonks` app with Acme Broker in it: naming the crate links
//! its registration, and the app's entry point does the rest.

use acme_broker as _;

fn main() -> std::process::ExitCode {
    stonks_cli::main()
}
