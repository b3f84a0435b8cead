//! Runtime plugins for the tests: small Python plugins on the example's
//! `stonks_plugin.py`, written into a plugin directory.

#![allow(dead_code)]

use std::path::Path;

use serde_json::json;
use stonks_core::Registry;

pub const HELPER: &str = include_str!("../../../examples/python-broker/stonks_plugin.py");
pub const TOKEN: &str = "tok-5e3c9a1f77";

pub fn manifest(name: &str, extra: &str) -> String {
    format!(
        r#"{{
  "plugin": {{"name": "{name}", "version": "0.1.0", "type": "broker", "display_name": "{name}",
             "description": "test plugin", "author": "tests", "license": "MIT"}},
  "api": {{"min_version": "1.0.0", "max_version": "1.0.0", "interfaces": ["portfolio@2", "transactions@2"]}},
  "dependencies": {{"core": "^0.1"}},
  "capabilities": {{"services": ["portfolio", "transactions", "deposits"]}},
  "configuration": {{"fields": [{{"name": "token", "type": "string", "required": true, "secret": true, "description": "t"}}]}},
  "process": {{"command": ["python3", "plugin.py"], "protocol": "stonks-jsonrpc/1"{extra}}}
}}"#
    )
}

/// The body of a plugin: handlers over `stonks_plugin`, with `snapshot`
/// replaced by `snapshot_body` (Python, indented four spaces).
pub fn plugin(snapshot_body: &str) -> String {
    format!(
        r#"import os, sys, time, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stonks_plugin

def snapshot(params, host):
{snapshot_body}

def entry(i):
    return {{"id": "e%d" % i, "timestamp": "2025-01-0%dT10:00:00Z" % (i + 1), "kind": "deposit",
             "instrument": None, "quantity": None, "price": None,
             "amount": {{"amount": "10%d.50" % i, "currency": "EUR"}}, "fees": [], "description": None}}

def page(params, host):
    cursor = params.get("cursor")
    if cursor is None:
        return {{"items": [entry(0), entry(1)], "next": "p2", "problems": []}}
    return {{"items": [entry(2), {{"id": "bad"}}], "next": None,
            "problems": [{{"endpoint": "GET /x", "message": "row 9 unreadable"}}]}}

def init(params, host):
    stonks_plugin.log("starting with token " + params["config"]["token"])

stonks_plugin.run({{"initialize": init, "portfolio.snapshot": snapshot, "transactions.page": page}})
"#
    )
}

pub const GOOD: &str = r#"    stonks_plugin.log("snapshot asked, token=" + host.config["token"])
    return {"as_of": "2025-02-01T00:00:00Z", "positions": [], "cash": [{"amount": {"amount": "12.34", "currency": "EUR"}}]}"#;

pub fn write(dir: &Path, name: &str, manifest_text: &str, plugin_py: &str) {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("manifest.json"), manifest_text).unwrap();
    std::fs::write(d.join("plugin.py"), plugin_py).unwrap();
    std::fs::write(d.join("stonks_plugin.py"), HELPER).unwrap();
}

pub fn registry(dir: &Path) -> Registry {
    Registry::builder().plugin_dir(dir).build()
}

pub fn config() -> serde_json::Value {
    json!({"token": TOKEN})
}
