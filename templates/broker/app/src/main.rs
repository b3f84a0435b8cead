//! The whole `stonks` app with {{display_name}} in it: naming the crate
//! links its registration, and the app's entry point does the rest.

use {{crate_name}} as _;

fn main() -> std::process::ExitCode {
    stonks_cli::main()
}
