//! The message loop: capabilities, dispatch, publishing diagnostics.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, CodeLensRefresh, CodeLensRequest, Completion, DocumentSymbolRequest, FoldingRangeRequest,
    Formatting, GotoDefinition, HoverRequest, PrepareRenameRequest, RangeFormatting, References, Rename, Request as _,
    SemanticTokensFullRequest, SemanticTokensRangeRequest, Shutdown,
};
use lsp_types::{
    CodeActionProviderCapability, CodeLensOptions, CompletionOptions, Hover, HoverContents, HoverProviderCapability,
    MarkupContent, MarkupKind, OneOf, Position, PublishDiagnosticsParams, RenameOptions, SemanticTokens,
    SemanticTokensFullOptions, SemanticTokensOptions, SemanticTokensServerCapabilities, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::lens::FireCounts;
use super::text::{apply_change, offset};
use super::uri::{path_to_uri, uri_to_path};
use super::workspace::{Doc, RuleSetState, Workspace};
use super::{actions, complete, diagnostics, format, hover, navigate, outline};
use crate::date::Date;

/// How long the editor must pause for a large rule set to be linted
/// (see [`super::workspace::LINT_AT_ONCE`]): longer than between keystrokes.
const LINT_PAUSE: Duration = Duration::from_millis(300);

/// Serves on stdin and stdout until the editor says `exit`.
pub fn run_stdio(as_of: Date) -> io::Result<()> {
    let (connection, threads) = Connection::stdio();
    let served = serve(&connection, as_of);
    drop(connection);
    threads.join()?;
    served
}

/// Serves on a connection: the handshake, then every message until
/// `shutdown` and `exit`. `as_of` is the day lint judges `effective` ranges by.
pub fn serve(connection: &Connection, as_of: Date) -> io::Result<()> {
    let capabilities = serde_json::to_value(capabilities()).map_err(io::Error::other)?;
    let init = connection.initialize(capabilities).map_err(io::Error::other)?;
    let lens_refresh = init["capabilities"]["workspace"]["codeLens"]["refreshSupport"].as_bool().unwrap_or(false);
    let mut server = Server {
        connection,
        workspace: Workspace::new(as_of),
        pending: BTreeSet::new(),
        fire_counts: HashMap::new(),
        lens_refresh,
        requests_sent: 0,
    };
    loop {
        let message = if server.workspace.unlinted().is_empty() {
            connection.receiver.recv().ok()
        } else {
            match connection.receiver.recv_timeout(LINT_PAUSE) {
                Ok(message) => Some(message),
                Err(e) if e.is_timeout() => {
                    server.lint();
                    continue;
                }
                Err(_) => None,
            }
        };
        let Some(message) = message else { break };
        match message {
            Message::Request(request) => {
                if request.method == Shutdown::METHOD {
                    server.lint();
                }
                if connection.handle_shutdown(&request).map_err(io::Error::other)? {
                    return Ok(());
                }
                server.publish();
                let response = server.answer(request);
                server.send(Message::Response(response));
            }
            Message::Notification(n) => {
                let method = n.method.clone();
                if catch_unwind(AssertUnwindSafe(|| server.notified(n))).is_err() {
                    eprintln!("interdict lsp: internal error handling `{method}`; still serving");
                }
            }
            Message::Response(_) => {}
        }
        // Diagnostics once the editor has stopped sending: a burst of
        // keystrokes is checked once, at its end.
        if connection.receiver.is_empty() {
            server.publish();
        }
    }
    Ok(())
}

fn capabilities() -> ServerCapabilities {
    let sync = TextDocumentSyncOptions {
        open_close: Some(true),
        change: Some(TextDocumentSyncKind::INCREMENTAL),
        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
        ..TextDocumentSyncOptions::default()
    };
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(sync)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(lsp_types::FoldingRangeProviderCapability::Simple(true)),
        code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: outline::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: Some(true),
                ..SemanticTokensOptions::default()
            },
        )),
        ..ServerCapabilities::default()
    }
}

/// The server's state between messages.
struct Server<'a> {
    connection: &'a Connection,
    workspace: Workspace,
    /// Folders whose diagnostics are to be published.
    pending: BTreeSet<PathBuf>,
    /// Fire counts by folder, refreshed when a file is opened or saved.
    fire_counts: HashMap<PathBuf, FireCounts>,
    /// Whether the editor asks for the code lenses again when told to.
    lens_refresh: bool,
    /// How many requests the server has sent the editor.
    requests_sent: i32,
}

/// A request that failed: its LSP error code and message.
type Failure = (ErrorCode, String);

fn failed(message: impl Into<String>) -> Failure {
    (ErrorCode::RequestFailed, message.into())
}

impl Server<'_> {
    fn send(&self, message: Message) {
        // The editor has gone when this fails; the loop ends when its input does.
        let _ = self.connection.sender.send(message);
    }

    fn notified(&mut self, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = n.extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD) else {
                    return;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else { return };
                let doc = Doc { text: p.text_document.text, version: p.text_document.version };
                self.workspace.docs.insert(path.clone(), doc);
                self.changed(&path, true);
                self.count_fires(&path, false);
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD) else {
                    return;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else { return };
                let Some(doc) = self.workspace.docs.get_mut(&path) else { return };
                for change in p.content_changes {
                    apply_change(&mut doc.text, change);
                }
                doc.version = p.text_document.version;
                self.changed(&path, false);
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) = n.extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD) else {
                    return;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else { return };
                self.changed(&path, true);
                self.count_fires(&path, true);
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = n.extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD) else {
                    return;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else { return };
                self.workspace.docs.remove(&path);
                self.changed(&path, true);
            }
            DidChangeWatchedFiles::METHOD => {
                let Ok(p) = n.extract::<lsp_types::DidChangeWatchedFilesParams>(DidChangeWatchedFiles::METHOD) else {
                    return;
                };
                let mut recount = BTreeSet::new();
                for path in p.changes.iter().filter_map(|c| uri_to_path(&c.uri)) {
                    self.changed(&path, true);
                    // A test or record file is below its rule set's folder:
                    // the counts of those above it are counted again, once.
                    recount.extend(self.fire_counts.keys().filter(|f| path.starts_with(f)).cloned());
                }
                for folder in recount {
                    self.count_fires(&folder.join("_"), true);
                }
            }
            _ => {}
        }
    }

    /// A file of a rule set changed: read it again, publish its diagnostics.
    /// A rule file changed (on disk too when `disk`): its rule sets are
    /// read again and their diagnostics published. Other files (test
    /// files, records) change no diagnostics.
    fn changed(&mut self, path: &Path, disk: bool) {
        if path.extension().is_some_and(|e| e == "rules") {
            self.pending.extend(self.workspace.touch(path, disk));
        }
    }

    /// Judges the test fixtures of the rule set holding `path`: on open for
    /// a rule set not counted yet, and on every save or change on disk
    /// below its folder (after which the editor, if it can, is asked to
    /// ask for the lenses again). The editor's text is judged when it
    /// checks; otherwise the files as saved, when they do.
    fn count_fires(&mut self, path: &Path, again: bool) {
        let Some(folder) = path.parent().map(Path::to_path_buf) else { return };
        if !again && self.fire_counts.contains_key(&folder) {
            return;
        }
        self.workspace.refresh(&folder);
        let as_of = self.workspace.as_of;
        let program = self.workspace.get(&folder).and_then(|s| s.analysis.program.as_ref());
        let counts = match program {
            Some(p) => Some(FireCounts::new(p, &folder, as_of)),
            None => crate::RuleSet::load(&[&folder]).ok().map(|saved| FireCounts::new(saved.program(), &folder, as_of)),
        };
        if let Some(counts) = counts {
            self.fire_counts.insert(folder, counts);
            if again && self.lens_refresh {
                // The editor shows the old counts until it asks again.
                self.requests_sent += 1;
                let id = format!("interdict-{}", self.requests_sent);
                let refresh = Request::new(id.into(), CodeLensRefresh::METHOD.to_string(), ());
                self.send(Message::Request(refresh));
            }
        }
    }

    /// Lints the rule sets read but not linted (read first those changed),
    /// and publishes their diagnostics again.
    fn lint(&mut self) {
        self.publish();
        for folder in self.workspace.unlinted() {
            let linted = catch_unwind(AssertUnwindSafe(|| self.workspace.lint(&folder)));
            if linted.unwrap_or(false) {
                self.pending.insert(folder);
            }
        }
        self.publish();
    }

    /// Publishes the diagnostics of every rule set changed since last time,
    /// for each of its files.
    fn publish(&mut self) {
        for folder in std::mem::take(&mut self.pending) {
            let published = catch_unwind(AssertUnwindSafe(|| {
                self.workspace.refresh(&folder);
                let Some(set) = self.workspace.get(&folder) else { return };
                for (path, diagnostics) in diagnostics::diagnostics(set) {
                    let Some(uri) = path_to_uri(&path) else { continue };
                    let version = self.workspace.docs.get(&path).map(|d| d.version);
                    let params = PublishDiagnosticsParams { uri, diagnostics, version };
                    self.send(Message::Notification(Notification::new(PublishDiagnostics::METHOD.to_string(), params)));
                }
            }));
            if published.is_err() {
                eprintln!("interdict lsp: internal error checking {}; still serving", folder.display());
            }
        }
    }

    /// The response to a request: its answer, or an error, never a panic.
    fn answer(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match catch_unwind(AssertUnwindSafe(|| self.dispatch(request))) {
            Ok(Ok(value)) => Response { id, response_result: Ok(value) },
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => {
                Response::new_err(id, ErrorCode::InternalError as i32, "internal error; the server goes on".into())
            }
        }
    }

    fn dispatch(&mut self, request: Request) -> Result<serde_json::Value, Failure> {
        let Request { method, params, .. } = request;
        match method.as_str() {
            HoverRequest::METHOD => self.with(params, |s, p: lsp_types::HoverParams| s.hover(p)),
            GotoDefinition::METHOD
            | References::METHOD
            | PrepareRenameRequest::METHOD
            | Rename::METHOD
            | Completion::METHOD => self.at_position(&method, params),
            Formatting::METHOD => self.with(params, |s, p: lsp_types::DocumentFormattingParams| {
                let (file, text) = s.text(&p.text_document.uri)?;
                format::format(&file, &text, None).map_err(failed)
            }),
            RangeFormatting::METHOD => self.with(params, |s, p: lsp_types::DocumentRangeFormattingParams| {
                let (file, text) = s.text(&p.text_document.uri)?;
                format::format(&file, &text, Some(format::lines_of(p.range))).map_err(failed)
            }),
            CodeActionRequest::METHOD => self.with(params, |s, p: lsp_types::CodeActionParams| {
                let uri = p.text_document.uri.clone();
                let file = s.open_set(&uri)?;
                let set = s.set(&file)?;
                let text = set.source(&file).map(|src| src.text()).unwrap_or("");
                let found = actions::actions(set, &uri, &file, text, p.range, &p.context.diagnostics);
                Ok(found.into_iter().map(lsp_types::CodeActionOrCommand::CodeAction).collect::<Vec<_>>())
            }),
            _ => self.whole_file(&method, params),
        }
    }

    /// The requests about the name at a position.
    fn at_position(&mut self, method: &str, params: serde_json::Value) -> Result<serde_json::Value, Failure> {
        match method {
            GotoDefinition::METHOD => self.with(params, |s, p: lsp_types::GotoDefinitionParams| {
                let at = &p.text_document_position_params;
                let (file, offset) = s.locate(&at.text_document.uri, at.position)?;
                Ok(navigate::definition(s.set(&file)?, &file, offset).map(lsp_types::GotoDefinitionResponse::Scalar))
            }),
            References::METHOD => self.with(params, |s, p: lsp_types::ReferenceParams| {
                let at = &p.text_document_position;
                let (file, offset) = s.locate(&at.text_document.uri, at.position)?;
                Ok(navigate::references(s.set(&file)?, &file, offset, p.context.include_declaration))
            }),
            PrepareRenameRequest::METHOD => self.with(params, |s, p: lsp_types::TextDocumentPositionParams| {
                let (file, offset) = s.locate(&p.text_document.uri, p.position)?;
                Ok(navigate::prepare_rename(s.set(&file)?, &file, offset).map(lsp_types::PrepareRenameResponse::Range))
            }),
            Rename::METHOD => self.with(params, |s, p: lsp_types::RenameParams| {
                let at = &p.text_document_position;
                let (file, offset) = s.locate(&at.text_document.uri, at.position)?;
                navigate::rename(s.set(&file)?, &file, offset, &p.new_name).map_err(failed)
            }),
            _ => self.with(params, |s, p: lsp_types::CompletionParams| {
                let at = &p.text_document_position;
                let (file, offset) = s.locate(&at.text_document.uri, at.position)?;
                let set = s.set(&file)?;
                let text = set.source(&file).map(|src| src.text()).unwrap_or("");
                Ok(lsp_types::CompletionResponse::Array(complete::complete(set, s.counts(&file), text, offset)))
            }),
        }
    }

    /// The requests about a whole file: outline, folds, tokens, lenses.
    fn whole_file(&mut self, method: &str, params: serde_json::Value) -> Result<serde_json::Value, Failure> {
        let served = [
            DocumentSymbolRequest::METHOD,
            FoldingRangeRequest::METHOD,
            SemanticTokensFullRequest::METHOD,
            SemanticTokensRangeRequest::METHOD,
            CodeLensRequest::METHOD,
        ];
        if !served.contains(&method) {
            return Err((ErrorCode::MethodNotFound, format!("`{method}` is not supported")));
        }
        let doc = params.get("textDocument").cloned().unwrap_or_default();
        let uri: lsp_types::TextDocumentIdentifier =
            serde_json::from_value(doc).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
        let file = self.open_set(&uri.uri)?;
        let set = self.set(&file)?;
        let parsed = set.analysis.files.iter().find(|(src, _)| src.name() == file);
        let answer = match method {
            DocumentSymbolRequest::METHOD => serde_json::to_value(lsp_types::DocumentSymbolResponse::Nested(
                parsed.map(|(_, f)| outline::symbols(f)).unwrap_or_default(),
            )),
            FoldingRangeRequest::METHOD => {
                serde_json::to_value(parsed.map(|(src, f)| outline::folding(f, src.text())).unwrap_or_default())
            }
            SemanticTokensFullRequest::METHOD | SemanticTokensRangeRequest::METHOD => {
                let within = params.get("range").and_then(|r| serde_json::from_value(r.clone()).ok());
                let data = outline::semantic_tokens(set, &file, within);
                serde_json::to_value(lsp_types::SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data }))
            }
            CodeLensRequest::METHOD => {
                let folder = Path::new(&file).parent().unwrap_or(Path::new("."));
                serde_json::to_value(super::lens::lenses(set, &file, self.counts(&file), folder))
            }
            _ => Ok(serde_json::Value::Null),
        };
        answer.map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }

    /// Runs a handler on the request's parameters.
    fn with<P: DeserializeOwned, R: Serialize>(
        &mut self,
        params: serde_json::Value,
        handler: impl FnOnce(&mut Self, P) -> Result<R, Failure>,
    ) -> Result<serde_json::Value, Failure> {
        let params = serde_json::from_value(params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
        let result = handler(self, params)?;
        serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }

    /// The file of a URI (its name in the rule set), its rule set read
    /// again if it changed.
    fn open_set(&mut self, uri: &Uri) -> Result<String, Failure> {
        let path = uri_to_path(uri).ok_or_else(|| failed(format!("not a file: {}", uri.as_str())))?;
        let folder = path.parent().ok_or_else(|| failed("a file has a folder"))?.to_path_buf();
        self.workspace.refresh(&folder);
        Ok(path.display().to_string())
    }

    /// The rule set holding `file`, as last read.
    fn set(&self, file: &str) -> Result<&RuleSetState, Failure> {
        let folder = Path::new(file).parent().ok_or_else(|| failed("a file has a folder"))?;
        self.workspace.get(folder).ok_or_else(|| failed("no rule set here"))
    }

    /// [`Self::open_set`], and the byte offset of a position in the file.
    fn locate(&mut self, uri: &Uri, at: Position) -> Result<(String, usize), Failure> {
        let file = self.open_set(uri)?;
        let set = self.set(&file)?;
        let src = set.source(&file).ok_or_else(|| failed(format!("{file} is not a rule file of this rule set")))?;
        let at = offset(src.text(), at);
        Ok((file, at))
    }

    /// The editor's text of a document (or the disk's).
    fn text(&self, uri: &Uri) -> Result<(String, String), Failure> {
        let path = uri_to_path(uri).ok_or_else(|| failed(format!("not a file: {}", uri.as_str())))?;
        let text = match self.workspace.docs.get(&path) {
            Some(doc) => doc.text.clone(),
            None => std::fs::read_to_string(&path).map_err(|e| failed(e.to_string()))?,
        };
        Ok((path.display().to_string(), text))
    }

    /// The fire counts of the rule set holding `file`, if it was counted.
    fn counts(&self, file: &str) -> Option<&FireCounts> {
        self.fire_counts.get(Path::new(file).parent()?)
    }

    fn hover(&mut self, p: lsp_types::HoverParams) -> Result<Option<Hover>, Failure> {
        let at = &p.text_document_position_params;
        let (file, offset) = self.locate(&at.text_document.uri, at.position)?;
        let set = self.set(&file)?;
        let folder = Path::new(&file).parent().unwrap_or(Path::new(".")).to_path_buf();
        let markdown = match set.index.at(&file, offset) {
            Some(occ) => hover::hover(set, occ, &folder),
            None => navigate::list_file_at(set, &file, offset).and_then(|(loc, _)| list_hover(set, loc, &folder)),
        };
        Ok(markdown.map(|value| Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
            range: None,
        }))
    }
}

/// Over a `list("FILE")` string: the file's row count.
fn list_hover(set: &RuleSetState, at: &crate::source::Loc, folder: &Path) -> Option<String> {
    set.analysis.files.iter().flat_map(|(_, f)| &f.items).find_map(|item| match item {
        crate::ast::Item::Let(l) => match &l.value {
            crate::ast::LetValue::File(file)
                if file.path.loc.span == at.span && file.path.loc.src.name() == at.src.name() =>
            {
                Some(hover::list_file(&l.name.name, file, folder))
            }
            _ => None,
        },
        _ => None,
    })
}
