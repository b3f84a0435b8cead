//! Running the `stonks` binary as a user would, shared by the CLI's
//! integration tests.

#![allow(dead_code)] // each test crate uses what it needs

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use stonks_testkit::MockEcb;

/// What one run of `stonks` did.
pub struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl Run {
    /// Stdout then stderr, for assertions and their messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.out, self.err)
    }
}

/// The `stonks` command with `args` and `envs`, without the user's
/// `STONKS_CONFIG` and `RUST_LOG`.
fn command(args: &[&str], envs: &[(&str, &str)]) -> Command {
    command_under(None, args, envs)
}

/// [`command`], run by `wrapper` (a program and its arguments, which take
/// the `stonks` binary as their next argument) when there is one.
fn command_under(wrapper: Option<&[&OsStr]>, args: &[&str], envs: &[(&str, &str)]) -> Command {
    let stonks = env!("CARGO_BIN_EXE_stonks");
    let mut cmd = match wrapper {
        Some([program, wrapper_args @ ..]) => {
            let mut cmd = Command::new(program);
            cmd.args(wrapper_args).arg(stonks);
            cmd
        }
        _ => Command::new(stonks),
    };
    cmd.args(args)
        .env_remove("STONKS_CONFIG")
        .env_remove("RUST_LOG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

fn finished(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// `stonks args` with `envs` set, without the user's `STONKS_CONFIG` and
/// `RUST_LOG`.
pub fn run(args: &[&str], envs: &[(&str, &str)]) -> Run {
    finished(command(args, envs).output().unwrap())
}

/// [`run`], killing the process (and failing) when it still runs after
/// `limit`: for input that could make it hang.
pub fn run_within(args: &[&str], limit: Duration) -> Run {
    let mut child = command(args, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return finished(child.wait_with_output().unwrap());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("stonks {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// [`run`] under libfaketime's `faketime` (its path), the clock starting at
/// `at` (`faketime -f` syntax, e.g. `@2026-12-01 12:00:00`).
pub fn run_at(faketime: &Path, at: &str, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let wrapper = [faketime.as_os_str(), OsStr::new("-f"), OsStr::new(at)];
    finished(command_under(Some(&wrapper), args, envs).output().unwrap())
}

/// [`run`] on a blocking thread, for tests whose mocks run on the runtime.
pub async fn stonks(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let envs: Vec<(String, String)> = envs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run(&args, &envs)
    })
    .await
    .unwrap()
}

/// A TOML value for a JSON one (strings, numbers, booleans, lists).
pub fn toml_value(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// A config file in `dir` with one section per broker, extra keys merged
/// into each, the store in `dir`, and the ECB mock as the rate source.
pub fn config(dir: &Path, brokers: &[(&str, Value)], ecb: Option<&MockEcb>) -> PathBuf {
    let mut text = format!(
        "base_currency = \"EUR\"\nstore = {}\n",
        toml_value(&Value::String(
            dir.join("store.sqlite").display().to_string()
        ))
    );
    for (id, settings) in brokers {
        text.push_str(&format!("\n[brokers.{id}]\n"));
        for (k, v) in settings.as_object().unwrap() {
            text.push_str(&format!("{k} = {}\n", toml_value(v)));
        }
    }
    // No resolver unless a test adds one: keys from what brokers say.
    text.push_str("\n[identity]\nenabled = false\n\n[prices]\nenabled = false\n");
    if let Some(ecb) = ecb {
        text.push_str(&format!(
            "\n[fx]\nbase_url = {}\n",
            toml_value(&ecb.config()["base_url"])
        ));
    }
    let path = dir.join("stonks.toml");
    std::fs::write(&path, text).unwrap();
    path
}
