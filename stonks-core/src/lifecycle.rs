//! Plugin lifecycle: states, the record of every transition, and the events
//! published to subscribers.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a plugin is in its life.
///
/// ```text
/// Discovered -> Loading -> Loaded -> (activate) Loading -> Active
/// Active -> Unloading -> Loaded            (deactivate)
/// Active -> Unloading -> Loading -> Active (reload)
/// any -> Disabled -> Loaded                (disable / enable)
/// any -> Error                             (invalid, incompatible, factory or call failure)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginState {
    /// Its record was found.
    Discovered,
    /// Its manifest is being checked or its factory is running.
    Loading,
    /// Checked and compatible, not yet configured.
    Loaded,
    /// Configured and serving calls.
    Active,
    /// Unusable; the catalog says why.
    Error,
    /// Switched off by the host.
    Disabled,
    /// Being shut down.
    Unloading,
}

impl PluginState {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginState::Discovered => "discovered",
            PluginState::Loading => "loading",
            PluginState::Loaded => "loaded",
            PluginState::Active => "active",
            PluginState::Error => "error",
            PluginState::Disabled => "disabled",
            PluginState::Unloading => "unloading",
        }
    }
}

impl fmt::Display for PluginState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change of state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The state before (`None` for the first).
    pub from: Option<PluginState>,
    /// The state after.
    pub to: PluginState,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Why, in words.
    pub reason: std::borrow::Cow<'static, str>,
}

/// A transition of one plugin, as published to subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleEvent {
    /// The plugin id.
    pub plugin: String,
    /// What changed.
    pub transition: Transition,
}

/// Something a plugin needs the user to know or do now, e.g. approve a login
/// on their phone. Published to `Registry::notices()` subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginNotice {
    /// The plugin id.
    pub plugin: String,
    /// What kind of notice.
    pub kind: NoticeKind,
    /// The text to show.
    pub message: String,
}

/// Kinds of [`PluginNotice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoticeKind {
    /// The user must approve something on another device (in-app 2FA).
    ApproveOnDevice,
    /// For information.
    Info,
}

/// A plugin's handle for publishing [`PluginNotice`]s. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Notifier {
    plugin: String,
    tx: Option<tokio::sync::broadcast::Sender<PluginNotice>>,
}

impl Notifier {
    pub(crate) fn new(
        plugin: &str,
        tx: Option<tokio::sync::broadcast::Sender<PluginNotice>>,
    ) -> Self {
        Notifier {
            plugin: plugin.to_owned(),
            tx,
        }
    }

    /// Publishes a notice (also logged at info level).
    pub fn notify(&self, kind: NoticeKind, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(plugin = %self.plugin, "{message}");
        if let Some(tx) = &self.tx {
            // Nobody listening is fine.
            let _ = tx.send(PluginNotice {
                plugin: self.plugin.clone(),
                kind,
                message,
            });
        }
    }
}
