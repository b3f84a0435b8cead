//! `App::sandbox()` (feature `sandbox`): the whole app against the
//! testkit's mock brokers, in-process, with no account and no network.
//! It builds on [`App`] like any other caller; the app knows nothing of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use stonks::{Currency, Registry};
use stonks_testkit::{
    MockAlpaca, MockBitvavo, MockDegiro, MockEcb, MockIbkr, MockOpenFigi, MockYahoo,
};

use crate::app::App;
use crate::benchmark::Benchmark;
use crate::config::{
    AppConfig, BrokerConfig, FxConfig, IdentityConfig, PricesConfig, ReturnsConfig,
};
use crate::error::{Error, Result};

/// The default sandbox store's file: named after the mocks' accounts, so a
/// store synced from an earlier version of them (other ids, other
/// holdings) is not mixed with today's. Bump it when their data changes.
const SANDBOX_STORE: &str = "stonks-3.sqlite";

/// The mock brokers of the sandbox, alive as long as the app.
struct Mocks {
    _alpaca: MockAlpaca,
    _bitvavo: MockBitvavo,
    _degiro: MockDegiro,
    _ibkr: MockIbkr,
    _ecb: MockEcb,
    _openfigi: MockOpenFigi,
    _yahoo: MockYahoo,
}

impl App {
    /// The app against mock Alpaca (paper), Bitvavo, DEGIRO, Interactive
    /// Brokers (Flex Web Service and Client Portal), ECB, OpenFIGI and
    /// Yahoo Finance servers started now.
    /// The store lives in a directory of the current user's only (in the
    /// platform's cache directory) unless `STONKS_SANDBOX_STORE` names a
    /// file; a directory or store file someone else could have planted is
    /// refused ([`Error::Store`] names it and why).
    ///
    /// Only with the `sandbox` feature (off by default: it links the
    /// testkit's mock servers and wiremock).
    pub async fn sandbox() -> Result<App> {
        let store = match std::env::var_os("STONKS_SANDBOX_STORE") {
            Some(file) => PathBuf::from(file),
            None => store_in(&sandbox_dir()?)?,
        };
        let alpaca = MockAlpaca::start().await;
        let bitvavo = MockBitvavo::start().await;
        let degiro = MockDegiro::start().await;
        let ibkr = MockIbkr::start().await;
        let ecb = MockEcb::start().await;
        let openfigi = MockOpenFigi::start().await;
        let yahoo = MockYahoo::start().await;
        // What no mock source prices (the bond, the fund, the note, the
        // options) comes from a price file written next to the store.
        let price_file = store.with_file_name("sandbox-prices.csv");
        write_price_file(&price_file)?;
        let broker = |plugin: &str, settings: serde_json::Value| {
            (
                plugin.to_owned(),
                BrokerConfig {
                    plugin: plugin.to_owned(),
                    enabled: true,
                    timeout: Duration::from_secs(60),
                    settings,
                },
            )
        };
        let mut degiro_settings = degiro.config();
        // The sandbox account's ledger starts in 2023.
        degiro_settings["history_since"] = json!("2023-01-01");
        let config = AppConfig {
            base_currency: Currency::EUR,
            store,
            brokers: BTreeMap::from([
                broker("alpaca", alpaca.config()),
                broker("bitvavo", bitvavo.config()),
                broker("degiro", degiro_settings),
                broker("ibkr", ibkr.config()),
            ]),
            fx: FxConfig {
                settings: ecb.config(),
                ..FxConfig::default()
            },
            identity: IdentityConfig {
                enabled: true,
                settings: openfigi.config(),
            },
            instruments: BTreeMap::new(),
            // Crypto from Bitvavo's candles in EUR, US shares from
            // Alpaca's bars, the rest from Yahoo, then the file.
            prices: PricesConfig {
                sources: Some(vec![
                    "bitvavo".into(),
                    "alpaca".into(),
                    "yahoo".into(),
                    "file".into(),
                ]),
                settings: BTreeMap::from([
                    ("yahoo".to_owned(), yahoo.config()),
                    (
                        "file".to_owned(),
                        json!({"files": [price_file.display().to_string()]}),
                    ),
                ]),
                ..PricesConfig::default()
            },
            // A world ETF on Xetra, from Yahoo: the returns' benchmark.
            returns: ReturnsConfig {
                benchmark: Benchmark::parse("VWCE.DE").ok(),
            },
            middleware: BTreeMap::new(),
        };
        let mut app = App::with(config, Registry::discover());
        app._held.push(Box::new(Mocks {
            _alpaca: alpaca,
            _bitvavo: bitvavo,
            _degiro: degiro,
            _ibkr: ibkr,
            _ecb: ecb,
            _openfigi: openfigi,
            _yahoo: yahoo,
        }));
        Ok(app)
    }
}

/// Writes the sandbox's price file: through a temporary file renamed over
/// it, never through a link planted at its name.
fn write_price_file(path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(refused(path, "it is a symbolic link"));
    }
    let text = stonks_testkit::price_file::sandbox(chrono::Utc::now().date_naive());
    let temp = path.with_extension(format!("csv.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&temp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .and_then(|()| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        refused(path, &format!("cannot write it: {e}"))
    })
}

/// The sandbox's own directory: in the platform's cache directory, else
/// (no home) in the temp directory under the current user's id, never at a
/// path shared by every user.
fn sandbox_dir() -> Result<PathBuf> {
    if let Some(dirs) = directories::ProjectDirs::from("", "", "stonks") {
        return Ok(dirs.cache_dir().join("sandbox"));
    }
    let temp = std::env::temp_dir();
    #[cfg(unix)]
    let name = format!(
        "stonks-sandbox-{}",
        current_uid(&temp).map_err(|e| refused(&temp, &format!("cannot write in it: {e}")))?
    );
    #[cfg(not(unix))]
    let name = "stonks-sandbox".to_owned();
    Ok(temp.join(name))
}

fn refused(path: &Path, why: &str) -> Error {
    Error::Store(format!("sandbox store: refusing {}: {why}", path.display()))
}

/// The store file in `dir`, once `dir` is the current user's only (created
/// 0700 if missing) and the file is not a symbolic link: another user must
/// not be able to choose, replace or read what the sandbox writes.
fn store_in(dir: &Path) -> Result<PathBuf> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        builder
            .recursive(true)
            .create(parent)
            .map_err(|e| refused(parent, &format!("cannot create it: {e}")))?;
    }
    match builder.recursive(false).create(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            return Err(refused(dir, &format!("cannot create it: {e}")));
        }
        _ => {}
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| refused(dir, &e.to_string()))?;
    if meta.file_type().is_symlink() {
        return Err(refused(dir, "it is a symbolic link"));
    }
    if !meta.is_dir() {
        return Err(refused(dir, "it is not a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o022 != 0 {
            return Err(refused(
                dir,
                &format!("it is writable by group or others (mode {mode:o})"),
            ));
        }
        let uid =
            current_uid(dir).map_err(|e| refused(dir, &format!("cannot write in it: {e}")))?;
        if meta.uid() != uid {
            return Err(refused(
                dir,
                &format!("it is owned by user {}, not by you ({uid})", meta.uid()),
            ));
        }
    }
    let file = dir.join(SANDBOX_STORE);
    if std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(refused(&file, "it is a symbolic link"));
    }
    Ok(file)
}

/// The current user's id: the owner of a file created now in `dir` (std
/// has no `getuid`, and this needs no `unsafe`).
#[cfg(unix)]
fn current_uid(dir: &Path) -> std::io::Result<u32> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    use std::sync::atomic::{AtomicU32, Ordering};
    static PROBES: AtomicU32 = AtomicU32::new(0);
    let probe = dir.join(format!(
        ".stonks-uid-{}-{}",
        std::process::id(),
        PROBES.fetch_add(1, Ordering::Relaxed)
    ));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&probe)?;
    let uid = file.metadata().map(|m| m.uid());
    std::fs::remove_file(&probe)?;
    uid
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_missing_directory_is_created_for_its_user_only_and_then_used() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("cache").join("sandbox");
        assert_eq!(store_in(&dir).unwrap(), dir.join(SANDBOX_STORE));
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no probe left");
        assert_eq!(
            store_in(&dir).unwrap(),
            dir.join(SANDBOX_STORE),
            "ours: used"
        );
    }

    #[test]
    fn a_directory_others_can_write_in_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("sandbox");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = store_in(&dir).unwrap_err().to_string();
        assert!(err.contains(&dir.display().to_string()), "{err}");
        assert!(
            err.contains("writable by group or others (mode 777)"),
            "{err}"
        );
    }

    #[test]
    fn a_directory_of_another_user_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("sandbox");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        // Only root can give a directory away: nothing to test otherwise.
        if std::os::unix::fs::chown(&dir, Some(65534), None).is_err() {
            return;
        }
        let err = store_in(&dir).unwrap_err().to_string();
        assert!(err.contains("owned by user 65534, not by you"), "{err}");
    }

    #[test]
    fn a_planted_symlink_is_refused_and_its_target_untouched() {
        let base = tempfile::tempdir().unwrap();
        let target = base.path().join("victim");
        std::fs::create_dir(&target).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o700)).unwrap();
        let dir = base.path().join("sandbox");
        symlink(&target, &dir).unwrap();
        let err = store_in(&dir).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);

        // The store file itself planted as a link to someone's file.
        let dir = base.path().join("ours");
        let victim = base.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        symlink(&victim, dir.join(SANDBOX_STORE)).unwrap();
        let err = store_in(&dir).unwrap_err().to_string();
        assert!(
            err.contains(SANDBOX_STORE) && err.contains("symbolic link"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }
}
