//! Moving plugins between states: activate (configure and run the factory),
//! deactivate, reload, disable and enable, and the one place a transition is
//! recorded and announced. The states themselves are
//! [`crate::lifecycle::PluginState`].

use std::borrow::Cow;
use std::sync::Arc;

use chrono::Utc;

use super::entry::{Entry, Instance};
use super::{Registry, panic_text};
use crate::config::PluginConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Metrics, Redactor};
use crate::lifecycle::{LifecycleEvent, Notifier, PluginState, Transition};
use crate::manifest::Manifest;
use crate::plugin::{PluginContext, PluginRecord, Services};

impl Registry {
    /// Moves `entry` to `to`, records why in its history and tells the
    /// subscribers.
    pub(super) fn transition(
        &self,
        entry: &mut Entry,
        to: PluginState,
        reason: impl Into<Cow<'static, str>>,
    ) {
        let t = Transition {
            from: entry.history.last().map(|t| t.to),
            to,
            at: Utc::now(),
            reason: reason.into(),
        };
        entry.state = to;
        if to != PluginState::Error {
            entry.error = None;
        }
        tracing::debug!(plugin = %entry.id, from = ?t.from, to = %to, reason = %t.reason, "lifecycle");
        if self.shared.events.receiver_count() > 0 {
            // A subscriber that went away in the meantime is fine.
            let _ = self.shared.events.send(LifecycleEvent {
                plugin: entry.id.clone(),
                transition: t.clone(),
            });
        }
        entry.history.push(t);
    }

    /// Drops `entry`'s instance and turns it to `Error` for `why`.
    pub(super) fn fail(&self, entry: &mut Entry, why: String) {
        entry.error = Some(why.clone());
        entry.instance = None;
        self.transition(entry, PluginState::Error, why);
    }

    /// Configures and starts a loaded plugin. The configuration is checked
    /// against the manifest first (every problem at once); then the factory
    /// runs, and what it provides must be exactly what the manifest lists.
    pub fn activate(&self, id: &str, config: &serde_json::Value) -> Result<()> {
        let (manifest, record, metrics) = {
            let mut inner = self.write();
            let i = Self::index(&inner, id)?;
            let entry = &mut inner.entries[i];
            match entry.state {
                PluginState::Loaded => {}
                PluginState::Active => {
                    return Err(
                        Error::config("already active; use reload to change its settings")
                            .with_plugin(id),
                    );
                }
                _ => return Err(entry.not_usable().with_operation("activate")),
            }
            let manifest = entry
                .manifest
                .clone()
                .ok_or_else(|| Error::plugin_fault("no manifest"))?;
            self.transition(entry, PluginState::Loading, "activating");
            (manifest, entry.record, entry.metrics.clone())
        };
        let result = PluginConfig::from_json(&manifest, config);
        match result {
            Ok(cfg) => self.start(id, manifest, record, metrics, cfg, "activated"),
            Err(e) => {
                let mut inner = self.write();
                if let Ok(i) = Self::index(&inner, id) {
                    self.transition(
                        &mut inner.entries[i],
                        PluginState::Loaded,
                        "configuration rejected",
                    );
                }
                Err(e.with_operation("activate"))
            }
        }
    }

    /// Runs the factory (caught if it panics) and stores the instance.
    fn start(
        &self,
        id: &str,
        manifest: Arc<Manifest>,
        record: PluginRecord,
        metrics: Arc<Metrics>,
        config: PluginConfig,
        reason: &'static str,
    ) -> Result<()> {
        let mut redactor = Redactor::new();
        for s in config.secret_texts() {
            redactor.add(s);
        }
        let ctx = PluginContext {
            manifest: manifest.clone(),
            config,
            metrics,
            notifier: Notifier::new(id, Some(self.shared.notices.clone())),
            routes: self.shared.routes.clone(),
        };
        let built =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (record.factory)(&ctx)));
        drop(ctx);
        let outcome = match built {
            Ok(Ok(services)) => interface_mismatch(&manifest, &services).map_or(Ok(services), Err),
            // The plugin refused its settings: the user's to fix, like a
            // configuration the manifest check refused. Its words, redacted.
            Ok(Err(e)) if e.kind() == &ErrorKind::Config => {
                let message = redactor.redact(e.message()).into_owned();
                let mut inner = self.write();
                let i = Self::index(&inner, id)?;
                self.transition(
                    &mut inner.entries[i],
                    PluginState::Loaded,
                    "configuration rejected by the plugin",
                );
                return Err(Error::config(message)
                    .with_plugin(id)
                    .with_operation("activate"));
            }
            Ok(Err(e)) => Err(format!(
                "factory failed: {}",
                redactor.redact(&e.to_string())
            )),
            Err(payload) => Err(format!(
                "factory panicked: {}",
                redactor.redact(&panic_text(&*payload))
            )),
        };
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        entry.redactor = redactor;
        match outcome {
            Ok(services) => {
                entry.generation += 1;
                entry.instance = Some(Instance { services });
                self.transition(entry, PluginState::Active, reason);
                Ok(())
            }
            Err(why) => {
                self.fail(entry, why.clone());
                Err(Error::plugin_fault(why)
                    .with_plugin(id)
                    .with_operation("activate"))
            }
        }
    }

    /// Stops an active plugin; it can be activated again.
    pub fn deactivate(&self, id: &str) -> Result<()> {
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        if entry.state != PluginState::Active {
            return Err(entry.not_usable().with_operation("deactivate"));
        }
        self.transition(entry, PluginState::Unloading, "deactivating");
        entry.instance = None;
        self.transition(entry, PluginState::Loaded, "deactivated");
        Ok(())
    }

    /// Replaces an active plugin's settings or credentials without a
    /// restart. A configuration that does not check leaves the running
    /// instance as it was. On a plugin that is not active, this activates it.
    ///
    /// A runtime plugin (a folder) is read again: its manifest is checked
    /// anew and the new process started for the next call, while calls in
    /// flight finish on the old one, which stops when the last of them
    /// ends. A manifest that no longer checks keeps the old plugin running,
    /// and the error says why.
    pub fn reload(&self, id: &str, config: &serde_json::Value) -> Result<()> {
        self.refresh_folder(id, config)?;
        let (manifest, record, metrics) = {
            let inner = self.read();
            let i = Self::index(&inner, id)?;
            let entry = &inner.entries[i];
            if entry.state != PluginState::Active {
                drop(inner);
                return self.activate(id, config);
            }
            let manifest = entry
                .manifest
                .clone()
                .ok_or_else(|| Error::plugin_fault("no manifest"))?;
            (manifest, entry.record, entry.metrics.clone())
        };
        let cfg =
            PluginConfig::from_json(&manifest, config).map_err(|e| e.with_operation("reload"))?;
        {
            let mut inner = self.write();
            let i = Self::index(&inner, id)?;
            let entry = &mut inner.entries[i];
            self.transition(entry, PluginState::Unloading, "reloading with new settings");
            entry.instance = None;
            self.transition(entry, PluginState::Loading, "reloading with new settings");
        }
        self.start(id, manifest, record, metrics, cfg, "reloaded")
    }

    /// For a runtime plugin, its folder's manifest as it is now becomes the
    /// entry's (a loaded or failed one becomes loadable again); a manifest
    /// that does not check changes nothing and is the error. A linked
    /// plugin is left as it is.
    fn refresh_folder(&self, id: &str, config: &serde_json::Value) -> Result<()> {
        let (dir, plugin) = {
            let inner = self.read();
            let entry = &inner.entries[Self::index(&inner, id)?];
            match &entry.origin {
                super::folders::PluginOrigin::Folder { path } => {
                    (path.clone(), entry.plugin.clone())
                }
                super::folders::PluginOrigin::Linked => return Ok(()),
            }
        };
        let refused = |why: String| {
            Error::new(
                ErrorKind::Manifest,
                format!("not reloaded, the running plugin is kept: {why}"),
            )
            .with_plugin(id)
            .with_operation("reload")
        };
        let stamp = super::folders::stamp(&dir);
        let fresh = match super::folders::fresh_manifest(&plugin, &dir) {
            Ok(m) => m,
            Err(why) => {
                // Remembered, so a polling host does not retry the same
                // broken folder on every poll.
                let mut inner = self.write();
                let i = Self::index(&inner, id)?;
                inner.entries[i].folder_stamp = stamp;
                return Err(refused(why));
            }
        };
        // The settings must fit the new manifest before anything changes.
        PluginConfig::from_json(&fresh, config).map_err(|e| refused(e.message().to_owned()))?;
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        entry.manifest = Some(fresh);
        entry.folder_stamp = stamp;
        // A plugin whose manifest failed to load may load now; one that
        // failed for its dependencies or its id keeps that reason, and a
        // disabled one stays disabled.
        // (Only the two reasons a manifest's own text gives; a duplicate id
        // shares their kind, so the reason is told by its words.)
        let manifest_failure = entry.load_error.as_deref().is_some_and(|e| {
            e.starts_with("invalid manifest") || e.starts_with("manifest not read")
        });
        if manifest_failure {
            entry.load_error = None;
        }
        if entry.state == PluginState::Error && entry.load_error.is_none() {
            entry.error = None;
            self.transition(entry, PluginState::Loaded, "manifest read again");
        }
        Ok(())
    }

    /// Switches a plugin off, whatever its state.
    pub fn disable(&self, id: &str) -> Result<()> {
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        if entry.state != PluginState::Disabled {
            entry.instance = None;
            self.transition(entry, PluginState::Disabled, "disabled by the host");
        }
        Ok(())
    }

    /// Switches a disabled plugin back on: `Loaded` if it can load, else
    /// `Error` with the reason it could not.
    pub fn enable(&self, id: &str) -> Result<()> {
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        if entry.state != PluginState::Disabled {
            return Ok(());
        }
        match entry.load_error.clone() {
            Some(why) => self.fail(entry, why),
            None => self.transition(entry, PluginState::Loaded, "enabled by the host"),
        }
        Ok(())
    }
}

/// The difference between the interfaces a factory provides and the ones the
/// manifest lists, if any.
fn interface_mismatch(m: &Manifest, s: &Services) -> Option<String> {
    let provided = s.interfaces();
    let extra: Vec<&str> = provided
        .iter()
        .filter(|i| !m.lists(**i))
        .map(|i| i.as_str())
        .collect();
    let missing: Vec<&str> = m
        .api
        .interfaces
        .iter()
        .filter(|i| !provided.contains(i))
        .map(|i| i.as_str())
        .collect();
    if extra.is_empty() && missing.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "manifest lists {} but the factory does not provide it",
            missing.join(", ")
        ));
    }
    if !extra.is_empty() {
        parts.push(format!(
            "factory provides {} which the manifest does not list",
            extra.join(", ")
        ));
    }
    Some(format!(
        "interfaces do not match the manifest: {}",
        parts.join("; ")
    ))
}
