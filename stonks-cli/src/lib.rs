//! # stonks-cli
//!
//! The `stonks` command line: it parses arguments, calls the app library
//! ([`stonks_app`]) and renders its typed results as a table, the JSON
//! contract or CSV. Its entry point is a library function, so a broker
//! author's binary is the whole app with their broker in it:
//!
//! ```no_run
//! // use my_broker as _; // links the broker's registration
//! fn main() -> std::process::ExitCode {
//!     stonks_cli::main()
//! }
//! ```

mod commands;
mod logging;
mod render;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use crate::render::Format;

/// Writes a merged ledger (newest first, as [`stonks_app::ledger::merged`]
/// returns it) the way `stonks transactions` does: the JSON contract
/// streamed row by row, CSV, or a table. `out` should be buffered.
pub fn write_ledger(
    out: &mut impl Write,
    entries: &[(String, stonks::v2::LedgerEntry)],
    format: Format,
) -> std::io::Result<()> {
    commands::transactions::render(out, entries, format)
}

/// One portfolio across brokers.
#[derive(Parser)]
#[command(name = "stonks", version, about)]
struct Cli {
    /// The config file (default: $STONKS_CONFIG, else the platform's config directory).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Run against the built-in mock brokers: no account, no network.
    #[arg(long, global = true)]
    sandbox: bool,
    /// Output format of listings.
    #[arg(long, global = true, value_enum, default_value = "table")]
    format: Format,
    /// Say more: -v each row a broker sent that could not be read, and info
    /// logs; -vv every request; -vvv everything. RUST_LOG also works.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum PluginsCommand {
    /// Read runtime plugins' folders again: each configured one (or ID) is checked anew and restarted; one whose manifest no longer checks is kept as it was, and says why.
    Reload {
        /// One plugin; default every configured runtime plugin.
        id: Option<String>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// List every plugin: linked into this binary, or installed as a folder in `[plugins] dirs`.
    Plugins {
        #[command(subcommand)]
        command: Option<PluginsCommand>,
    },
    /// Read two brokers that see the same account (say a linked plugin and the runtime plugin replacing it) and print every difference in positions, cash and ledger entries; exit code 1 when they differ, 2 when one could not be read.
    Shadow {
        /// The first broker (as configured).
        a: String,
        /// The second broker.
        b: String,
        /// Compare only this account's positions, cash and entries.
        #[arg(long)]
        account: Option<String>,
    },
    /// Work with plugin manifests.
    Manifest {
        #[command(subcommand)]
        command: ManifestCommand,
    },
    /// Write a commented config template with every installed broker's fields.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Every enabled broker's portfolio, merged, in the base currency.
    Portfolio {
        /// Answer from the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// The merged ledger, newest first.
    Transactions {
        /// Entries at or after this date (YYYY-MM-DD) or time (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Entries before this date or time.
        #[arg(long)]
        until: Option<String>,
        /// Only these kinds (buy, sell, deposit, withdrawal, dividend, tax, interest, fee, staking_reward, transfer, fx_conversion, split, reverse_split, spin_off, merger, other).
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// Only this broker.
        #[arg(long)]
        broker: Option<String>,
        /// Answer from the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// Pull each broker's ledger and portfolio into the local store (incrementally).
    Sync {
        /// Read every broker's whole history again, not only what is new; rows stored by older versions that the broker no longer gives are then removed.
        #[arg(long)]
        full: bool,
    },
    /// Stored daily closes per instrument (source, days, gaps), brought up to date first; with --instrument, its series.
    Prices {
        /// One instrument key (see `stonks instruments`): its closes.
        #[arg(long)]
        instrument: Option<String>,
        /// From the local store: nothing is fetched.
        #[arg(long)]
        offline: bool,
    },
    /// Every instrument the store knows: its key, identifiers and where each came from, and the brokers that have it.
    Instruments {
        /// From the local store: no sync, no resolver.
        #[arg(long)]
        offline: bool,
    },
    /// Holdings rebuilt from the ledger, valued, and reconciled with what each broker reports.
    Holdings {
        /// From the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// Realized gains per sale and per year, unrealized gains per holding.
    Gains {
        /// Which lots a sale consumes.
        #[arg(long, default_value = "fifo", value_parser = ["fifo", "lifo", "average"])]
        method: String,
        /// Realized gains of this year only.
        #[arg(long)]
        year: Option<i32>,
        /// One pool of lots per instrument across all accounts (as some tax regimes require).
        #[arg(long)]
        pooled: bool,
        /// From the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// Dividends gross, withheld and net; other income and costs; yield on cost.
    Dividends {
        /// Payments of this year only.
        #[arg(long)]
        year: Option<i32>,
        /// How to group: year, month, instrument or broker.
        #[arg(long, default_value = "year", value_parser = ["year", "month", "instrument", "broker"])]
        by: String,
        /// From the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// Money in and out, value, gains, income, costs and the money-weighted return per account, broker and in total.
    Performance {
        /// From the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// Time- and money-weighted returns per period (since inception, YTD, 1Y, 3Y, 5Y, each year), drawdown and volatility, from daily values.
    Returns {
        /// One period: inception, ytd, 1y, 3y, 5y or a year (2024).
        #[arg(long)]
        period: Option<String>,
        /// A period of your own: its first day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// Its last day (default today).
        #[arg(long)]
        to: Option<String>,
        /// Rows for the total, each broker, or each account too.
        #[arg(long, default_value = "total", value_parser = ["total", "broker", "account"])]
        by: String,
        /// Compare with: an instrument key, an ISIN or a Yahoo symbol (default `[returns] benchmark`).
        #[arg(long)]
        benchmark: Option<String>,
        /// From the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// A tax year across every broker and account: UK capital gains (same day, 30 days, Section 104 pool; GBP), US Form 8949 (wash sales; USD) or Dutch box 3 (the value on 1 January and the actual return; EUR).
    Tax {
        /// Whose rules: uk (6 April to 5 April), us or nl (the calendar year).
        #[arg(long, value_parser = ["uk", "us", "nl"])]
        rules: String,
        /// The tax year: 2024 is 2024-25 under uk rules, 2024 under us and nl rules.
        #[arg(long)]
        year: i32,
        /// From the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// One self-contained HTML page: value, allocation, value over time, dividends, holdings, gains, problems.
    Report {
        /// From the local store, with no network.
        #[arg(long)]
        offline: bool,
        /// The file to write (`-`: standard output).
        #[arg(long, short, default_value = commands::report::DEFAULT_OUTPUT)]
        output: PathBuf,
        /// How numbers are formatted: a language tag such as en, de, fr-CH.
        #[arg(long, default_value = "en")]
        locale: String,
    },
    /// Each broker's state, last success, request and error counts, latency, last error.
    Health,
}

#[derive(Subcommand)]
enum ManifestCommand {
    /// Check manifest files: every problem with its JSON path. Exit code 1
    /// when any file is invalid.
    Check {
        /// Manifest files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// The whole `stonks` app, with whichever broker plugins are linked into
/// the binary: parses the process's arguments, runs the command, and says
/// how it went in the exit code.
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// [`main`] with the arguments given (the first is the program name).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stonks: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    // Output goes through one buffer: a ledger of 100,000 rows is a few
    // large writes, not millions of small ones.
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let flags = commands::Flags {
        config: cli.config.as_deref(),
        sandbox: cli.sandbox,
        format: cli.format,
        verbose: cli.verbose,
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Shadow { a, b, account } => {
                commands::shadow::run(&mut out, &flags, &a, &b, account.as_deref()).await
            }
            Command::Plugins { command: None } => {
                let config = stonks_app::config::config_path(flags.config);
                commands::plugins::run(&mut out, flags.format, &config)
            }
            Command::Plugins {
                command: Some(PluginsCommand::Reload { id }),
            } => commands::plugins::reload(&mut out, &flags, id.as_deref()).await,
            Command::Manifest {
                command: ManifestCommand::Check { files },
            } => commands::manifest::check(&mut out, &files),
            Command::Init { force } => commands::init::run(&mut out, &flags, force),
            Command::Portfolio { offline } => {
                commands::portfolio::run(&mut out, &flags, offline).await
            }
            Command::Transactions {
                since,
                until,
                kinds,
                broker,
                offline,
            } => {
                let filter = (|| {
                    Ok::<_, String>(stonks_app::ledger::Filter {
                        since: since
                            .as_deref()
                            .map(|s| commands::transactions::parse_time(s, "since"))
                            .transpose()?,
                        until: until
                            .as_deref()
                            .map(|s| commands::transactions::parse_time(s, "until"))
                            .transpose()?,
                        kinds,
                        broker,
                    })
                })();
                match filter {
                    Ok(filter) => {
                        commands::transactions::run(&mut out, &flags, filter, offline).await
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Command::Sync { full } => {
                let options = stonks_app::sync::SyncOptions { full };
                commands::sync::run(&mut out, &flags, options).await
            }
            Command::Prices {
                instrument,
                offline,
            } => commands::prices::run(&mut out, &flags, instrument.as_deref(), offline).await,
            Command::Instruments { offline } => {
                commands::instruments::run(&mut out, &flags, offline).await
            }
            Command::Holdings { offline } => {
                commands::holdings::run(&mut out, &flags, offline).await
            }
            Command::Gains {
                method,
                year,
                pooled,
                offline,
            } => match method.parse() {
                Ok(method) => {
                    let ask = commands::gains::Ask {
                        method,
                        pooled,
                        year,
                        offline,
                    };
                    commands::gains::run(&mut out, &flags, ask).await
                }
                Err(e) => Err(e.into()),
            },
            Command::Dividends { year, by, offline } => match by.parse() {
                Ok(by) => commands::dividends::run(&mut out, &flags, by, year, offline).await,
                Err(e) => Err(e.into()),
            },
            Command::Performance { offline } => {
                commands::performance::run(&mut out, &flags, offline).await
            }
            Command::Returns {
                period,
                from,
                to,
                by,
                benchmark,
                offline,
            } => {
                let ask = commands::returns::Ask {
                    period,
                    from,
                    to,
                    by,
                    benchmark,
                    offline,
                };
                commands::returns::run(&mut out, &flags, ask).await
            }
            Command::Tax {
                rules,
                year,
                offline,
            } => {
                let ask = commands::tax::Ask {
                    rules,
                    year,
                    offline,
                };
                commands::tax::run(&mut out, &flags, ask).await
            }
            Command::Report {
                offline,
                output,
                locale,
            } => commands::report::run(&mut out, &flags, offline, &output, &locale).await,
            Command::Health => commands::health::run(&mut out, &flags).await,
        }
    });
    // A read still running on a blocking thread (a budget ran out while a
    // file was read) must not keep the process alive: it is left behind.
    runtime.shutdown_timeout(std::time::Duration::from_millis(250));
    let flushed = out.flush();
    let broken_pipe = |e: &(dyn std::error::Error + 'static)| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    };
    match (result, flushed) {
        // A reader that went away (`stonks transactions | head`) is not an error.
        (Err(e), _) if broken_pipe(&*e) => ExitCode::SUCCESS,
        (Ok(_), Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        (Ok(code), Ok(())) => code,
        (Ok(_), Err(e)) => {
            eprintln!("stonks: cannot write the output: {e}");
            ExitCode::from(1)
        }
        (Err(e), _) => {
            eprintln!("stonks: {e}");
            ExitCode::from(1)
        }
    }
}
