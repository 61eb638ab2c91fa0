// The screening desk: one page over the service's JSON API (docs/serve.md).
// Views have their own addresses (hash routes), so links can be shared and
// the back button works:
//   #/records          look up a record (completion over ids and names)
//   #/records/ID       a stored record: decision, rules, evidence, why-not
//   #/screen           screen pasted or uploaded records
//   #/screen/N         the N-th batch screened since the page was opened
//   #/changes          the last reload's review (and a reload button)
//   #/status           the rule set, the store, decisions, fires by rule
// Records are untrusted: every value goes into the page as text (text
// nodes, textContent, attributes set one by one), never as markup.
"use strict";

const main = document.getElementById("main");
const batches = [];
let renderCount = 0;

// ------------------------------------------------------------------ DOM

// h("a", {href: "#/x", class: "rec"}, "text", child…): strings are text.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

// A view that waited for the service draws only if no later navigation
// started meanwhile: a slow answer must not draw over the page the user
// went on to.
function superseded(ticket) {
  return ticket !== renderCount;
}

function show(title, ...children) {
  document.title = title + " · interdict desk";
  main.replaceChildren(...children.flat(Infinity).filter(Boolean));
}

// ------------------------------------------------------------------ API

function token() {
  return sessionStorage.getItem("interdict-token") || "";
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token()) headers.Authorization = "Bearer " + token();
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const rules = response.headers.get("interdict-rules");
  if (rules) document.getElementById("rules-badge").textContent = "rules " + rules;
  if (response.status === 401) throw new NeedsToken();
  const type = response.headers.get("content-type") || "";
  const text = await response.text();
  let body = text;
  if (type.includes("ndjson")) body = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  else if (type.includes("json")) body = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiFailure(response.status, body);
  return body;
}

class NeedsToken extends Error {}

class ApiFailure extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || "HTTP " + status);
    this.status = status;
    this.code = e.code;
    this.diagnostics = e.diagnostics || [];
  }
}

function failure(e) {
  if (e instanceof NeedsToken) return tokenForm();
  const box = h("div", { class: "problem", role: "alert" },
    h("strong", {}, "Error: "), e.message, e.code ? h("code", {}, " (" + e.code + ")") : null);
  if (e.diagnostics && e.diagnostics.length) box.append(diagnosticsList(e.diagnostics));
  return box;
}

function tokenForm() {
  const input = h("input", { id: "token", type: "password", autocomplete: "off", required: true });
  return h("form", {
    class: "card", onsubmit: (ev) => {
      ev.preventDefault();
      sessionStorage.setItem("interdict-token", input.value.trim());
      render();
    },
  },
  h("h2", {}, "Token"),
  h("p", {}, "This service needs a bearer token (--token-file). It is kept for this tab only."),
  h("label", { for: "token" }, "Token "), input, " ", h("button", { type: "submit" }, "Use"));
}

// ------------------------------------------------------------- drawing

const MARK = { deny: "✖", flag: "⚑", allow: "✔", error: "!" };

function decisionBadge(decision) {
  const d = decision || "error";
  return h("span", { class: "decision " + d }, h("span", { "aria-hidden": "true" }, MARK[d] || "?"), " ", d.toUpperCase());
}

function place(loc) {
  if (!loc) return null;
  return h("span", { class: "place" }, loc.file + ":" + loc.line + ":" + loc.column);
}

function recordLink(hop) {
  const name = hop.name !== null && hop.name !== undefined ? " “" + hop.name + "”" : "";
  return h("a", { class: "rec", href: "#/records/" + encodeURIComponent(hop.record) },
    h("span", { class: "type" }, hop.type), " ", h("span", { class: "id" }, hop.record), name);
}

function literal(v) {
  return h("span", { class: "value" }, typeof v === "string" ? "“" + v + "”" : JSON.stringify(v));
}

// A value seen: the chain of hops that reached it, then what was found.
function seen(v) {
  if (!v) return h("span", { class: "value" }, "—");
  const out = h("span", { class: "seen" });
  const chain = v.chain || [];
  chain.forEach((hop, i) => {
    if (i > 0) out.append(h("span", { class: "hop" }, h("span", { "aria-hidden": "true" }, " → "), hop.via ? h("span", { class: "via" }, hop.via) : null, " "));
    out.append(hopTarget(hop));
  });
  if (!chain.length) out.append(found(v));
  if (v.computed) out.append(h("span", { class: "computed" }, " = ", found(v), " (", h("code", {}, v.computed.text), " from ", seen(v.computed.from), ")"));
  return out;
}

function hopTarget(hop) {
  if (hop.elided !== undefined) return h("span", { class: "elided" }, "… " + hop.elided + " hops …");
  return found(hop);
}

function found(v) {
  if (v.record !== undefined) return recordLink(v);
  if (v.list !== undefined) return h("span", { class: "list" }, "[", v.list.map((x, i) => [i ? ", " : "", found(x)]), "]");
  if (v.missing) return h("span", { class: "missing" }, "missing");
  if (v.unresolved !== undefined) return h("span", { class: "missing" }, "unresolved link " + JSON.stringify(v.unresolved));
  if (v.value !== undefined) return literal(v.value);
  return h("span", {}, "");
}

// One fact of evidence: what was checked, the values that decided it.
function fact(f) {
  const head = h("div", { class: "fact-head" },
    h("span", { class: f.holds ? "holds yes" : "holds no" }, f.holds ? "holds" : "false"), " ",
    h("code", {}, f.text), " ", place(f.location));
  const body = h("div", { class: "fact-body" }, factValues(f));
  const nested = (f.evidence || []).length ? h("div", { class: "nested" }, f.evidence.map(fact)) : null;
  return h("div", { class: "fact " + f.kind }, head, body, nested, misses(f));
}

function factValues(f) {
  switch (f.kind) {
    case "compare": return [seen(f.left), " ", h("span", { class: "op" }, f.op), " ", seen(f.right)];
    case "matches": return [seen(f.subject), " matches ", literal(f.pattern)];
    case "exists": return ["exists ", seen(f.path)];
    case "is": return [seen(f.subject), " is " + f.verdict + (f.by ? " by " + f.by : ""),
      f.decision ? [" (", decisionBadge(f.decision), f.rules && f.rules.length ? ": " + f.rules.join(", ") : "", ")"] : null];
    case "quantifier": return [f.quantifier + " " + f.var + " in " + f.over,
      f.count !== null && f.count !== undefined ? " (" + f.count + " examined)" : "",
      f.witness ? [": ", seen(f.witness), f.witness.depth !== null && f.witness.depth !== undefined ? " at depth " + f.witness.depth : ""] : ""];
    case "sum": return ["sum over " + f.over + " = " + f.total + " ", h("span", { class: "op" }, f.op), " ", seen(f.right),
      h("span", { class: "terms" }, " terms: ", (f.terms || []).map((t, i) => [i ? ", " : "", seen(t)]))];
    case "call": return [f.def + "(", (f.args || []).map((a, i) => [i ? ", " : "", seen(a)]), ")"];
    case "value": return [seen(f.value)];
    default: return [f.summary || ""];
  }
}

// A quantifier that did not hold: the elements it examined, nearest first.
function misses(f) {
  if (!f.misses || !f.misses.length) return null;
  return h("details", { class: "misses" },
    h("summary", {}, "nearest misses (" + f.misses.length + (f.more_misses ? " of " + (f.misses.length + f.more_misses) : "") + ")"),
    h("ol", {}, f.misses.map((m) => h("li", {}, seen(m), " — " + m.terms_held + " term(s) held", h("div", { class: "nested" }, (m.evidence || []).map(fact))))));
}

// A rule on a record: fired, waived (with the exemption), or why not.
function ruleCard(r, status) {
  status = status || r.status;
  const label = { fired: "fired", waived: "waived", not_fired: "did not fire", not_in_effect: "not in effect" }[status] || status;
  const card = h("section", { class: "rule " + status, "aria-label": r.rule + " " + label },
    h("h4", {}, h("span", { class: "status" }, label), " ", h("span", { class: "title" }, r.title),
      " ", h("code", { class: "name" }, r.rule)),
    h("p", { class: "meta" }, (r.effect || "") + " · severity " + (r.severity || "—") + " · ", place(r.location)));
  if (status === "not_fired") card.append(h("p", { class: "why" }, "Why not: the first part that was false, with the values seen:"));
  card.append(h("div", { class: "evidence" }, (r.evidence || []).map(fact)));
  if (r.exemption) {
    card.append(h("div", { class: "exemption" },
      h("h5", {}, "Waived by ", h("code", {}, r.exemption.name), " — ", r.exemption.title, " ", place(r.exemption.location)),
      h("div", { class: "evidence" }, (r.exemption.evidence || []).map(fact))));
  }
  return card;
}

// A verdict line (check --format json): its decision and rules.
function verdictView(v, open) {
  if (v.kind === "error") {
    return h("div", { class: "problem" }, h("strong", {}, "Error" + (v.id ? " in " + v.id : "") + ": "), v.message,
      v.source ? [" ", place(v.source)] : null, v.help ? h("p", {}, v.help) : null);
  }
  const rules = [...(v.fired || []).map((r) => ruleCard(r, "fired")),
    ...(v.waived || []).map((r) => ruleCard(Object.assign({}, r, { exemption: r.exemption }), "waived"))];
  return h("div", { class: "verdict" },
    h("p", {}, decisionBadge(v.decision), " ", h("span", { class: "type" }, v.type), " ", h("strong", {}, v.id),
      v.warnings && v.warnings.length ? " · " + v.warnings.length + " warning(s)" : ""),
    rules.length ? (open ? rules : h("details", {}, h("summary", {}, "evidence"), rules)) : h("p", { class: "quiet" }, "No rule fired."));
}

function diagnosticsList(list) {
  return h("ul", { class: "diagnostics" }, list.map((d) => h("li", {},
    h("strong", {}, d.message), " ", d.code ? h("code", {}, d.code) : null,
    d.filename ? [" in ", h("span", { class: "place" }, d.filename)] : null,
    d.help ? h("p", {}, "help: " + d.help) : null,
    (d.labels || []).length ? h("ul", {}, d.labels.map((l) => h("li", {}, (l.label || ""), " ", l.line ? h("span", { class: "place" }, (d.filename || "") + ":" + l.line + ":" + l.column) : "(at byte " + l.span.offset + ")"))) : null)));
}

// ------------------------------------------------------------ records

function lookupForm(initial) {
  const input = h("input", {
    id: "lookup", type: "search", value: initial || "", placeholder: "id or name, e.g. v-01",
    role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": "lookup-list",
    autocomplete: "off", spellcheck: "false",
  });
  const list = h("ul", { id: "lookup-list", role: "listbox", class: "completions", hidden: true, "aria-label": "Stored records" });
  let options = [];
  let active = -1;
  let timer = null;
  const choose = (i) => {
    active = i;
    options.forEach((o, j) => o.setAttribute("aria-selected", j === i ? "true" : "false"));
    if (options[i]) input.setAttribute("aria-activedescendant", options[i].id);
  };
  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; };
  const complete = async () => {
    const q = input.value.trim();
    try {
      const found = await api("/v1/search?limit=12&q=" + encodeURIComponent(q));
      options = found.records.map((r, i) => h("li", {
        id: "opt-" + i, role: "option", "aria-selected": "false", "data-id": r.id,
        onmousedown: (ev) => { ev.preventDefault(); open(r.id); },
      }, decisionBadge(r.decision), " ", h("strong", {}, r.id), r.name ? " “" + r.name + "”" : "", " ", h("span", { class: "type" }, r.type)));
      list.replaceChildren(...options);
      list.hidden = !options.length;
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
      active = -1;
    } catch (e) {
      close();
      if (e instanceof NeedsToken) show("Token", tokenForm());
    }
  };
  const open = (id) => { close(); location.hash = "#/records/" + encodeURIComponent(id); };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(complete, 120); });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" && options.length) { ev.preventDefault(); list.hidden = false; choose(Math.min(active + 1, options.length - 1)); }
    else if (ev.key === "ArrowUp" && options.length) { ev.preventDefault(); choose(Math.max(active - 1, 0)); }
    else if (ev.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  const form = h("form", {
    class: "lookup", role: "search", onsubmit: (ev) => {
      ev.preventDefault();
      const id = active >= 0 && options[active] ? options[active].dataset.id : input.value.trim();
      if (id) open(id);
    },
  }, h("label", { for: "lookup" }, "Look up a record "), h("span", { class: "combo" }, input, list), " ", h("button", { type: "submit" }, "Open"));
  return form;
}

async function recordsView() {
  show("Records", h("h1", {}, "Look up a record"), lookupForm(""),
    h("p", { class: "quiet" }, "Type an id or part of a name; ↓ and ↑ pick, Enter opens."));
  document.getElementById("lookup").focus();
}

// The name a record goes by, from the first hop of any chain that starts at it.
function nameIn(explanation) {
  for (const r of explanation.rules || []) {
    for (const f of r.evidence || []) {
      const chain = (f.left || f.subject || f.path || f.value || {}).chain || [];
      if (chain[0] && chain[0].record === explanation.id) return chain[0].name;
    }
  }
  return null;
}

async function recordView(id) {
  const ticket = renderCount;
  show(id, lookupForm(id), h("p", { class: "quiet" }, "Loading " + id + "…"));
  let x;
  // The name, when no chain of the evidence starts at the record, from the search.
  const named = api("/v1/search?limit=1&q=" + encodeURIComponent(id))
    .then((found) => found.records.filter((r) => r.id === id).map((r) => r.name)[0] || null, () => null);
  try {
    x = await api("/v1/records/" + encodeURIComponent(id) + "/explain");
  } catch (e) {
    return superseded(ticket) || show(id, lookupForm(id), failure(e));
  }
  const name = nameIn(x) || await named;
  if (superseded(ticket)) return;
  const by = (s) => (x.rules || []).filter((r) => r.status === s);
  const section = (title, rules, empty) => h("section", { class: "group" }, h("h3", {}, title + " (" + rules.length + ")"),
    rules.length ? rules.map((r) => ruleCard(r)) : h("p", { class: "quiet" }, empty));
  show(id, lookupForm(id),
    h("article", { class: "record" },
      h("h1", {}, decisionBadge(x.decision), " ", h("span", { class: "type" }, x.type), " ", h("span", { class: "id" }, x.id),
        name ? h("span", { class: "name" }, " “" + name + "”") : null),
      h("p", { class: "meta" }, "Stored at ", place(x.source)),
      (x.warnings || []).length ? h("ul", { class: "warnings" }, x.warnings.map((w) => h("li", {}, w.message || JSON.stringify(w)))) : null,
      section("Fired", by("fired"), "No rule fired."),
      section("Waived", by("waived"), "No rule was waived."),
      section("Did not fire", [...by("not_fired"), ...by("not_in_effect")], "Every rule of this type fired or was waived."),
      h("section", { class: "group" }, h("h3", {}, "Records whose verdicts it read"),
        (x.linked || []).length ? linkedTree(x.linked) : h("p", { class: "quiet" }, "None: no rule read another record's verdict."))));
  main.focus();
}

function linkedTree(linked) {
  return h("ul", { class: "tree" }, linked.map((l) => h("li", {},
    decisionBadge(l.decision), " ", recordLink({ record: l.id, type: l.type, name: nameIn(l) }),
    (l.rules || []).filter((r) => r.status === "fired").length
      ? " — fired: " + l.rules.filter((r) => r.status === "fired").map((r) => r.rule).join(", ") : "",
    (l.linked || []).length ? linkedTree(l.linked) : null)));
}

// -------------------------------------------------------------- screen

function screenForm(batch) {
  const text = h("textarea", { id: "records-text", rows: 8, spellcheck: "false",
    placeholder: '{"id":"x-1","type":"purchase","buyer":"p-001","product":"g-01","date":"2023-05-01"}' });
  text.value = batch ? batch.text : "";
  const format = h("select", { id: "format" }, ["auto", "json", "jsonl", "csv"].map((f) =>
    h("option", { value: f, selected: batch && batch.format === f }, { auto: "detect", json: "JSON", jsonl: "JSON Lines", csv: "CSV" }[f])));
  const type = h("input", { id: "csv-type", size: 12, value: batch ? batch.type : "", placeholder: "e.g. purchase" });
  const file = h("input", { id: "records-file", type: "file", accept: ".json,.jsonl,.ndjson,.csv,text/csv,application/json" });
  file.addEventListener("change", async () => {
    const f = file.files[0];
    if (!f) return;
    text.value = await f.text();
    if (/\.csv$/i.test(f.name)) format.value = "csv";
  });
  return h("form", {
    class: "card screen", onsubmit: async (ev) => {
      ev.preventDefault();
      await screen(text.value, format.value, type.value.trim());
    },
  },
  h("label", { for: "records-text" }, "Records: one JSON object, a JSON array, JSON Lines or CSV (a header row)"), text,
  h("div", { class: "row" },
    h("label", {}, "Or a file ", file), h("label", {}, "Format ", format),
    h("label", {}, "CSV rows without a type column are ", type),
    h("button", { type: "submit" }, "Screen")));
}

function detect(text, format) {
  if (format !== "auto") return format;
  const t = text.trim();
  if (t.startsWith("[")) return "json";
  if (t.startsWith("{")) {
    try { JSON.parse(t); return "json"; } catch (e) { return "jsonl"; }
  }
  return "csv";
}

async function screen(text, format, type) {
  const kind = detect(text, format);
  const batch = { text, format, type, kind, errors: [], answers: null, failure: null };
  try {
    let body = text;
    let contentType = kind === "json" ? "application/json" : "application/x-ndjson";
    if (kind === "csv") {
      // CSV is read by the service with the rule set's declarations (typed
      // cells), then screened as a JSON array.
      const converted = await api("/v1/convert" + (type ? "?type=" + encodeURIComponent(type) : ""),
        { method: "POST", headers: { "Content-Type": "text/csv" }, body: text });
      batch.errors = converted.errors;
      body = JSON.stringify(converted.records);
      contentType = "application/json";
    }
    batch.answers = await api("/v1/check", { method: "POST", headers: { "Content-Type": contentType }, body });
  } catch (e) {
    batch.failure = e;
  }
  batches.push(batch);
  location.hash = "#/screen/" + batches.length;
}

function screenView(n) {
  const batch = n ? batches[n - 1] : null;
  const parts = [h("h1", {}, batch ? "Screened batch " + n : "Screen new records"), screenForm(batch)];
  if (n && !batch) parts.push(h("p", { class: "problem" }, "Batch " + n + " is not in this page's memory (batches live until the page is reloaded)."));
  if (batch) parts.push(batchResults(batch));
  show(batch ? "Batch " + n : "Screen", parts);
  if (batch) main.focus(); else document.getElementById("records-text").focus();
}

function batchResults(batch) {
  if (batch.failure) return failure(batch.failure);
  const answers = batch.answers || [];
  const count = (d) => answers.filter((a) => (a.kind === "verdict" ? a.decision : "error") === d).length;
  return h("section", { class: "results", "aria-label": "Verdicts" },
    h("h2", {}, answers.length + " record(s): " + ["deny", "flag", "allow", "error"].map((d) => count(d) + " " + d).join(", ")),
    batch.errors.length ? h("ul", { class: "problem" }, batch.errors.map((e) => h("li", {}, "CSV line " + e.line + ": " + e.message))) : null,
    answers.map((a) => h("div", { class: "card" }, verdictView(a, answers.length === 1))));
}

// ------------------------------------------------------------- changes

async function changesView() {
  const ticket = renderCount;
  const reload = h("button", { type: "button", onclick: () => reloadRules(reload) }, "Reload the rules now");
  show("Changes", h("h1", {}, "Review of the last rule change"), h("p", {}, reload, " ", h("span", { id: "reload-state", role: "status" })),
    h("p", { class: "quiet" }, "Loading…"));
  let review;
  try {
    review = await api("/v1/reloads/last");
  } catch (e) {
    return superseded(ticket) || main.replaceChildren(main.firstChild, main.children[1], failure(e));
  }
  if (superseded(ticket)) return;
  main.replaceChildren(main.firstChild, main.children[1], review ? reviewView(review) : h("p", { class: "quiet" },
    "No reload since the service started. Edit the rule files, then reload (this button, POST /v1/reload or SIGHUP)."));
}

async function reloadRules(button) {
  const ticket = renderCount;
  button.disabled = true;
  const state = document.getElementById("reload-state");
  state.textContent = "Reloading…";
  try {
    const summary = await api("/v1/reload", { method: "POST" });
    // Left for another view meanwhile: the reload is done; its review waits on the Changes view.
    if (superseded(ticket)) return;
    state.textContent = "Reloaded: " + summary.changed + " record(s) changed.";
    await changesView();
    if (superseded(ticket)) return;
    document.getElementById("reload-state").textContent = "Reloaded: " + summary.changed + " record(s) changed.";
  } catch (e) {
    state.replaceChildren(failure(e));
  } finally {
    button.disabled = false;
  }
}

const CHANGE = { now_fires: "now fires", stops_firing: "stops firing", now_waived: "is now waived", no_longer_waived: "is no longer waived" };

function transitions(t) {
  return Object.entries(t || {}).map(([k, n]) => n + " " + k).join(", ");
}

function reviewView(r) {
  const byId = new Map((r.changes || []).map((c) => [c.id, c]));
  const grouped = new Set((r.groups || []).flatMap((g) => g.records));
  const others = (r.changes || []).filter((c) => !grouped.has(c.id));
  return h("div", { class: "review" },
    h("p", {}, "Rules ", h("code", {}, r.previous), " → ", h("code", {}, r.rules), " at " + new Date(r.at).toLocaleString() + ": ",
      h("strong", {}, r.changed + " of " + r.compared + " stored records changed"), r.changed ? "; decisions: " + (transitions(r.transitions) || "none") : ""),
    (r.groups || []).map((g) => h("section", { class: "group change" },
      h("h2", {}, h("code", {}, g.rule), " " + (CHANGE[g.change] || g.change) + " on " + g.count + " record(s)",
        Object.keys(g.transitions || {}).length ? " (" + transitions(g.transitions) + ")" : ""),
      h("ul", { class: "changes" }, g.records.map((id) => changeItem(id, byId.get(id)))))),
    others.length ? h("section", { class: "group change" }, h("h2", {}, "Decision changed, same rules (" + others.length + ")"),
      h("ul", { class: "changes" }, others.map((c) => changeItem(c.id, c)))) : null);
}

function changeItem(id, c) {
  if (!c) return h("li", {}, recordLink({ record: id, type: "", name: null }));
  return h("li", {}, h("details", {},
    h("summary", {}, recordLink({ record: c.id, type: c.type, name: null }), " ", decisionBadge(c.before), h("span", { "aria-label": "became" }, " → "), decisionBadge(c.after)),
    h("div", { class: "before-after" },
      h("div", {}, h("h3", {}, "Before"), c.old_verdict ? verdictView(c.old_verdict, true) : null),
      h("div", {}, h("h3", {}, "After"), c.new_verdict ? verdictView(c.new_verdict, true) : null))));
}

// -------------------------------------------------------------- status

async function statusView() {
  const ticket = renderCount;
  let s;
  try {
    s = await api("/v1/status");
  } catch (e) {
    return superseded(ticket) || show("Status", h("h1", {}, "Status"), failure(e));
  }
  if (superseded(ticket)) return;
  const refusedNow = s.last_refused && s.last_refused.at > s.loaded_at;
  show("Status", h("h1", {}, "Status"),
    h("dl", { class: "facts" },
      h("dt", {}, "Rule set"), h("dd", {}, h("code", {}, s.rules)),
      h("dt", {}, "Loaded at"), h("dd", {}, new Date(s.loaded_at).toLocaleString()),
      h("dt", {}, "Judged as of"), h("dd", {}, s.as_of),
      h("dt", {}, "Stored records"), h("dd", {}, String(s.records)),
      h("dt", {}, "Decision log"), h("dd", {}, s.decision_log)),
    h("h2", {}, "Decisions"),
    h("ul", { class: "outcomes" }, ["deny", "flag", "allow", "error"].map((d) => h("li", {}, decisionBadge(d), " " + (s.decisions[d] || 0)))),
    h("h2", { id: "fires-title" }, "Fires by rule"), firesChart(s.rules_fired),
    h("h2", {}, "Last reload"),
    s.last_reload ? h("p", {}, "At " + new Date(s.last_reload.at).toLocaleString() + ": " + s.last_reload.changed + " record(s) changed ",
      transitions(s.last_reload.transitions) ? "(" + transitions(s.last_reload.transitions) + ") " : "", h("a", { href: "#/changes" }, "review")) : h("p", { class: "quiet" }, "None since the service started."),
    s.last_refused ? h("section", { class: refusedNow ? "problem" : "card" },
      h("h3", {}, "Reload refused at " + new Date(s.last_refused.at).toLocaleString() + (refusedNow ? " (the rules in service are the older ones)" : "")),
      h("p", {}, s.last_refused.message), diagnosticsList(s.last_refused.diagnostics)) : null);
}

// A bar per rule: fired (solid) and waived (hatched), drawn here as SVG.
function firesChart(rules) {
  const row = 26, label = 200, width = 760, bar = width - label - 190;
  const max = Math.max(1, ...rules.map((r) => r.fired + r.waived));
  const chart = svg("svg", { viewBox: "0 0 " + width + " " + (rules.length * row + 8), class: "chart", role: "img", "aria-labelledby": "fires-title fires-desc" },
    svg("desc", { id: "fires-desc" }, rules.map((r) => r.rule + ": " + r.fired + " fired, " + r.waived + " waived").join("; ")));
  rules.forEach((r, i) => {
    const y = i * row + 4;
    const wf = (r.fired / max) * bar, ww = (r.waived / max) * bar;
    chart.append(svg("g", { class: "bar " + r.effect },
      svg("title", {}, r.title + " (" + r.rule + "): " + r.fired + " fired, " + r.waived + " waived"),
      svg("text", { x: label - 8, y: y + 16, "text-anchor": "end" }, r.rule),
      svg("rect", { x: label, y: y + 2, width: wf, height: row - 8, class: "fired" }),
      svg("rect", { x: label + wf, y: y + 2, width: ww, height: row - 8, class: "waived" }),
      svg("text", { x: label + wf + ww + 6, y: y + 16, class: "count" }, r.fired + " " + r.effect + (r.waived ? " (+" + r.waived + " waived)" : ""))));
  });
  return h("figure", {}, chart, h("figcaption", {}, "Each rule's fires over the stored records: solid, fired (deny red, flag amber, also written after the count); light, fired and waived."));
}

// ------------------------------------------------------------- routing

async function render() {
  const route = location.hash.replace(/^#\/?/, "").split("/");
  const view = route[0] || "records";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  const ticket = ++renderCount;
  const rest = route.slice(1).join("/");
  if (view === "records" && rest) await recordView(decodeURIComponent(rest));
  else if (view === "screen") screenView(Number(rest) || 0);
  else if (view === "changes") await changesView();
  else if (view === "status") await statusView();
  else await recordsView();
  // Tests (and anyone scripting the page) wait for this.
  if (ticket === renderCount) document.body.dataset.rendered = location.hash || "#/records";
}

window.addEventListener("hashchange", render);
render();
