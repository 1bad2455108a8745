// The newskg query workbench: YASGUI (vendored, kg/_vendor/yasgui) set up for this endpoint, with the saved
// queries as a menu whose parameters are form fields, completion from this store, labels in the chosen language
// and entity IRIs that open their page on this server. Nothing here reaches another host.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const ENDPOINT = location.origin + "/sparql";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt",
    "unsignedLong", "unsignedShort", "unsignedByte"].map((t) => XSD + t));
  const DEFAULT_QUERY = [
    "PREFIX nkg: <https://w3id.org/newskg/ontology#>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
    "SELECT ?country ?label WHERE {",
    "  ?country a nkg:Country ; rdfs:label ?label .",
    "} ORDER BY ?label LIMIT 50"].join("\n");

  let lang = localStorage.getItem("newskg-workbench-lang") || (/^ko/i.test(navigator.language || "") ? "ko" : "en");
  let base = "https://w3id.org/newskg/id/";
  let prefixes = {};
  let classes = [];
  let properties = [];
  let saved = [];
  let current = null;   // the saved query picked

  function status(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  // ---- result table: labels in the chosen language, numbers sorted as numbers, entity links to this server
  function sameLang(tag) { return tag.toLowerCase().split("-")[0] === lang; }
  function localHref(iri) { return iri.startsWith(base) ? "/id/" + iri.slice(base.length) : iri; }
  const Table = Yasgui.Yasr.plugins.table;
  Table.prototype.getUriLinkFromBinding = function (binding, known) {
    const iri = binding.value;
    let shown = iri.startsWith(base) ? "id:" + iri.slice(base.length) : iri;
    for (const p in known || {}) {
      if (known[p] && iri.startsWith(known[p])) { shown = p + ":" + iri.slice(known[p].length); break; }
    }
    const a = document.createElement("a");
    a.className = "iri";
    a.href = localHref(iri);
    a.title = iri;
    a.textContent = shown;
    return a.outerHTML;
  };
  Table.prototype.formatLiteral = function (binding) {
    const span = document.createElement("span");
    span.textContent = binding.value;
    const tag = binding["xml:lang"];
    if (tag && !sameLang(tag)) {   // a label in another language keeps a small tag; the chosen one shows none
      const sup = document.createElement("sup");
      sup.className = "lang";
      sup.textContent = tag;
      return span.innerHTML + sup.outerHTML;
    }
    return span.innerHTML;
  };
  const columns = Table.prototype.getColumns;
  Table.prototype.getColumns = function () {
    const cols = columns.call(this);
    for (const col of cols.slice(1)) {
      const render = col.render;
      col.render = (data, type, row, meta) => {
        if (type === "display" || !data) return render(data, type, row, meta);
        // sort, type detection and search see the value as escaped text (numbers as numbers): YASGUI's own
        // renderer hands DataTables the raw value there, which it may parse as HTML
        if ((type === "sort" || type === "type") && data.type !== "uri" && NUMERIC.has(data.datatype)) {
          return Number(data.value);
        }
        const span = document.createElement("span");
        span.textContent = data.value;
        return span.innerHTML;
      };
    }
    return cols;
  };
  // whole cell texts by default (wide tables scroll sideways); the table's "Ellipse" switch still shortens them
  const draw = Table.prototype.draw;
  Table.prototype.draw = function (config) {
    if (this.persistentConfig.isEllipsed === undefined && (!config || config.isEllipsed === undefined)) {
      config = Object.assign({}, config || {}, { isEllipsed: false });
    }
    return draw.call(this, config);
  };
  // a row repeated once per label language shows only the chosen language, where the column has it at all
  const rows = Table.prototype.getRows;
  Table.prototype.getRows = function () {
    const all = rows.call(this);
    if (!$("one-lang") || !$("one-lang").checked) return all;
    const vars = this.yasr.results ? this.yasr.results.getVariables() : [];
    const hasChosen = vars.map((v, i) => all.some((r) => r[i + 1] && r[i + 1]["xml:lang"] && sameLang(r[i + 1]["xml:lang"])));
    const kept = all.filter((r) => vars.every((v, i) => {
      const cell = r[i + 1];
      return !hasChosen[i] || !cell || !cell["xml:lang"] || sameLang(cell["xml:lang"]);
    }));
    return kept.map((r, n) => [n + 1, ...r.slice(1)]);
  };

  // ---- completion from this store, never from the network (YASGUI's own class/property completers ask LOV)
  Yasgui.Yasqe.forkAutocompleter("prefixes", {
    name: "kgPrefixes", persistenceId: null,
    get: () => Promise.resolve(Object.keys(prefixes).sort().map((p) => p + ": <" + prefixes[p] + ">")),
  });
  const fromList = (list) => (yasqe, token) => {
    const want = (token && token.autocompletionString) || "";
    return Promise.resolve(list().filter((iri) => iri.startsWith(want)).slice(0, 200));
  };
  Yasgui.Yasqe.forkAutocompleter("property", { name: "kgProperty", get: fromList(() => properties) });
  Yasgui.Yasqe.forkAutocompleter("class", { name: "kgClass", get: fromList(() => classes) });
  const COMPLETERS = ["variables", "kgPrefixes", "kgProperty", "kgClass"];
  Yasgui.Yasqe.defaults.autocompleters = COMPLETERS.slice();

  const yasgui = new Yasgui($("yasgui"), {
    requestConfig: { endpoint: ENDPOINT, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }], keys: [] },
    persistenceId: "newskg-workbench-" + location.host,
    populateFromUrl: true,
    autofocus: false,
    yasqe: { autocompleters: COMPLETERS.slice(), value: DEFAULT_QUERY, prefixCcApi: null },
    yasr: { defaultPlugin: "table", pluginOrder: ["table", "response"] },
  });
  window.kgWorkbench = { yasgui: yasgui };   // for tests and the browser console

  function tab() { return yasgui.getTab(); }
  function redraw() { const y = tab() && tab().getYasr(); if (y && y.results) y.draw(); }

  // ---- language
  $("lang").value = lang;
  $("lang").addEventListener("change", () => {
    lang = $("lang").value;
    localStorage.setItem("newskg-workbench-lang", lang);
    for (const input of $("param-fields").querySelectorAll("input[name=lang]")) input.value = lang;
    redraw();
  });
  $("one-lang").addEventListener("change", redraw);

  // ---- saved queries: a searchable menu, parameters as form fields
  function field(p) {
    const label = document.createElement("label");
    label.textContent = p.name + (p.optional ? " (optional)" : "") + (p.doc ? " \u2014 " + p.doc : "");
    const input = document.createElement("input");
    input.name = p.name;
    input.value = p.name === "lang" ? lang : (p.default === null ? "" : p.default);
    input.placeholder = p.type + (p.optional ? ", optional" : "");
    label.appendChild(input);
    return label;
  }

  function pick(name) {
    current = saved.find((q) => q.name === name) || null;
    $("param-fields").replaceChildren();
    $("params").hidden = !current;
    $("saved-title").textContent = current ? current.title : "";
    $("saved-desc").textContent = current ? current.description : "";
    $("resolved").textContent = "";
    if (!current) return;
    for (const p of current.params) $("param-fields").appendChild(field(p));
    applySaved(false);
  }

  function clearResults(message) {
    // stale results never stay under an error: the table is replaced by the error
    const yasr = tab().getYasr();
    yasr.setResponse(new Error(message));
  }

  let applying = 0;   // only the newest call to applySaved may change the page

  async function applySaved(run) {
    if (!current) return;
    const ticket = ++applying;
    const qs = new URLSearchParams();
    for (const input of $("param-fields").querySelectorAll("input")) {
      if (input.value !== "") qs.set(input.name, input.value);
    }
    let res;
    try {
      res = await fetch("/saved-text/" + encodeURIComponent(current.name) + "?" + qs.toString());
    } catch (e) {
      if (ticket === applying) status("network error: " + e, true);
      return;
    }
    const body = await res.text();
    // a slower answer to an earlier call (the text fetched when the query was picked) must not overwrite
    // the query and the resolved names of a later run
    if (ticket !== applying) return;
    if (!res.ok) {
      status(body.trim(), true);
      if (run) clearResults(body.trim());
      return;
    }
    const data = JSON.parse(body);
    $("resolved").textContent = data.resolved.length ? "resolved: " + data.resolved.join("; ") : "";
    tab().setQuery(data.text);
    tab().setName(current.name);
    status("");
    if (run) tab().query();
  }

  $("saved").addEventListener("input", () => {
    const name = $("saved").value.trim();
    if (saved.some((q) => q.name === name)) pick(name);
  });
  $("params").addEventListener("submit", (event) => { event.preventDefault(); applySaved(true); });

  async function loadSaved() {
    try { saved = await (await fetch("/queries.json")).json(); } catch (e) { saved = []; }
    for (const q of saved) {
      const opt = document.createElement("option");
      opt.value = q.name;
      opt.label = q.title || q.name;
      $("saved-list").appendChild(opt);
    }
    const wanted = new URLSearchParams(location.search).get("saved");
    if (wanted) { $("saved").value = wanted; pick(wanted); }
  }

  async function loadVocabulary() {
    try {
      const info = await (await fetch("/workbench.json")).json();
      prefixes = info.prefixes || {};
      base = info.base || base;
      // the prefix completer reads its list once, when an editor starts: start it again with the list
      for (const id in yasgui._tabs) {
        const yasqe = yasgui._tabs[id].getYasqe && yasgui._tabs[id].getYasqe();
        if (yasqe) yasqe.enableCompleter("kgPrefixes");
      }
    } catch (e) { /* completion is a convenience */ }
    const terms = async (text, variable) => {
      const res = await fetch(ENDPOINT, { method: "POST", body: new URLSearchParams({ query: text }),
        headers: { Accept: "application/sparql-results+json" } });
      if (!res.ok) return [];
      return (await res.json()).results.bindings.map((b) => b[variable].value);
    };
    try {
      classes = await terms("SELECT DISTINCT ?c WHERE { [] a ?c } LIMIT 1000", "c");
      properties = await terms("SELECT DISTINCT ?p WHERE { [] ?p [] } LIMIT 1000", "p");
    } catch (e) { /* idem */ }
  }

  // ---- the server's own formats: CSV, TSV, Excel, SPARQL JSON/XML, Turtle, JSON-LD
  $("download").addEventListener("click", async () => {
    const format = $("download-format").value;
    const form = new URLSearchParams({ query: tab().getQuery(), format: format });
    status("downloading\u2026");
    let res;
    try { res = await fetch(ENDPOINT, { method: "POST", body: form }); } catch (e) { status("network error: " + e, true); return; }
    if (!res.ok) { status(res.status + ": " + (await res.text()).trim(), true); return; }
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob());
    a.download = (tab().getName() || "results").replace(/[^\w.-]+/g, "_") + "." + format.replace("turtle", "ttl");
    document.body.appendChild(a);
    a.click();
    a.remove();
    const cut = res.headers.get("X-KG-Truncated");
    status("downloaded " + a.download + (cut ? " (" + cut + ")" : ""));
  });

  yasgui.on("queryResponse", () => status(""));
  loadVocabulary();
  loadSaved();
})();
