//! `stonks-mock`: starts the testkit's mock brokers as real servers on
//! loopback and prints, as one line of JSON, their URLs and the credentials
//! they accept. They serve until standard input closes (or the process is
//! stopped), so any program, in any language, can talk to them:
//!
//! ```text
//! $ stonks-mock bitvavo degiro
//! {"bitvavo":{"base_url":"http://127.0.0.1:40831/v2","api_key":"4dd0…","api_secret":"8f3c…"},
//!  "degiro":{"base_url":"http://127.0.0.1:35127","username":"jane.doe",…}}
//! ```
//!
//! `stonks-mock alpaca` adds `"alpaca":{"base_url":…,"key_id":…,"secret_key":…}`;
//! `stonks-mock ibkr` adds `"ibkr":{"base_url":…,"token":…,"query_ids":[…],
//! "portal_url":…,"flex_wait_ms":10}` (the Flex Web Service's base: `SendRequest`
//! is `base_url` + `/SendRequest`).
//! With no argument, every mock starts. `--degiro-login totp|plain` sets how
//! DEGIRO's login asks for a second factor (default: totp).

use std::io::{Read, Write};

use serde_json::{Map, Value, json};
use stonks_testkit::degiro::LoginMode;
use stonks_testkit::{MockAlpaca, MockBitvavo, MockDegiro, MockEcb, MockIbkr};

const USAGE: &str =
    "usage: stonks-mock [bitvavo] [degiro] [alpaca] [ibkr] [ecb] [--degiro-login totp|plain]";

fn main() -> std::process::ExitCode {
    let mut wanted: Vec<String> = Vec::new();
    let mut login = LoginMode::Totp;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "bitvavo" | "degiro" | "alpaca" | "ibkr" | "ecb" => wanted.push(arg),
            "--degiro-login" => match args.next().as_deref() {
                Some("totp") => login = LoginMode::Totp,
                Some("plain") => login = LoginMode::Plain,
                _ => return fail("--degiro-login takes totp or plain"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return std::process::ExitCode::SUCCESS;
            }
            other => return fail(&format!("unknown argument {other:?}")),
        }
    }
    if wanted.is_empty() {
        wanted = vec![
            "bitvavo".into(),
            "degiro".into(),
            "alpaca".into(),
            "ibkr".into(),
            "ecb".into(),
        ];
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start: {e}")),
    };
    runtime.block_on(async {
        let mut out = Map::new();
        let mut keep: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
        if wanted.iter().any(|w| w == "bitvavo") {
            let mock = MockBitvavo::start().await;
            out.insert("bitvavo".into(), mock.config());
            keep.push(Box::new(mock));
        }
        if wanted.iter().any(|w| w == "degiro") {
            let mock = MockDegiro::start().await;
            mock.set_login_mode(login);
            let mut config = mock.config();
            config["int_account"] = json!(stonks_testkit::degiro::INT_ACCOUNT);
            out.insert("degiro".into(), config);
            keep.push(Box::new(mock));
        }
        if wanted.iter().any(|w| w == "alpaca") {
            let mock = MockAlpaca::start().await;
            out.insert("alpaca".into(), mock.config());
            keep.push(Box::new(mock));
        }
        if wanted.iter().any(|w| w == "ibkr") {
            let mock = MockIbkr::start().await;
            out.insert("ibkr".into(), mock.config());
            keep.push(Box::new(mock));
        }
        if wanted.iter().any(|w| w == "ecb") {
            let mock = MockEcb::start().await;
            out.insert("ecb".into(), mock.config());
            keep.push(Box::new(mock));
        }
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", Value::Object(out));
        let _ = stdout.flush();
        drop(stdout);
        // Serve until whoever started us closes our standard input.
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await;
        drop(keep);
    });
    std::process::ExitCode::SUCCESS
}

fn fail(why: &str) -> std::process::ExitCode {
    eprintln!("stonks-mock: {why}\n{USAGE}");
    std::process::ExitCode::from(2)
}
