//! Manifest files: every valid fixture parses, every invalid fixture fails
//! with the problems (path and message) its `.expect` file names, the stored
//! JSON Schema is the one generated from the types, and no input panics.

use std::fs;
use std::path::{Path, PathBuf};

use stonks_core::Manifest;

fn fixtures(dir: &str, ext: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/manifests")
        .join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

#[test]
fn valid_manifests_parse() {
    let files = fixtures("valid", "json");
    assert!(files.len() >= 2);
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        if let Err(e) = Manifest::from_json(&text) {
            panic!("{}: {e}", f.display());
        }
    }
}

#[test]
fn in_tree_broker_manifests_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests");
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".json") && !name.ends_with(".schema.json") {
            let text = fs::read_to_string(&path).unwrap();
            if let Err(e) = Manifest::from_json(&text) {
                panic!("{name}: {e}");
            }
        }
    }
}

#[test]
fn invalid_manifests_report_their_problems() {
    let files = fixtures("invalid", "json");
    assert!(files.len() >= 30, "only {} invalid fixtures", files.len());
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        let expect = fs::read_to_string(f.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{} has no .expect file", f.display()));
        let err = match Manifest::from_json(&text) {
            Ok(_) => panic!("{} parsed but must not", f.display()),
            Err(e) => e,
        };
        for line in expect.lines().filter(|l| !l.trim().is_empty()) {
            let (path, message) = line
                .split_once(" | ")
                .expect("expect lines are `path | message`");
            let found = err
                .problems()
                .iter()
                .any(|p| p.path == path && p.message.contains(message));
            assert!(
                found,
                "{}: expected a problem at {path:?} containing {message:?}; got:\n{err}",
                f.display()
            );
        }
        // The report says where each problem is: never an empty path.
        assert!(
            err.problems()
                .iter()
                .all(|p| !p.path.is_empty() && !p.message.is_empty())
        );
    }
}

#[test]
fn stored_schema_is_current() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests/plugin-manifest.schema.json");
    let generated = stonks_core::manifest::schema_json();
    if std::env::var_os("STONKS_BLESS").is_some() {
        fs::write(&path, &generated).unwrap();
    }
    let stored = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == generated,
        "manifests/plugin-manifest.schema.json is stale: run `STONKS_BLESS=1 cargo test -p stonks-core --test manifest_files` and commit it"
    );
}
