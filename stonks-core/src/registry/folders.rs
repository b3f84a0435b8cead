//! Runtime plugins found in folders: each folder of a plugin directory
//! with a `manifest.json` is one plugin, checked like a linked one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::Registry;
use super::entry::Entry;
use crate::lifecycle::PluginState;
use crate::manifest::Manifest;
use crate::plugin::PluginRecord;

/// The largest `manifest.json` read.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// The newest modification time of the files directly in `dir` (its
/// manifest, its program): what a reload is due on.
pub(super) fn stamp(dir: &Path) -> Option<std::time::SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok()?.metadata().ok()?.modified().ok())
        .max()
}

/// Where a plugin in the catalog came from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PluginOrigin {
    /// Linked into the binary (`register_plugin!`).
    #[default]
    Linked,
    /// A runtime plugin: a folder with its `manifest.json`.
    Folder {
        /// The folder.
        path: PathBuf,
    },
}

impl std::fmt::Display for PluginOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PluginOrigin::Linked => f.write_str("linked"),
            PluginOrigin::Folder { path } => write!(f, "folder {}", path.display()),
        }
    }
}

/// What the registry loads a plugin from.
pub(super) enum Source {
    Linked(PluginRecord),
    Folder(Found),
}

/// A plugin folder and its manifest's text (or why it could not be read).
pub(super) struct Found {
    pub(super) dir: PathBuf,
    pub(super) text: Result<String, String>,
}

/// The manifest of the plugin folder `dir`.
pub(crate) fn read_manifest(dir: &Path) -> Result<String, String> {
    let path = dir.join("manifest.json");
    let shown = path.display().to_string();
    // A FIFO or a device is refused, never waited on; a runaway file unread.
    let bytes = crate::local::read(&path, &shown, MAX_MANIFEST_BYTES)
        .map_err(|e| e.message().to_owned())?;
    String::from_utf8(bytes).map_err(|e| format!("{shown}: not UTF-8: {e}"))
}

/// Every plugin folder in `dirs`, in name order within each.
pub(super) fn find(dirs: &[PathBuf]) -> Vec<Source> {
    let mut out = Vec::new();
    for dir in dirs {
        let listing = match std::fs::read_dir(dir) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                tracing::warn!("plugin directory {} not read: {e}", dir.display());
                continue;
            }
        };
        let mut folders: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && p.join("manifest.json").exists())
            .collect();
        folders.sort();
        for folder in folders {
            let folder = folder.canonicalize().unwrap_or(folder);
            let text = read_manifest(&folder);
            out.push(Source::Folder(Found { dir: folder, text }));
        }
    }
    out
}

/// A folder's name, as the id of a plugin whose manifest names none.
fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

impl Registry {
    /// The runtime plugins whose folder changed (a file in it written)
    /// since they were loaded or last reloaded: a long-running host polls
    /// this and reloads them ([`Registry::reload`]).
    pub fn changed_folders(&self) -> Vec<String> {
        let inner = self.read();
        inner
            .entries
            .iter()
            .filter_map(|e| match &e.origin {
                PluginOrigin::Folder { path } => {
                    (stamp(path) != e.folder_stamp).then(|| e.id.clone())
                }
                PluginOrigin::Linked => None,
            })
            .collect()
    }

    /// The entry of a plugin folder: its manifest checked like a linked
    /// plugin's, and it must name the program to run.
    pub(super) fn check_folder(&self, found: Found, unnamed: &mut usize) -> Entry {
        let record = PluginRecord::new("", crate::process::factory);
        let origin = PluginOrigin::Folder {
            path: found.dir.clone(),
        };
        let folder_stamp = stamp(&found.dir);
        let text = match found.text {
            Ok(text) => text,
            Err(why) => {
                let id = folder_name(&found.dir);
                let mut entry = Entry::new(id.clone(), id, record);
                entry.origin = origin;
                self.transition(&mut entry, PluginState::Discovered, "plugin folder found");
                self.transition(&mut entry, PluginState::Loading, "reading its manifest");
                entry.load_error = Some(format!("manifest not read: {why}"));
                entry.folder_stamp = folder_stamp;
                return entry;
            }
        };
        let before = *unnamed;
        let mut entry = self.check(&text, record, origin, unnamed);
        entry.folder_stamp = folder_stamp;
        if *unnamed != before {
            // Too broken to name itself: its folder names it.
            *unnamed = before;
            entry.id = folder_name(&found.dir);
            entry.plugin = entry.id.clone();
        }
        if let Some(m) = entry.manifest.take() {
            let mut m = (*m).clone();
            match &mut m.process {
                Some(p) => p.dir = Some(found.dir.clone()),
                None => {
                    entry.load_error.get_or_insert_with(|| {
                        "invalid manifest: a plugin folder's manifest needs a process section (the program to run)".to_owned()
                    });
                }
            }
            entry.manifest = Some(Arc::new(m));
        }
        entry
    }
}

/// The manifest now in a runtime plugin's folder, for a reload: checked
/// (schema, cross-field, compatibility, a process section) and still naming
/// the plugin `id`; else why not, and the running plugin is kept.
pub(super) fn fresh_manifest(id: &str, dir: &Path) -> Result<Arc<Manifest>, String> {
    let text = read_manifest(dir)?;
    let mut m = Manifest::from_json(&text).map_err(|e| format!("invalid manifest: {e}"))?;
    if let Some(why) = super::compat::compatibility_problem(&m) {
        return Err(why);
    }
    if m.id() != id {
        return Err(format!(
            "the manifest now names {:?}, not {id:?}",
            crate::error::excerpt_of(m.id(), 64)
        ));
    }
    match &mut m.process {
        Some(p) => p.dir = Some(dir.to_owned()),
        None => {
            return Err(
                "invalid manifest: a plugin folder's manifest needs a process section".into(),
            );
        }
    }
    Ok(Arc::new(m))
}
