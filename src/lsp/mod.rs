//! `interdict lsp`: a language server over stdio for rule files.
//!
//! Synchronous, on lsp-server and lsp-types (as rust-analyzer is): one
//! thread reads messages in order and answers each before the next, so a
//! request is always answered for the text as last changed. Every request
//! and notification runs behind `catch_unwind`: a fault in one answers an
//! error and the server keeps serving the editor.
//!
//! `workspace.rs` holds the open documents and reads each rule set (the
//! open file's folder) with the editor's text; `index.rs` finds every name
//! and what it stands for; the features are one module each
//! (`diagnostics`, `hover`, `navigate`, `complete`, `format`, `outline`,
//! `lens`, `actions`; `expectations` finds rule names in test files for
//! rename); `text.rs` and `uri.rs` convert positions and URIs.

// lsp-types' `WorkspaceEdit` keys its edits by `Uri`, whose cached parts
// clippy takes for interior mutability; the keys are never changed.
#![allow(clippy::mutable_key_type)]

mod actions;
mod complete;
mod diagnostics;
mod expectations;
mod format;
mod hover;
mod index;
mod lens;
mod navigate;
mod outline;
mod server;
mod text;
mod uri;
mod workspace;

use std::io;

pub use server::{run_stdio, serve};

use crate::date::Date;

/// Serves `messages` (JSON-RPC messages, in order: the handshake first,
/// `shutdown` and `exit` last) on an in-memory connection, and returns what
/// the server sent. For tests and fuzzing: the server as an editor sees
/// it, without a process.
pub fn serve_messages(as_of: Date, messages: Vec<serde_json::Value>) -> io::Result<Vec<serde_json::Value>> {
    let (server, client) = lsp_server::Connection::memory();
    for message in messages {
        let message: lsp_server::Message = serde_json::from_value(message).map_err(io::Error::other)?;
        client.sender.send(message).map_err(io::Error::other)?;
    }
    drop(client.sender);
    serve(&server, as_of)?;
    drop(server);
    client.receiver.try_iter().map(|m| serde_json::to_value(m).map_err(io::Error::other)).collect()
}
