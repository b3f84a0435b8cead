//! Checks that relate several fields of an already well-typed manifest.

use std::collections::HashSet;
use std::hash::Hash;

use super::{FieldType, Interface, Manifest, PluginType, Problem, Service};

/// Every cross-field problem of `m`, in section order.
pub(super) fn cross_field(m: &Manifest) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut problem = |path: String, message: String| out.push(Problem { path, message });

    if m.api.min_version > m.api.max_version {
        problem(
            "api.min_version".into(),
            format!(
                "min_version {} is greater than max_version {}",
                m.api.min_version, m.api.max_version
            ),
        );
    }
    for i in duplicates(&m.api.interfaces) {
        problem(
            format!("api.interfaces[{i}]"),
            format!("duplicate interface {}", m.api.interfaces[i]),
        );
    }
    if m.plugin.kind == PluginType::Broker && m.api.interfaces.is_empty() {
        problem(
            "api.interfaces".into(),
            "a broker must provide at least one interface".into(),
        );
    }

    for (id, _) in m
        .dependencies
        .plugins
        .iter()
        .filter(|(id, _)| *id == &m.plugin.name)
    {
        problem(
            format!("dependencies.plugins.{id}"),
            "a plugin cannot depend on itself".into(),
        );
    }

    if let Some(p) = &m.process {
        if p.command.is_empty() || p.command[0].trim().is_empty() {
            problem(
                "process.command".into(),
                "names no program: give the program and its arguments, e.g. [\"python3\", \"plugin.py\"]".into(),
            );
        }
        if p.protocol != crate::process::PROTOCOL {
            problem(
                "process.protocol".into(),
                format!(
                    "{:?} is not spoken by this host, which speaks {:?}",
                    p.protocol,
                    crate::process::PROTOCOL
                ),
            );
        }
        for (i, iface) in m.api.interfaces.iter().enumerate() {
            if !crate::process::INTERFACES.contains(iface) {
                problem(
                    format!("api.interfaces[{i}]"),
                    format!(
                        "a runtime plugin serves {} (the registry adapts v2 to v1), not {iface}",
                        crate::process::INTERFACES
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        if p.memory_mb == Some(0) || p.call_timeout_secs == Some(0) {
            problem(
                "process".into(),
                "memory_mb and call_timeout_secs must be positive".into(),
            );
        }
        if p.call_timeout_secs.is_some_and(|s| s > 3600) {
            problem(
                "process.call_timeout_secs".into(),
                "at most 3600: a call longer than an hour is a hung plugin".into(),
            );
        }
    }

    let caps = &m.capabilities;
    for i in duplicates(&caps.services) {
        problem(
            format!("capabilities.services[{i}]"),
            format!("duplicate service {}", caps.services[i]),
        );
    }
    for i in duplicates(&caps.features) {
        problem(
            format!("capabilities.features[{i}]"),
            "duplicate feature".into(),
        );
    }
    for i in duplicates(&caps.markets) {
        problem(
            format!("capabilities.markets[{i}]"),
            format!("duplicate market {}", caps.markets[i]),
        );
    }
    for i in duplicates(&caps.currencies) {
        problem(
            format!("capabilities.currencies[{i}]"),
            format!("duplicate currency {}", caps.currencies[i]),
        );
    }

    let has = |i: Interface| m.api.interfaces.contains(&i);
    let middleware = m.plugin.kind == PluginType::Middleware;
    if middleware {
        // A middleware wraps services: it declares which, and serves
        // middleware@1 only.
        if !has(Interface::MiddlewareV1) || m.api.interfaces.len() != 1 {
            problem(
                "api.interfaces".into(),
                "a middleware lists exactly middleware@1".into(),
            );
        }
        for (i, s) in caps.services.iter().enumerate() {
            if !matches!(s, Service::Portfolio | Service::Transactions) {
                problem(
                    format!("capabilities.services[{i}]"),
                    format!("a middleware wraps portfolio and/or transactions, not {s}"),
                );
            }
        }
        if caps.services.is_empty() {
            problem(
                "capabilities.services".into(),
                "a middleware declares the services it wraps: portfolio and/or transactions".into(),
            );
        }
    } else if has(Interface::MiddlewareV1) {
        problem(
            "api.interfaces".into(),
            "middleware@1 is for plugins of type middleware".into(),
        );
    }
    let portfolio_iface = has(Interface::PortfolioV1) || has(Interface::PortfolioV2);
    let ledger_iface = has(Interface::TransactionsV1) || has(Interface::TransactionsV2);
    let fx_iface = has(Interface::FxV1);
    let identity_iface = has(Interface::IdentityV1);
    let prices_iface = has(Interface::PricesV1);
    for (i, s) in caps.services.iter().enumerate() {
        let path = format!("capabilities.services[{i}]");
        if middleware {
            continue;
        }
        match s {
            Service::Portfolio if !portfolio_iface => problem(
                path,
                "service portfolio needs interface portfolio@1 or portfolio@2 in api.interfaces".into(),
            ),
            Service::FxRates if !fx_iface => problem(path, "service fx_rates needs interface fx@1 in api.interfaces".into()),
            Service::Identity if !identity_iface => problem(path, "service identity needs interface identity@1 in api.interfaces".into()),
            Service::Prices if !prices_iface => problem(path, "service prices needs interface prices@1 in api.interfaces".into()),
            Service::Prices if caps.prices.as_ref().is_none_or(|p| p.identifiers.is_empty()) => problem(
                path,
                "service prices needs capabilities.prices with the identifiers it finds instruments by".into(),
            ),
            Service::Transactions if !ledger_iface => problem(
                path,
                "service transactions needs interface transactions@1 or transactions@2 in api.interfaces".into(),
            ),
            // v1 transactions carry trades only: other ledger kinds need v2.
            s if s.is_ledger() && *s != Service::Transactions && !has(Interface::TransactionsV2) => problem(
                path,
                format!("service {s} needs interface transactions@2 in api.interfaces (transactions@1 carries trades only)"),
            ),
            _ => {}
        }
    }
    for (i, iface) in m.api.interfaces.iter().enumerate() {
        let needed = match iface {
            Interface::PortfolioV1 | Interface::PortfolioV2 => {
                caps.services.contains(&Service::Portfolio)
            }
            Interface::TransactionsV1 | Interface::TransactionsV2 => {
                caps.services.iter().any(|s| s.is_ledger())
            }
            Interface::FxV1 => caps.services.contains(&Service::FxRates),
            Interface::IdentityV1 => caps.services.contains(&Service::Identity),
            Interface::PricesV1 => caps.services.contains(&Service::Prices),
            Interface::MiddlewareV1 => middleware,
        };
        if !needed {
            problem(
                format!("api.interfaces[{i}]"),
                format!(
                    "interface {iface} is listed but capabilities.services declares no service it serves"
                ),
            );
        }
    }
    if let Some(h) = &caps.transaction_history
        && h.max_days == Some(0)
    {
        problem(
            "capabilities.transaction_history.max_days".into(),
            "must be at least 1".into(),
        );
    }

    let fields = &m.configuration.fields;
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    for i in duplicates(&names) {
        problem(
            format!("configuration.fields[{i}].name"),
            format!("duplicate field name {:?}", names[i]),
        );
    }
    for (i, f) in fields.iter().enumerate() {
        let path = format!("configuration.fields[{i}]");
        if let Some(default) = &f.default {
            if f.secret {
                problem(
                    format!("{path}.default"),
                    "a secret field cannot have a default".into(),
                );
            } else if f.required {
                problem(
                    format!("{path}.default"),
                    "a required field cannot have a default".into(),
                );
            } else if let Err(why) = f.accepts(default) {
                problem(format!("{path}.default"), why);
            }
        }
        if (f.minimum.is_some() || f.maximum.is_some()) && f.kind != FieldType::Integer {
            problem(
                format!("{path}.minimum"),
                format!(
                    "bounds apply to integer fields only, this one is {}",
                    f.kind.as_str()
                ),
            );
        }
        if let (Some(min), Some(max)) = (f.minimum, f.maximum)
            && min > max
        {
            problem(
                format!("{path}.minimum"),
                format!("minimum {min} is greater than maximum {max}"),
            );
        }
        if f.secret && f.kind != FieldType::String {
            problem(
                format!("{path}.secret"),
                format!(
                    "only string fields can be secret, this one is {}",
                    f.kind.as_str()
                ),
            );
        }
    }

    if let Some(net) = &m.network {
        if net.hosts.is_empty() {
            problem("network.hosts".into(), "list at least one host".into());
        }
        for i in duplicates(&net.hosts) {
            problem(
                format!("network.hosts[{i}]"),
                format!("duplicate host {}", net.hosts[i]),
            );
        }
        if let Some(rl) = &net.rate_limit {
            if rl.requests == 0 {
                problem(
                    "network.rate_limit.requests".into(),
                    "must be at least 1".into(),
                );
            }
            if rl.per_seconds == 0 {
                problem(
                    "network.rate_limit.per_seconds".into(),
                    "must be at least 1".into(),
                );
            }
        }
        if net.max_answer_bytes == Some(0) {
            problem(
                "network.max_answer_bytes".into(),
                "must be at least 1 (leave it out for the default)".into(),
            );
        }
        match fields.iter().find(|f| f.name.as_str() == "base_url") {
            None => problem(
                "configuration.fields".into(),
                "a plugin with a network section must declare an optional `base_url` field of type url".into(),
            ),
            Some(f) if f.kind != FieldType::Url || f.required => problem(
                "configuration.fields".into(),
                "the `base_url` field must be of type url and not required".into(),
            ),
            Some(_) => {}
        }
    }
    out
}

/// Indexes of the items that repeat an earlier item. Manifest lists are
/// short, so pairwise comparison beats hashing and allocates nothing unless
/// there is a duplicate.
fn duplicates<T: Eq + Hash>(items: &[T]) -> Vec<usize> {
    if items.len() > 32 {
        let mut seen = HashSet::with_capacity(items.len());
        return items
            .iter()
            .enumerate()
            .filter(|(_, item)| !seen.insert(*item))
            .map(|(i, _)| i)
            .collect();
    }
    (1..items.len())
        .filter(|&i| items[..i].contains(&items[i]))
        .collect()
}
