//! A minimal LSP client: starts `interdict lsp`, frames JSON-RPC messages
//! with `Content-Length`, and reads the server's answers on a thread (so a
//! server that stops answering fails the test instead of hanging it).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// How long a test waits for one answer before it calls the server stuck.
const PATIENCE: Duration = Duration::from_secs(120);

/// A running `interdict lsp` and what it has sent.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications received so far (diagnostics, mostly), in order.
    pub notes: Vec<Value>,
    /// The folder whose path is shown as `ROOT` in answers.
    root: String,
}

impl Client {
    /// Starts the server and completes the handshake; paths under `root`
    /// are shown as `ROOT`.
    pub fn start(root: &Path) -> Client {
        Client::start_with(root, json!({}))
    }

    /// [`Client::start`], for an editor with these capabilities.
    pub fn start_with(root: &Path, capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_interdict"))
            .args(["lsp", "--as-of", "2023-06-01"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("interdict lsp starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut client =
            Client { child, stdin, messages, next_id: 0, notes: Vec::new(), root: root.display().to_string() };
        let init = client.request("initialize", json!({ "capabilities": capabilities, "rootUri": client.uri(root) }));
        assert!(init["result"]["capabilities"]["hoverProvider"].as_bool().unwrap_or(false), "{init}");
        client.notify("initialized", json!({}));
        client
    }

    /// The `file://` URI of a path.
    pub fn uri(&self, path: &Path) -> String {
        format!("file://{}", path.display())
    }

    /// Sends a message as it is.
    pub fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("server reads");
        stdin.flush().expect("server reads");
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response (result or error),
    /// keeping the notifications that come before it.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.messages.recv_timeout(PATIENCE).unwrap_or_else(|e| panic!("no answer to {method}: {e}"));
            if message["id"] == json!(id) {
                return message;
            }
            self.notes.push(message);
        }
    }

    /// Opens a document with the given text.
    pub fn open(&mut self, path: &Path, text: &str) {
        let uri = self.uri(path);
        let doc = json!({ "uri": uri, "languageId": "interdict", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": doc }));
    }

    /// Replaces a document's whole text.
    pub fn change(&mut self, path: &Path, version: i32, text: &str) {
        let uri = self.uri(path);
        let params =
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] });
        self.notify("textDocument/didChange", params);
    }

    /// The diagnostics last published for each file, once the server has
    /// answered a request sent after the last change (it publishes before answering).
    pub fn diagnostics(&mut self, any_file: &Path) -> Value {
        let uri = self.uri(any_file);
        self.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
        let mut latest = serde_json::Map::new();
        for note in std::mem::take(&mut self.notes) {
            if note["method"] == "textDocument/publishDiagnostics" {
                let file = self.shown_text(note["params"]["uri"].as_str().unwrap_or(""));
                latest.insert(file, note["params"]["diagnostics"].clone());
            }
        }
        Value::Object(latest)
    }

    /// A request at a position of a file: `{textDocument, position}` plus `extra`.
    pub fn at(&mut self, method: &str, path: &Path, line: u32, character: u32, extra: Value) -> Value {
        let mut params = json!({
            "textDocument": { "uri": self.uri(path) },
            "position": { "line": line, "character": character },
        });
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params)
    }

    /// Text with the root folder shown as `ROOT`.
    pub fn shown_text(&self, text: &str) -> String {
        text.replace(&format!("file://{}", self.root), "ROOT").replace(&self.root, "ROOT")
    }

    /// `shutdown`, `exit`, and the exit status (0 when it shut down cleanly).
    pub fn shut_down(mut self) -> i32 {
        let answer = self.request("shutdown", Value::Null);
        assert!(answer.get("error").is_none(), "{answer}");
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        self.child.wait().expect("server exits").code().unwrap_or(-1)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One framed message, or `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
