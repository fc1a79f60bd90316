// The SPARQL query editor of /query: CodeMirror 6 with SPARQL highlighting, prefix
// completion and parser error markers; runs queries against /sparql and shows the rows
// as a table of labelled links, a bar chart where the result fits, and download links.
// Everything is bundled; nothing is fetched from anywhere but this server.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { StreamLanguage } from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { autocompletion } from "@codemirror/autocomplete";
import { linter, lintGutter } from "@codemirror/lint";
import { Parser } from "sparqljs";

const SVG = "http://www.w3.org/2000/svg";
const NUMERIC = new Set(
  ["integer", "decimal", "double", "float", "int", "long", "short", "byte",
   "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
   "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"]
    .map((name) => "http://www.w3.org/2001/XMLSchema#" + name),
);
const MAX_CHART_ROWS = 60;

function declaredPrefixes(text) {
  const found = new Set();
  for (const match of text.matchAll(/PREFIX\s+([A-Za-z][\w.-]*)?:/gi)) found.add(match[1] || "");
  return found;
}

// Complete "PREFIX x" with a known namespace, and "x" with "x:" adding its declaration.
function prefixCompletion(known) {
  return (context) => {
    const declaring = context.matchBefore(/PREFIX\s+[\w-]*$/i);
    if (declaring) {
      const start = declaring.from + declaring.text.search(/[\w-]*$/);
      return {
        from: start,
        options: Object.entries(known).map(([name, iri]) => ({
          label: name,
          detail: iri,
          apply: `${name}: <${iri}>`,
          type: "namespace",
        })),
      };
    }
    const word = context.matchBefore(/[A-Za-z][\w-]*$/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const before = context.state.sliceDoc(Math.max(0, word.from - 1), word.from);
    if (before === "?" || before === "$" || before === ":") return null;
    return {
      from: word.from,
      validFor: /^[\w-]*$/,
      options: Object.entries(known).map(([name, iri]) => ({
        label: `${name}:`,
        detail: iri,
        type: "namespace",
        apply: (view, completion, from, to) => {
          const text = view.state.doc.toString();
          const changes = [{ from, to, insert: `${name}:` }];
          if (!declaredPrefixes(text).has(name)) {
            changes.push({ from: 0, insert: `PREFIX ${name}: <${iri}>\n` });
          }
          const added = changes.length > 1 ? `PREFIX ${name}: <${iri}>\n`.length : 0;
          view.dispatch({ changes, selection: { anchor: from + added + name.length + 1 } });
        },
      })),
    };
  };
}

// Mark what the SPARQL parser rejects, where it rejects it.
function sparqlLinter(baseIRI) {
  return (view) => {
    const text = view.state.doc.toString();
    if (!text.trim()) return [];
    try {
      new Parser({ baseIRI }).parse(text);
      return [];
    } catch (error) {
      return [diagnosticFor(error, view.state.doc, text)];
    }
  };
}

function diagnosticFor(error, doc, text) {
  const message = String(error.message || error).split("\n").slice(-1)[0] || "Syntax error";
  const loc = error.hash && error.hash.loc;
  if (loc) {
    const line = doc.line(Math.min(Math.max(loc.first_line, 1), doc.lines));
    const from = Math.min(line.from + loc.first_column, line.to);
    const to = Math.max(from, Math.min(line.from + loc.last_column, line.to));
    return { from, to, severity: "error", message: String(error.message).replace(/^Parse error on line \d+:\n/, "") };
  }
  const unknown = /Unknown prefix: ([\w.-]*)/.exec(message);
  if (unknown) {
    const at = text.search(new RegExp(`(^|[^\\w?$])${unknown[1]}:`));
    const from = at < 0 ? 0 : at + (text[at] === unknown[1][0] ? 0 : 1);
    return { from, to: from + unknown[1].length + 1, severity: "error", message };
  }
  return { from: 0, to: Math.min(doc.length, 1), severity: "error", message };
}

function queryForm(text, baseIRI) {
  try {
    const parsed = new Parser({ baseIRI }).parse(text);
    return parsed.queryType || "SELECT";
  } catch {
    return /\b(CONSTRUCT|DESCRIBE)\b/i.test(text) ? "CONSTRUCT" : "SELECT";
  }
}

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgElement(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatNumber(value) {
  return Number.isInteger(value) ? value.toLocaleString("nl-NL") : value.toLocaleString("nl-NL", { maximumFractionDigits: 2 });
}

function numberOf(term) {
  if (!term || term.type !== "literal" || !NUMERIC.has(term.datatype)) return null;
  const value = Number(term.value);
  return Number.isFinite(value) ? value : null;
}

// A horizontal bar chart of the first column against the first numeric column after it.
function chartFor(vars, bindings, labels) {
  if (vars.length < 2 || bindings.length < 1 || bindings.length > MAX_CHART_ROWS) return null;
  const category = vars[0];
  const measure = vars.slice(1).find((name) => bindings.every((row) => numberOf(row[name]) !== null));
  if (!measure) return null;
  const points = bindings.map((row) => {
    const term = row[category];
    const label = !term ? "—" : term.type === "uri" ? (labels[term.value]?.label || term.value) : term.value;
    return [label, numberOf(row[measure])];
  });
  const width = 640, labelWidth = 200, valueWidth = 80, barHeight = 26, gap = 10, top = 8;
  const plot = width - labelWidth - valueWidth;
  const largest = Math.max(0, ...points.map((p) => p[1]));
  const height = top + points.length * (barHeight + gap) + 8;
  const figure = element("figure", { class: "chart", id: "result-chart" });
  const caption = element("figcaption", { id: "result-chart-title" }, `${measure} / ${category}`);
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "result-chart-title", class: "bar-chart" });
  points.forEach(([label, value], index) => {
    const y = top + index * (barHeight + gap);
    const barWidth = largest > 0 ? (Math.max(value, 0) / largest) * plot : 0;
    svg.append(svgElement("text", { x: labelWidth - 8, y: y + barHeight * 0.68, "text-anchor": "end", class: "bar-label" }, label.length > 30 ? label.slice(0, 29) + "…" : label));
    const rect = svgElement("rect", { x: labelWidth, y, width: barWidth.toFixed(1), height: barHeight });
    rect.append(svgElement("title", {}, `${label}: ${formatNumber(value)}`));
    svg.append(rect);
    svg.append(svgElement("text", { x: labelWidth + barWidth + 6, y: y + barHeight * 0.68, class: "bar-value" }, formatNumber(value)));
  });
  figure.append(caption, svg);
  return figure;
}

function cellFor(term, labels) {
  const cell = element("td");
  if (!term) return cell;
  if (term.type === "uri") {
    const named = labels[term.value];
    const own = named && named.href && !/^https?:/.test(named.href);
    const link = element("a", { href: named ? named.href : term.value, title: term.value }, named ? named.label : term.value);
    if (!own) { link.className = "external"; link.rel = "external noopener"; }
    cell.append(link);
  } else if (term.type === "literal") {
    const span = element("span", { class: "literal" }, term.value);
    if (term["xml:lang"]) span.lang = term["xml:lang"];
    cell.append(span);
    if (term["xml:lang"]) cell.append(" ", element("span", { class: "tag" }, term["xml:lang"]));
  } else if (term.type === "bnode") {
    cell.append(element("code", {}, `_:${term.value}`));
  } else {
    cell.append(element("code", {}, JSON.stringify(term.value)));
  }
  return cell;
}

class QueryPage {
  constructor(form) {
    this.form = form;
    this.textarea = form.querySelector("#query-text");
    this.host = form.querySelector("#editor-host");
    this.results = document.getElementById("results");
    this.downloads = document.getElementById("download-links");
    this.summary = document.getElementById("example-summary");
    this.select = document.getElementById("example-select");
    this.endpoint = form.dataset.endpoint;
    this.labelsUrl = form.dataset.labels;
    this.lang = form.dataset.lang;
    this.prefixes = JSON.parse(form.dataset.prefixes);
    this.baseIRI = this.prefixes.mh ? this.prefixes.mh.replace(/def#$/, "") : undefined;
  }

  start() {
    const run = () => { this.run(); return true; };
    this.view = new EditorView({
      doc: this.textarea.value,
      parent: this.host,
      extensions: [
        EditorView.cspNonce.of(this.form.dataset.styleNonce || ""),
        basicSetup,
        EditorView.lineWrapping,
        StreamLanguage.define(sparql),
        autocompletion({ override: [prefixCompletion(this.prefixes)], activateOnTyping: true }),
        lintGutter(),
        linter(sparqlLinter(this.baseIRI), { delay: 300 }),
        keymap.of([{ key: "Mod-Enter", run }]),
        EditorView.contentAttributes.of({ "aria-label": "SPARQL", "aria-describedby": "example-summary" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) this.textarea.value = update.state.doc.toString();
        }),
      ],
    });
    this.textarea.hidden = true;
    this.host.hidden = false;
    this.form.classList.add("enhanced");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (event.submitter && event.submitter.id === "example-load") this.loadExample(this.select.value);
      else this.run();
    });
    this.select.addEventListener("change", () => this.loadExample(this.select.value));
    for (const link of document.querySelectorAll("a[data-example]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        this.select.value = link.dataset.example;
        this.loadExample(link.dataset.example);
        this.view.focus();
      });
    }
  }

  text() { return this.view.state.doc.toString(); }

  async loadExample(name) {
    if (!name) return;
    const response = await fetch(`/query/example/${encodeURIComponent(name)}.json`);
    if (!response.ok) return;
    const example = await response.json();
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: example.text } });
    let summary = example.summary;
    if (example.required.length) summary += ` — ${example.parameters.map((p) => "?" + p).join(", ")}`;
    this.summary.textContent = summary;
  }

  async run() {
    const text = this.text();
    const form = queryForm(text, this.baseIRI);
    const graph = form === "CONSTRUCT" || form === "DESCRIBE";
    this.showStatus("…");
    let response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: graph ? "text/turtle" : "application/sparql-results+json",
        },
        body: new URLSearchParams({ query: text }),
      });
    } catch (error) {
      this.showError(String(error));
      return;
    }
    const params = new URLSearchParams({ query: text });
    if (this.lang !== "nl") params.set("lang", this.lang);
    history.replaceState(null, "", `/query?${params}`);
    this.showDownloads(text, graph);
    if (!response.ok) {
      this.showError(await response.text());
      return;
    }
    if (graph) {
      this.showGraph(await response.text());
      return;
    }
    const data = await response.json();
    if ("boolean" in data) {
      this.showGraph(String(data.boolean));
      return;
    }
    const truncated = response.headers.get("MHKG-Result-Truncated");
    await this.showTable(data.head.vars, data.results.bindings, truncated);
  }

  async labelsFor(bindings) {
    const iris = new Set();
    for (const row of bindings) for (const term of Object.values(row)) if (term.type === "uri") iris.add(term.value);
    if (!iris.size) return {};
    const response = await fetch(`${this.labelsUrl}?lang=${this.lang}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ iris: [...iris].slice(0, 2000) }),
    });
    return response.ok ? response.json() : {};
  }

  clearResults() {
    for (const node of [...this.results.children]) if (node.id !== "results-heading") node.remove();
  }

  showStatus(text) {
    this.clearResults();
    this.results.append(element("p", { class: "results-meta", id: "results-status" }, text));
  }

  showError(message) {
    this.clearResults();
    this.results.append(element("p", { class: "error-box", role: "alert" }, message));
  }

  showGraph(text) {
    this.clearResults();
    this.results.append(element("pre", { class: "graph-result" }, text));
  }

  showDownloads(text, graph) {
    this.downloads.replaceChildren();
    const kinds = graph ? [["Turtle", "ttl"], ["JSON-LD", "jsonld"]] : [["CSV", "csv"], ["JSON", "json"]];
    for (const [name, format] of kinds) {
      const href = `${this.endpoint}?${new URLSearchParams({ query: text, format })}`;
      this.downloads.append(element("a", { href, download: `resultaat.${format}` }, `Download ${name}`), " ");
    }
  }

  async showTable(vars, bindings, truncated) {
    const labels = await this.labelsFor(bindings);
    this.clearResults();
    const count = this.lang === "en" ? `${bindings.length} rows` : `${bindings.length} rijen`;
    const meta = element("p", { class: "results-meta", id: "results-count" }, count + (truncated ? ` (${truncated}+)` : ""));
    this.results.append(meta);
    const chart = chartFor(vars, bindings, labels);
    if (chart) this.results.append(chart);
    const wrap = element("div", { class: "table-wrap" });
    const table = element("table", { class: "results-table", id: "results-table" });
    const head = element("thead");
    const headRow = element("tr");
    for (const name of vars) headRow.append(element("th", { scope: "col" }, name));
    head.append(headRow);
    const body = element("tbody");
    for (const row of bindings) {
      const tr = element("tr");
      for (const name of vars) tr.append(cellFor(row[name], labels));
      body.append(tr);
    }
    table.append(head, body);
    wrap.append(table);
    this.results.append(wrap);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("query-form");
  if (form) {
    const page = new QueryPage(form);
    page.start();
    window.mhkgQueryEditor = page;
  }
});
