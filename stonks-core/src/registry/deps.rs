//! Plugin dependencies: which plugins cannot load because of what they need,
//! and the order the rest load in.

use std::collections::{BTreeMap, HashMap};

use crate::manifest::Manifest;

/// For the plugins in `plugins` (id -> manifest, all otherwise loadable),
/// returns the load order (dependencies first) and, for each plugin that
/// cannot load, the reason. `failed` names plugins that exist but are in
/// error, so that their dependents fail with a clear message.
pub(super) fn resolve(
    plugins: &BTreeMap<&str, &Manifest>,
    failed: &HashMap<&str, String>,
) -> (Vec<String>, BTreeMap<String, String>) {
    let mut errors: BTreeMap<String, String> = BTreeMap::new();

    // Direct problems: missing, failed or wrong-version dependencies.
    for (id, m) in plugins {
        let mut problems = Vec::new();
        for (dep, req) in &m.dependencies.plugins {
            match plugins.get(dep.as_str()) {
                Some(d) if req.matches(&d.plugin.version) => {}
                Some(d) => problems.push(format!(
                    "needs plugin {dep} {req}, but version {} is installed",
                    d.plugin.version
                )),
                None => match failed.get(dep.as_str()) {
                    Some(why) => {
                        problems.push(format!("needs plugin {dep}, which is in error ({why})"))
                    }
                    None => {
                        problems.push(format!("needs plugin {dep} {req}, which is not installed"))
                    }
                },
            }
        }
        if !problems.is_empty() {
            errors.insert((*id).to_owned(), problems.join("; "));
        }
    }

    // Kahn's algorithm over the rest; what never becomes ready is in a cycle
    // or depends on a plugin that failed.
    let mut order = Vec::new();
    let mut done: HashMap<&str, bool> = HashMap::new();
    loop {
        let mut progressed = false;
        for (id, m) in plugins {
            if done.contains_key(id) {
                continue;
            }
            if errors.contains_key(*id) {
                done.insert(id, false);
                progressed = true;
                continue;
            }
            let mut ready = true;
            let mut broken_dep = None;
            for dep in m.dependencies.plugins.keys() {
                match done.get(dep.as_str()) {
                    Some(true) => {}
                    Some(false) => broken_dep = Some(dep.as_str()),
                    None => ready = false,
                }
            }
            if let Some(dep) = broken_dep {
                let why = errors.get(dep).cloned().unwrap_or_default();
                errors.insert(
                    (*id).to_owned(),
                    format!("needs plugin {dep}, which cannot load ({why})"),
                );
                done.insert(id, false);
                progressed = true;
            } else if ready {
                order.push((*id).to_owned());
                done.insert(id, true);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    let stuck: Vec<&str> = plugins
        .keys()
        .copied()
        .filter(|id| !done.contains_key(id))
        .collect();
    for id in &stuck {
        errors.insert(
            (*id).to_owned(),
            format!("dependency cycle among plugins {}", stuck.join(", ")),
        );
    }
    (order, errors)
}
