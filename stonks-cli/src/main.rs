//! `stonks`: the portfolio aggregation app over every linked broker plugin.

mod commands;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// One portfolio across brokers.
#[derive(Parser)]
#[command(name = "stonks", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Output format of listing commands.
#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// List every plugin linked into this binary: id, version, API range,
    /// state, services and error.
    Plugins {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Work with plugin manifests.
    Manifest {
        #[command(subcommand)]
        command: ManifestCommand,
    },
}

#[derive(Subcommand)]
enum ManifestCommand {
    /// Check manifest files: every problem with its JSON path. Exit code 1
    /// when any file is invalid.
    Check {
        /// Manifest files to check.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let result = match cli.command {
        Command::Plugins { format } => commands::plugins(&mut out, matches!(format, Format::Json)),
        Command::Manifest {
            command: ManifestCommand::Check { files },
        } => commands::manifest_check(&mut out, &files),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stonks: {e}");
            ExitCode::from(1)
        }
    }
}
