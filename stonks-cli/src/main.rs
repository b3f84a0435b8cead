//! `stonks`: the portfolio aggregation app over every linked broker plugin.

mod app;
mod commands;
mod config;
mod ledger;
mod output;
mod portfolio;
mod store;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::Format;

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
    /// Say more: each row a broker sent that could not be read.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every plugin linked into this binary.
    Plugins,
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
        /// Only these kinds (buy, sell, deposit, withdrawal, dividend, tax, interest, fee, staking_reward, transfer, fx_conversion, other).
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// Only this broker.
        #[arg(long)]
        broker: Option<String>,
        /// Answer from the local store, with no network.
        #[arg(long)]
        offline: bool,
    },
    /// Pull each broker's ledger into the local store (incrementally).
    Sync,
    /// Each broker's state, last success, request and error counts, latency.
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

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    let mut out = std::io::stdout().lock();
    let flags = commands::Flags {
        config: cli.config.as_deref(),
        sandbox: cli.sandbox,
        format: cli.format,
        verbose: cli.verbose,
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Plugins => commands::plugins(&mut out, flags.format),
            Command::Manifest {
                command: ManifestCommand::Check { files },
            } => commands::manifest_check(&mut out, &files),
            Command::Init { force } => commands::init(&mut out, &flags, force),
            Command::Portfolio { offline } => commands::portfolio(&mut out, &flags, offline).await,
            Command::Transactions {
                since,
                until,
                kinds,
                broker,
                offline,
            } => {
                commands::transactions(&mut out, &flags, since, until, kinds, broker, offline).await
            }
            Command::Sync => commands::sync(&mut out, &flags).await,
            Command::Health => commands::health(&mut out, &flags).await,
        }
    });
    match result {
        Ok(code) => code,
        // A reader that went away (`stonks transactions | head`) is not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("stonks: {e}");
            ExitCode::from(1)
        }
    }
}
