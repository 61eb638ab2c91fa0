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
//! `lens`, `actions`); `text.rs` and `uri.rs` convert positions and URIs.

mod actions;
mod complete;
mod diagnostics;
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

pub use server::{run_stdio, serve};
