//! One running plugin process: its requests and answers over stdin and
//! stdout, its stderr as log lines, and how it dies.
//!
//! Whatever the process does, the host does not panic and does not wait
//! forever: a line that is not JSON-RPC, a line over the limit, too many
//! messages nobody asked for, an exit, or a call that outlives its timeout
//! each kill the process and fail every call in flight with a message
//! that says which it was.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};
use tokio::sync::oneshot;

use super::protocol::{HttpAnswer, HttpParams, Incoming, Request, RpcError};
use crate::error::{Error, Result};
use crate::http::{HttpClient, Method, Redactor};

/// The longest line read from a plugin's stdout (one message), in bytes.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// The longest stderr line logged; the rest is cut.
const MAX_LOG_LINE: usize = 2048;

/// The most `host.http` requests of one process at once.
const MAX_HOST_REQUESTS: usize = 64;

/// Messages the plugin may send that nobody asked for (answers to no
/// call, notifications) before it counts as flooding.
const MAX_UNSOLICITED: u32 = 1000;

/// What starts a process.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The plugin id, for messages.
    pub plugin: String,
    /// Program and arguments, resolved against `dir`.
    pub command: Vec<String>,
    /// The folder it runs in.
    pub dir: std::path::PathBuf,
    /// The memory cap in MiB.
    pub memory_mb: u32,
}

/// An answer, unread: its caller knows what it should be.
pub type Answer = Box<serde_json::value::RawValue>;

/// Calls in flight: their method (for errors) and where the answer goes.
type Pending = HashMap<u64, (String, oneshot::Sender<Result<Answer>>)>;

/// What the reader and the callers share.
struct Shared {
    plugin: String,
    pending: Mutex<Pending>,
    /// Why the process is no longer usable, once it is not.
    dead: Mutex<Option<String>>,
    /// The last lines of stderr, for saying why it died.
    last_log: Mutex<Vec<String>>,
    /// Set when stderr has ended: an exit is told once its last words are in.
    stderr_closed: tokio::sync::watch::Sender<bool>,
    redactor: Redactor,
}

impl Shared {
    /// Marks the process dead for `why` (the first reason wins) and fails
    /// every call in flight with it.
    fn die(&self, why: String) {
        let mut dead = self.dead.lock().unwrap_or_else(|p| p.into_inner());
        if dead.is_none() {
            *dead = Some(why);
        }
        let shown = dead.clone().unwrap_or_default();
        drop(dead);
        let pending: Pending =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        for (_, (_, tx)) in pending {
            let _ = tx.send(Err(Error::plugin_fault(shown.clone())));
        }
    }

    fn death(&self) -> Option<String> {
        self.dead.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn tail(&self) -> String {
        let lines = self.last_log.lock().unwrap_or_else(|p| p.into_inner());
        match lines.last() {
            Some(l) => format!(" (its last log line: {l:?})"),
            None => String::new(),
        }
    }
}

/// A running plugin process.
pub struct Child {
    shared: Arc<Shared>,
    /// Whole lines for the writer task: a call that is cancelled never
    /// leaves half a line behind.
    lines: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
    next_id: AtomicU64,
    process: Mutex<Option<tokio::process::Child>>,
}

impl std::fmt::Debug for Child {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Child")
            .field("plugin", &self.shared.plugin)
            .field("dead", &self.shared.death())
            .finish_non_exhaustive()
    }
}

/// The program and arguments of `spec`, with the memory cap: run through
/// `sh -c 'ulimit -v ...; exec "$@"'` where there is a shell.
fn command(spec: &Spec) -> Result<Command> {
    let resolve = |part: &String| -> String {
        let local = spec.dir.join(part);
        // A name of a file in the folder is that file; anything else (a
        // program on PATH, an option) is as written.
        if !part.starts_with('-') && local.is_file() {
            local.display().to_string()
        } else {
            part.clone()
        }
    };
    let parts: Vec<String> = spec.command.iter().map(resolve).collect();
    let (program, args) = parts
        .split_first()
        .ok_or_else(|| Error::config("process.command names no program"))?;
    let mut cmd = if cfg!(unix) {
        let mut sh = Command::new("/bin/sh");
        let kib = u64::from(spec.memory_mb) * 1024;
        sh.arg("-c")
            .arg(format!("ulimit -v {kib} 2>/dev/null; exec \"$@\""))
            .arg("stonks-plugin")
            .arg(program)
            .args(args);
        sh
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    };
    // Nothing of the host's environment but what a program needs to run:
    // other brokers' `env:` secrets live there.
    cmd.env_clear();
    for (key, value) in std::env::vars_os() {
        let keep = key.to_str().is_some_and(|k| {
            matches!(k, "PATH" | "HOME" | "LANG" | "TZ" | "TMPDIR" | "SYSTEMROOT")
                || k.starts_with("LC_")
        });
        if keep {
            cmd.env(key, value);
        }
    }
    cmd.current_dir(&spec.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    Ok(cmd)
}

/// Reads one line of at most `max` bytes (without its newline); `None` at
/// the end. A longer line is an error, read no further.
async fn read_line(
    r: &mut (impl AsyncBufRead + Unpin),
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<()>> {
    buf.clear();
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok((!buf.is_empty()).then_some(()));
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > max + 1 {
            return Err(std::io::Error::other(format!(
                "wrote a line longer than {max} bytes"
            )));
        }
        buf.extend_from_slice(&chunk[..take]);
        r.consume(take);
        if done {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some(()));
        }
    }
}

impl Child {
    /// Starts the process of `spec`. `http` answers its `host.http`
    /// requests (`None`: it does its own networking). Its stderr goes to
    /// `tracing`, through `redactor`.
    pub fn spawn(spec: &Spec, http: Option<HttpClient>, redactor: Redactor) -> Result<Arc<Child>> {
        let mut process = command(spec)?.spawn().map_err(|e| {
            Error::plugin_fault(format!(
                "cannot start {:?} in {}: {e}",
                spec.command.join(" "),
                spec.dir.display()
            ))
        })?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (
            process.stdin.take(),
            process.stdout.take(),
            process.stderr.take(),
        ) else {
            return Err(Error::plugin_fault("the process has no stdio"));
        };
        let shared = Arc::new(Shared {
            plugin: spec.plugin.clone(),
            pending: Mutex::new(HashMap::new()),
            dead: Mutex::new(None),
            last_log: Mutex::new(Vec::new()),
            stderr_closed: tokio::sync::watch::Sender::new(false),
            redactor,
        });
        let (lines, queue) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(write_stdin(shared.clone(), stdin, queue));
        let child = Arc::new(Child {
            shared: shared.clone(),
            lines,
            next_id: AtomicU64::new(1),
            process: Mutex::new(Some(process)),
        });
        tokio::spawn(log_stderr(shared.clone(), stderr));
        tokio::spawn(read_stdout(Arc::downgrade(&child), shared, stdout, http));
        Ok(child)
    }

    /// Why it is no longer usable, if it is not.
    pub fn death(&self) -> Option<String> {
        self.shared.death()
    }

    /// Kills the process (a no-op once it is gone).
    pub fn kill(&self, why: String) {
        self.shared.die(why);
        if let Some(mut p) = self
            .process
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = p.start_kill();
        }
    }

    /// Queues one line for the writer task.
    fn write(&self, line: Vec<u8>) -> Result<()> {
        self.lines.send(line).map_err(|_| {
            Error::plugin_fault(
                self.death()
                    .unwrap_or_else(|| "its input is closed".to_owned()),
            )
        })
    }

    /// Calls `method` and waits at most `timeout` for the answer. A call
    /// that runs out of time kills the process: an answer that comes later
    /// cannot be told from the next call's.
    pub async fn call(
        &self,
        method: &str,
        params: impl Serialize,
        timeout: Duration,
    ) -> Result<Answer> {
        if let Some(why) = self.death() {
            return Err(Error::plugin_fault(why));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let line = serde_json::to_vec(&Request {
            jsonrpc: "2.0",
            id,
            method,
            params,
        })
        .map_err(|e| Error::plugin_fault(format!("{method}: parameters not written: {e}")))?;
        let (tx, rx) = oneshot::channel();
        {
            // Checked under the lock `die` takes: a call never waits on a
            // process that died before it was registered.
            let mut pending = self
                .shared
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(why) = self.death() {
                return Err(Error::plugin_fault(why));
            }
            pending.insert(id, (method.to_owned(), tx));
        }
        if let Err(e) = self.write(line) {
            self.forget(id);
            return Err(e);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(Error::plugin_fault(
                self.death()
                    .unwrap_or_else(|| "the process went away".to_owned()),
            )),
            Err(_) => {
                self.forget(id);
                let why = format!(
                    "did not answer {method} within {} s, and was stopped",
                    timeout.as_secs()
                );
                self.kill(why.clone());
                Err(Error::plugin_fault(why))
            }
        }
    }

    fn forget(&self, id: u64) {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    /// Answers one of the plugin's requests.
    fn answer(&self, id: Value, outcome: std::result::Result<Value, RpcError>) {
        let line = match outcome {
            Ok(result) => serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err(error) => serde_json::json!({"jsonrpc": "2.0", "id": id, "error": error}),
        };
        let _ = self.write(line.to_string().into_bytes());
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Some(mut p) = self
            .process
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = p.start_kill();
        }
    }
}

/// Writes each queued line whole; a plugin that stops reading its input
/// makes its calls run out of time (their timeout stops it).
async fn write_stdin(
    shared: Arc<Shared>,
    mut stdin: ChildStdin,
    mut queue: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    while let Some(line) = queue.recv().await {
        let written = async {
            stdin.write_all(&line).await?;
            stdin.write_all(b"\n").await?;
            stdin.flush().await
        };
        if let Err(e) = written.await {
            shared.die(format!("stopped reading its input: {e}{}", shared.tail()));
            break;
        }
    }
}

/// Reads on to the end of the current line.
async fn skip_rest_of_line(r: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<()> {
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => {
                r.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = chunk.len();
                r.consume(n);
            }
        }
    }
}

/// Logs each stderr line (cut, redacted) at info level under the plugin's
/// name; keeps the last few for error messages.
async fn log_stderr(shared: Arc<Shared>, stderr: tokio::process::ChildStderr) {
    let mut r = BufReader::new(stderr);
    let mut buf = Vec::new();
    let mut dropped = 0u64;
    loop {
        match read_line(&mut r, &mut buf, 1024 * 1024).await {
            Ok(Some(())) => {}
            Ok(None) => break,
            // A huge line: counted, and the rest of it skipped to its end,
            // so no piece of it (nor of a secret in it) is logged.
            Err(e) if e.kind() == std::io::ErrorKind::Other => {
                dropped += 1;
                if skip_rest_of_line(&mut r).await.is_err() {
                    break;
                }
                continue;
            }
            Err(_) => break,
        }
        // Redacted whole, then cut: a cut never splits a secret.
        let text = String::from_utf8_lossy(&buf);
        let line = crate::error::excerpt_of(&shared.redactor.redact(&text), MAX_LOG_LINE);
        tracing::info!(plugin = %shared.plugin, "{line}");
        let mut last = shared.last_log.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() >= 5 {
            last.remove(0);
        }
        last.push(line);
    }
    if dropped > 0 {
        tracing::warn!(plugin = %shared.plugin, dropped, "stderr lines over 1 MiB were not logged");
    }
    shared.stderr_closed.send_replace(true);
}

/// Routes each stdout message: answers to their calls, the plugin's own
/// requests to the host. Anything else kills the process.
async fn read_stdout(
    child: std::sync::Weak<Child>,
    shared: Arc<Shared>,
    stdout: tokio::process::ChildStdout,
    http: Option<HttpClient>,
) {
    let mut r = BufReader::with_capacity(64 * 1024, stdout);
    let mut buf = Vec::new();
    let mut unsolicited = 0u32;
    let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let why = loop {
        match read_line(&mut r, &mut buf, MAX_LINE_BYTES).await {
            Ok(Some(())) => {}
            Ok(None) => {
                // Its last log lines say why: wait a moment for them.
                let mut closed = shared.stderr_closed.subscribe();
                let _ =
                    tokio::time::timeout(Duration::from_millis(500), closed.wait_for(|done| *done))
                        .await;
                break format!("exited{}", shared.tail());
            }
            Err(e) => break format!("{e}: not a protocol message, and was stopped"),
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let message: Incoming = match serde_json::from_slice(&buf) {
            Ok(m) => m,
            Err(e) => {
                let text = String::from_utf8_lossy(&buf);
                let shown = crate::error::excerpt_of(&shared.redactor.redact(&text), 120);
                break format!(
                    "wrote a line that is not JSON-RPC ({e}): {shown:?}, and was stopped"
                );
            }
        };
        if message.jsonrpc.as_deref() != Some("2.0") {
            break "wrote a message without \"jsonrpc\": \"2.0\", and was stopped".to_owned();
        }
        match (message.method, message.id) {
            // The plugin's request to the host.
            (Some(method), Some(id)) => {
                if in_flight.load(Ordering::Relaxed) >= MAX_HOST_REQUESTS {
                    break format!(
                        "asked the host for more than {MAX_HOST_REQUESTS} requests at once, and was stopped"
                    );
                }
                // The task holds the process weakly: a plugin dropped
                // meanwhile is not kept alive by its own requests.
                let weak = child.clone();
                let http = http.clone();
                let in_flight = in_flight.clone();
                in_flight.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    let outcome = host_request(&method, message.params, http.as_ref()).await;
                    if let Some(child) = weak.upgrade() {
                        child.answer(id, outcome);
                    }
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                });
            }
            // An answer to one of our calls.
            (None, Some(id)) => {
                let tx = id.as_u64().and_then(|id| {
                    shared
                        .pending
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id)
                });
                match tx {
                    Some((method, tx)) => {
                        let answer = match (message.result, message.error) {
                            (_, Some(e)) => Err(e),
                            (Some(v), None) => Ok(v),
                            (None, None) => serde_json::value::RawValue::from_string(
                                "null".to_owned(),
                            )
                            .map_err(|e| RpcError {
                                code: -32603,
                                message: e.to_string(),
                                data: None,
                            }),
                        };
                        let answer = answer.map_err(|e| e.into_error(&method, &shared.redactor));
                        let _ = tx.send(answer);
                    }
                    None => unsolicited += 1,
                }
            }
            // A notification: nothing the host acts on.
            (_, None) => unsolicited += 1,
        }
        if unsolicited > MAX_UNSOLICITED {
            break format!(
                "flooded its output with {unsolicited} messages nobody asked for, and was stopped"
            );
        }
    };
    shared.die(why);
    if let Some(child) = child.upgrade() {
        let why = shared.death().unwrap_or_default();
        child.kill(why);
    }
}

/// What the host does for the plugin: `host.http` through core's client.
async fn host_request(
    method: &str,
    params: Option<Value>,
    http: Option<&HttpClient>,
) -> std::result::Result<Value, RpcError> {
    let fail = |kind: &str, message: String| RpcError {
        code: -32601,
        message,
        data: Some(super::protocol::ErrorData {
            kind: Some(kind.to_owned()),
            ..Default::default()
        }),
    };
    if method != "host.http" {
        return Err(fail(
            "unsupported",
            format!("the host has no method {method:?}"),
        ));
    }
    let Some(http) = http else {
        return Err(fail(
            "config",
            "this plugin declared own_network (or no network hosts): the host sends nothing for it"
                .to_owned(),
        ));
    };
    let p: HttpParams = serde_json::from_value(params.unwrap_or(Value::Null))
        .map_err(|e| fail("protocol", format!("host.http: {e}")))?;
    let m = match p.method.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        other => return Err(fail("protocol", format!("host.http: method {other:?}"))),
    };
    let mut req = crate::http::Request::new(m, p.url);
    let mut content_type = "text/plain; charset=utf-8";
    for (k, v) in &p.headers {
        if k.eq_ignore_ascii_case("content-type") {
            content_type = match v.split(';').next().unwrap_or_default().trim() {
                "application/json" => "application/json",
                "application/x-www-form-urlencoded" => "application/x-www-form-urlencoded",
                _ => "text/plain; charset=utf-8",
            };
            continue;
        }
        req = req.header(k, v.clone());
    }
    if let Some(body) = p.body {
        req = req.body_bytes(body.into_bytes(), content_type);
    }
    // A request that may change something is sent once: core never
    // repeats it on its own.
    if !m.is_idempotent() {
        req = req.once();
    }
    match http.send(req).await {
        Ok(resp) => {
            let answer = HttpAnswer {
                status: resp.status(),
                headers: resp
                    .headers()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
                body: String::from_utf8_lossy(resp.body()).into_owned(),
            };
            serde_json::to_value(answer).map_err(|e| fail("plugin", e.to_string()))
        }
        Err(e) => Err(RpcError::of(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_read_whole_or_refused_past_the_limit() {
        let mut r = BufReader::with_capacity(4, &b"{\"a\":1}\r\nxyz\n0123456789\n"[..]);
        let mut buf = Vec::new();
        assert!(read_line(&mut r, &mut buf, 10).await.unwrap().is_some());
        assert_eq!(buf, b"{\"a\":1}");
        assert!(read_line(&mut r, &mut buf, 10).await.unwrap().is_some());
        assert_eq!(buf, b"xyz");
        assert!(read_line(&mut r, &mut buf, 10).await.unwrap().is_some());
        assert_eq!(buf, b"0123456789");
        assert!(read_line(&mut r, &mut buf, 10).await.unwrap().is_none());
        let mut long = BufReader::new(&b"01234567890\n"[..]);
        let e = read_line(&mut long, &mut buf, 10).await.unwrap_err();
        assert!(e.to_string().contains("longer than 10 bytes"), "{e}");
    }
}
