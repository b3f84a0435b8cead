//! `stonks init`: a commented `stonks.toml` with every installed broker's
//! fields.

use std::io::Write;
use std::process::ExitCode;

use stonks::Registry;

use super::{Flags, Outcome};

/// Writes the template where the configuration is looked for.
pub fn run(out: &mut impl Write, flags: &Flags<'_>, force: bool) -> Outcome {
    let path = stonks_app::config::config_path(flags.config);
    if path.exists() && !force {
        return Err(format!("{} exists; use --force to overwrite it", path.display()).into());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, stonks_app::config::template(&Registry::discover()))?;
    writeln!(out, "wrote {}", path.display())?;
    Ok(ExitCode::SUCCESS)
}
