//! `stonks init`: a commented `stonks.toml` with every installed broker's
//! fields.

use std::io::Write;
use std::process::ExitCode;

use stonks::Registry;

use super::{Flags, Outcome};

/// Writes the template where the configuration is looked for, readable by
/// its owner only: the file may come to hold literal secrets.
pub fn run(out: &mut impl Write, flags: &Flags<'_>, force: bool) -> Outcome {
    let path = stonks_app::config::config_path(flags.config);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    // A link planted where the config goes would have the template (and
    // later the user's secrets) written over whatever it points to.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "{} is a symbolic link; refusing to write through it (remove it, or give --config the real path)",
            path.display()
        )
        .into());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(format!("{} exists; use --force to overwrite it", path.display()).into());
        }
        file => file?,
    };
    // The mode above is for a new file; one overwritten keeps its own.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(stonks_app::config::template(&Registry::discover()).as_bytes())?;
    writeln!(out, "wrote {}", path.display())?;
    Ok(ExitCode::SUCCESS)
}
