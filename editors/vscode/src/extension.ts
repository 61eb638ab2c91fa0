// Starts `interdict lsp` for `.rules` files and registers the commands its
// code lenses run. Everything else (diagnostics, hover, navigation,
// completion, formatting, lenses) is the server's.

import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("interdict");
  const command = config.get<string>("path") || "interdict";
  const asOf = config.get<string>("asOf");
  const args = ["lsp", ...(asOf ? ["--as-of", asOf] : [])];
  return { command, args };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "interdict" }],
    // Rule files, test files and the record files tests read (JSON Lines,
    // CSV, YAML): the server counts the fires again when one changes.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{rules,yaml,yml,json,jsonl,csv}") },
  };
  client = new LanguageClient("interdict", "interdict", serverOptions(), clientOptions);
  await client.start();
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

/// `interdict test FOLDER` in a terminal: what the "▶ run tests" lens runs.
function runTests(folder?: string): void {
  const config = vscode.workspace.getConfiguration("interdict");
  const command = config.get<string>("path") || "interdict";
  const editor = vscode.window.activeTextEditor;
  const target = folder ?? (editor ? path.dirname(editor.document.uri.fsPath) : undefined);
  if (!target) {
    void vscode.window.showWarningMessage("interdict: open a rule file to run its rule set's tests");
    return;
  }
  const terminal = vscode.window.createTerminal({ name: "interdict test", cwd: target });
  terminal.show();
  terminal.sendText(`${JSON.stringify(command)} test ${JSON.stringify(target)}`);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("interdict.runTests", runTests),
    vscode.commands.registerCommand("interdict.restartServer", async () => {
      await client?.stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("interdict.path") || e.affectsConfiguration("interdict.asOf")) {
        await client?.stop();
        await start(context);
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
