//! The `stonks` binary: the app library's command line.

fn main() -> std::process::ExitCode {
    stonks_cli::main()
}
