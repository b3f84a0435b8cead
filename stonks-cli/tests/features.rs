//! What the features put in a build: the app library ships nothing from
//! the testkit (no mock servers, no wiremock) unless asked, and the
//! `stonks` binary has its sandbox through its own `sandbox` feature, on by
//! default.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The packages in `cargo tree -p package -e normal` with `extra`
/// arguments (names only), or `None`, said on stderr, where cargo or the
/// workspace is not at hand (a packaged copy of this crate).
fn normal_tree(package: &str, extra: &[&str]) -> Option<Vec<String>> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = workspace.join("Cargo.toml");
    if !workspace.join("stonks-app").join("Cargo.toml").is_file() {
        eprintln!(
            "skipped: no stonks workspace around {}",
            env!("CARGO_MANIFEST_DIR")
        );
        return None;
    }
    let cargo = [
        std::env::var_os("CARGO").map(PathBuf::from),
        option_env!("CARGO").map(PathBuf::from),
    ]
    .into_iter()
    .flatten()
    .find(|c| c.is_file());
    let Some(cargo) = cargo else {
        eprintln!("skipped: cargo not found (neither $CARGO nor the one that built this test)");
        return None;
    };
    let out = Command::new(&cargo)
        .arg("tree")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["-p", package, "-e", "normal", "--prefix", "none"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree -p {package} {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_owned)
            .collect(),
    )
}

fn has(tree: &[String], package: &str) -> bool {
    tree.iter().any(|p| p == package)
}

#[test]
fn the_app_library_links_nothing_from_the_testkit_unless_asked() {
    let Some(plain) = normal_tree("stonks-app", &[]) else {
        return;
    };
    assert!(has(&plain, "stonks-app"), "{plain:?}");
    for test_only in ["wiremock", "stonks-testkit"] {
        assert!(
            !has(&plain, test_only),
            "stonks-app's default build links {test_only}"
        );
    }
    // The check sees them where they are: with the sandbox asked for.
    let sandbox = normal_tree("stonks-app", &["--features", "sandbox"]).unwrap();
    assert!(has(&sandbox, "wiremock") && has(&sandbox, "stonks-testkit"));
    let none = normal_tree("stonks-app", &["--no-default-features"]).unwrap();
    assert!(!has(&none, "wiremock"));
}

#[test]
fn the_binary_has_the_sandbox_by_default_and_only_through_its_feature() {
    let Some(default) = normal_tree("stonks-cli", &[]) else {
        return;
    };
    assert!(has(&default, "wiremock"), "`stonks --sandbox` by default");
    let without = normal_tree("stonks-cli", &["--no-default-features"]).unwrap();
    assert!(has(&without, "stonks-app"), "{without:?}");
    assert!(!has(&without, "wiremock") && !has(&without, "stonks-testkit"));
}

/// Built without the `sandbox` feature (`cargo test -p stonks-cli
/// --no-default-features --test features`), `--sandbox` is one line saying
/// so; commands that start no app ignore the flag as before.
#[cfg(not(feature = "sandbox"))]
#[test]
fn without_the_feature_sandbox_says_this_build_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let env = [("STONKS_SANDBOX_STORE", store.to_str().unwrap())];
    for command in ["portfolio", "sync", "report"] {
        let r = common::run(&["--sandbox", command], &env);
        assert_eq!(r.code, 1, "{command}: {}", r.all());
        assert_eq!(r.out, "", "{command}");
        assert!(
            r.err.starts_with("stonks: this build has no sandbox ") && r.err.lines().count() == 1,
            "{command}: {}",
            r.err
        );
    }
    assert!(!store.exists(), "nothing written");
    let r = common::run(&["--sandbox", "plugins"], &env);
    assert_eq!(r.code, 0, "{}", r.all());
}
