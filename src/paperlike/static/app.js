// paperlike's page: plain JavaScript over the service's JSON endpoints, nothing fetched from
// elsewhere. Views are chosen by the address's #fragment: #/search?q=..., #/paper/ID,
// #/lists, #/lists/NAME, #/review, #/graph?q=...
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const SVG = "http://www.w3.org/2000/svg";
const FEED_DAYS = 7;  // a list's feed looks back this many days unless told (as GET /lists/NAME/feed)
const SHOWN_PAIRS = 50;  // review pairs shown at once: each fetches its two records
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"];

// -- Small helpers ------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = attrs.svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false || key === "svg") continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const enc = encodeURIComponent;

class ApiError extends Error {
  constructor(status, message, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

// One request to the service; its error answer ({"error": ...}) becomes an ApiError.
async function call(method, path, body) {
  const options = { method, headers: { accept: "application/json" } };
  if (body !== undefined) {
    options.headers["content-type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let answer;
  try {
    answer = await fetch(path, options);
  } catch (exc) {
    throw new ApiError(0, `the server does not answer (${exc.message})`, 0);
  }
  if (answer.status === 204) return null;
  const type = answer.headers.get("content-type") || "";
  const data = type.includes("json") ? await answer.json().catch(() => null) : await answer.text();
  if (!answer.ok) {
    const message = (data && data.error) || `${answer.status} ${answer.statusText}`;
    throw new ApiError(answer.status, message, Number(answer.headers.get("retry-after")) || 0);
  }
  return data;
}

// A costly request answered 503 (busy, or the review queue being computed) is tried again
// after its Retry-After, a few times, saying so.
async function patiently(method, path, body, tries = 8) {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await call(method, path, body);
      if (attempt > 1) say("");
      return answer;
    } catch (exc) {
      if (!(exc instanceof ApiError) || exc.status !== 503 || attempt >= tries) throw exc;
      say(`${exc.message} (trying again, ${attempt} of ${tries - 1})`);
      await new Promise((done) => setTimeout(done, 1000 * Math.min(exc.retryAfter || 2, 5)));
    }
  }
}

function showError(exc) {
  const box = $("#error");
  box.textContent = `Error: ${exc.message}`;
  box.hidden = false;
  say("");
}

function clearError() {
  const box = $("#error");
  box.hidden = true;
  box.textContent = "";
}

function say(text) {
  $("#status").textContent = text;
}

// Runs an action: clears the last error, shows a new one.
async function guarded(action) {
  clearError();
  try {
    return await action();
  } catch (exc) {
    showError(exc);
    return undefined;
  }
}

// The link of a paper: the result's own (url) when the service gives one, else its arXiv id's
// abstract page or its DOI's doi.org page. Results that carry authors, date or year, venue and
// url show them; the page reads whichever of these fields an answer has.
function paperLink(paper) {
  if (paper.link) return paper.link;
  if (paper.url) return paper.url;
  if (paper.arxiv) return `https://arxiv.org/abs/${paper.arxiv}`;
  const id = String(paper.id || "").split("#")[0];
  const arxiv = id.replace(/^arxiv:/i, "").match(/^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/);
  if (arxiv) return `https://arxiv.org/abs/${arxiv[1]}`;
  const doi = paper.doi || (id.match(/^10\.\d{4,9}\/\S+$/) ? id : null);
  if (doi) return `https://doi.org/${doi}`;
  return null;
}

function authorsText(authors) {
  if (!authors || !authors.length) return null;
  const names = authors.map((a) => (typeof a === "string" ? a : a.name || String(a)));
  return names.length > 4 ? `${names.slice(0, 3).join(", ")} et al.` : names.join(", ");
}

function versionsOf(paper) {
  const versions = paper.versions || [];
  return versions.map((v) => (typeof v === "string" ? v : v.id || JSON.stringify(v)));
}

// -- Reading lists: which one the buttons add to -------------------------------------------------

const lists = {
  names: [],
  current: localStorage.getItem("paperlike.list") || "",

  async refresh() {
    this.names = await call("GET", "/lists");
    const select = $("#current-list");
    select.replaceChildren(el("option", { value: "" }, "(a new list)"),
      ...this.names.map((l) => el("option", { value: l.name }, `${l.name} (${l.like} liked)`)));
    if (!this.names.some((l) => l.name === this.current)) this.current = this.names.length ? this.names[0].name : "";
    select.value = this.current;
  },

  choose(name) {
    this.current = name;
    localStorage.setItem("paperlike.list", name);
  },

  // The list to add to: the one chosen, or a new one named "Reading list" (or the name asked).
  async target() {
    if (this.current) return this.current;
    let name = "Reading list";
    for (let n = 2; this.names.some((l) => l.name === name); n++) name = `Reading list ${n}`;
    await call("POST", "/lists", { name });
    this.choose(name);
    await this.refresh();
    return name;
  },

  async add(paper, role) {
    const name = await this.target();
    await call("POST", `/lists/${enc(name)}/papers`, { id: paper.id, role, title: paper.title || paper.label || null });
    await this.refresh();
    const title = paper.title || paper.label || paper.id;
    say(role === "like" ? `Added “${title}” to ${name}.` : `Marked “${title}” not interested in ${name}.`);
    return name;
  },
};

// -- Results ------------------------------------------------------------------------------------

function resultItem(result, rank) {
  const title = result.title || result.label || result.id;
  const link = paperLink(result);
  const date = result.date || result.year;
  const versions = versionsOf(result);
  const meta = [authorsText(result.authors), date, result.venue, `score ${Number(result.score).toFixed(3)}`]
    .filter(Boolean).join(" · ");
  const likeButton = el("button", {
    type: "button", class: "good", "aria-label": `Like: add “${title}” to the reading list`,
    onclick: (event) => guarded(async () => {
      await lists.add(result, "like");
      event.target.textContent = "Liked";
    }),
  }, "Like");
  const notButton = el("button", {
    type: "button", class: "bad", "aria-label": `Not interested in “${title}”`,
    onclick: (event) => guarded(async () => {
      await lists.add(result, "not");
      event.target.textContent = "Not interested ✓";
    }),
  }, "Not interested");
  return el("li", { class: "result", "data-id": result.id },
    el("h3", {}, el("span", { class: "rank" }, `${rank}.`),
      el("a", { href: `#/paper/${enc(result.id)}`, class: "open" }, title)),
    el("p", { class: "meta" }, meta),
    result.terms && result.terms.length
      ? el("p", { class: "terms" }, "Why: shares ", result.terms.map((t, i) => [i ? " " : "", el("mark", {}, t)]))
      : null,
    versions.length ? el("p", { class: "meta" }, `Versions: ${versions.join(", ")}`) : null,
    el("div", { class: "actions" },
      el("a", { class: "button secondary", href: `#/search?kind=id&q=${enc(result.id)}`,
        "aria-label": `Papers like “${title}”` }, "Papers like this"),
      likeButton, notButton,
      el("a", { class: "button secondary", href: `#/graph?q=${enc(result.id)}`,
        "aria-label": `Graph of “${title}”` }, "Graph"),
      link ? el("a", { href: link, rel: "noopener noreferrer", target: "_blank" }, "Link ↗") : null));
}

function renderResults(box, answer, empty) {
  const results = answer.results || [];
  if (!results.length) {
    box.replaceChildren(el("p", { class: "muted" }, answer.empty || empty));
    return;
  }
  box.replaceChildren(el("ol", {}, results.map((r, i) => resultItem(r, r.rank || i + 1))));
}

function queryText(query) {
  if (!query) return "";
  if (query.id) return `the paper ${query.id}${query.title ? ` (${query.title})` : ""}`;
  return `${query.kind} “${query.text}”`;
}

// -- Views --------------------------------------------------------------------------------------

function searchParams() {
  const form = $("#search-form");
  const params = new URLSearchParams();
  params.set("q", form.q.value.trim());
  for (const name of ["since", "until", "kind"]) if (form[name].value.trim()) params.set(name, form[name].value.trim());
  for (const category of form.category.value.split(/[\s,]+/).filter(Boolean)) params.append("category", category);
  params.set("k", form.k.value || "10");
  if (form.diverse.checked) params.set("diverse", "true");
  return params;
}

async function showSearch(params) {
  const form = $("#search-form");
  form.q.value = params.get("q") || "";
  for (const name of ["since", "until", "kind"]) form[name].value = params.get(name) || "";
  form.category.value = params.getAll("category").join(" ");
  form.k.value = params.get("k") || "10";
  form.diverse.checked = params.get("diverse") === "true";
  const box = $("#search-results");
  if (!params.get("q")) {
    box.replaceChildren();
    return;
  }
  say("Searching…");
  box.setAttribute("aria-busy", "true");
  try {
    const answer = await call("GET", `/similar?${params}`);
    box.replaceChildren(el("p", { class: "muted" }, `Like ${queryText(answer.query)}:`));
    const results = el("div");
    renderResults(results, answer, "No paper passes these filters.");
    box.append(results);
    say(`${(answer.results || []).length} results.`);
  } finally {
    box.removeAttribute("aria-busy");
  }
}

async function showPaper(id) {
  const card = $("#paper");
  card.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  $("#paper-similar").replaceChildren();
  const paper = await call("GET", `/papers/${enc(id)}`);
  const link = paperLink(paper);
  const fields = [
    ["Authors", (paper.authors || []).join(", ")],
    ["Date", paper.date || paper.year],
    ["Venue", [paper.venue, paper.volume && `vol. ${paper.volume}`, paper.issue && `no. ${paper.issue}`,
      paper.pages && `pp. ${paper.pages}`].filter(Boolean).join(", ")],
    ["Categories", (paper.categories || []).join(" ")],
    ["DOI", paper.doi],
    ["Id", paper.id],
    ["Versions", versionsOf(paper).join(", ")],
  ].filter(([, value]) => value);
  card.replaceChildren(
    el("h1", { id: "paper-heading" }, paper.title || paper.id),
    el("dl", { class: "fields" }, fields.map(([name, value]) => [el("dt", {}, name), el("dd", {}, value)])),
    paper.abstract ? el("p", { class: "abstract" }, paper.abstract) : null,
    el("div", { class: "actions" },
      el("button", { type: "button", class: "good", onclick: (e) => guarded(async () => {
        await lists.add(paper, "like"); e.target.textContent = "Liked"; }) }, "Like"),
      el("button", { type: "button", class: "bad", onclick: (e) => guarded(async () => {
        await lists.add(paper, "not"); e.target.textContent = "Not interested ✓"; }) }, "Not interested"),
      el("a", { class: "button secondary", href: `#/graph?q=${enc(paper.id)}` }, "Graph"),
      link ? el("a", { href: link, rel: "noopener noreferrer", target: "_blank" }, "Link ↗") : null));
  const similar = await call("GET", `/similar?kind=id&k=10&q=${enc(paper.id)}`);
  renderResults($("#paper-similar"), similar, "No other paper is like this one.");
}

async function showLists(name) {
  await lists.refresh();
  $("#lists").replaceChildren(...lists.names.map((l) => el("li", {},
    el("a", { href: `#/lists/${enc(l.name)}`, "aria-current": l.name === name ? "true" : null },
      `${l.name} · ${l.like} liked, ${l.not} not`))));
  const detail = $("#list-detail");
  if (!name) {
    detail.replaceChildren(el("p", { class: "muted" }, lists.names.length
      ? "Choose a list." : "No list yet: like a search result, or create a list here."));
    return;
  }
  const list = await call("GET", `/lists/${enc(name)}`);
  lists.choose(list.name);
  $("#current-list").value = list.name;
  const rows = list.items.map((item) => el("tr", { "data-id": item.id },
    el("td", {}, el("a", { href: `#/paper/${enc(item.id)}` }, item.title || item.id)),
    el("td", {}, el("span", { class: `tag ${item.role}` }, item.role === "like" ? "liked" : "not interested")),
    el("td", { class: "muted" }, item.id),
    el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": `Remove “${item.title || item.id}”`,
      onclick: () => guarded(async () => {
        await call("DELETE", `/lists/${enc(list.name)}/papers/${enc(item.id)}`);
        await showLists(list.name);
      }) }, "Remove"))));
  const recommendations = el("div", { id: "recommendations", class: "results" });
  const feedBox = el("div", { id: "list-feed", class: "results" });
  const feedForm = el("form", { id: "feed-form", class: "row", "aria-labelledby": "feed-heading",
    onsubmit: (event) => {
      event.preventDefault();
      const since = feedForm.since.value.trim();
      guarded(() => (since ? listFeed(list, since, feedBox)
        : Promise.reject(new Error("give a date (YYYY-MM-DD) to look back to"))));
    } },
  el("label", { for: "feed-since" }, "Added since"),
  el("input", { id: "feed-since", name: "since", inputmode: "numeric", placeholder: "YYYY-MM-DD", size: 10,
    value: weekAgo() }),
  el("button", { type: "submit" }, "Show new papers"));
  detail.replaceChildren(
    el("h2", { id: "list-heading" }, list.name),
    list.items.length
      ? el("table", { "aria-labelledby": "list-heading" },
        el("thead", {}, el("tr", {}, el("th", {}, "Paper"), el("th", {}, "Role"), el("th", {}, "Id"),
          el("th", {}, el("span", { class: "muted" }, "Action")))),
        el("tbody", {}, rows))
      : el("p", { class: "muted" }, "This list is empty: like papers from the search results."),
    el("div", { class: "actions" },
      el("button", { type: "button", id: "recommend", onclick: () => guarded(() => recommend(list, recommendations)) },
        "Recommend from this list"),
      el("a", { class: "button secondary", id: "export-bibtex", download: `${list.name}.bib`,
        href: `/lists/${enc(list.name)}/export?format=bibtex` }, "Export BibTeX"),
      el("a", { class: "button secondary", id: "export-ris", download: `${list.name}.ris`,
        href: `/lists/${enc(list.name)}/export?format=ris` }, "Export RIS"),
      el("button", { type: "button", class: "bad", onclick: () => guarded(async () => {
        if (!window.confirm(`Delete the list “${list.name}”?`)) return;
        await call("DELETE", `/lists/${enc(list.name)}`);
        location.hash = "#/lists";
      }) }, "Delete list")),
    el("h2", {}, "Recommended"),
    recommendations,
    el("h2", { id: "feed-heading" }, "New papers like this list"),
    feedForm,
    feedBox);
  if (list.items.some((item) => item.role === "like")) {
    await recommend(list, recommendations);
    await listFeed(list, feedForm.since.value, feedBox);
  } else {
    recommendations.replaceChildren(el("p", { class: "muted" }, "Like a paper to get recommendations."));
    feedBox.replaceChildren(el("p", { class: "muted" }, "Like a paper to see the new papers like it."));
  }
}

// A week ago, as the feed's date input shows it (YYYY-MM-DD, UTC): the feed's default window.
function weekAgo() {
  return new Date(Date.now() - FEED_DAYS * 86400000).toISOString().slice(0, 10);
}

// The list's feed: the papers added to the model since a date, ranked for the list (GET
// /lists/NAME/feed, which only looks back: the command line's feed state does not move).
async function listFeed(list, since, box) {
  say("Finding new papers…");
  box.setAttribute("aria-busy", "true");
  try {
    const answer = await patiently("GET", `/lists/${enc(list.name)}/feed?since=${enc(since)}&k=10`);
    const results = el("div");
    renderResults(results, answer, "No new paper is like this list.");
    box.replaceChildren(el("p", { class: "muted" }, `${answer.new_papers} papers added since ${since}`
      + (answer.results.length ? `; the ${answer.results.length} most like this list:` : ".")), results);
    say(`${answer.results.length} new papers like ${list.name}.`);
  } finally {
    box.removeAttribute("aria-busy");
  }
}

// Recommendations from a list: the liked papers as positives, the others as negatives.
async function recommend(list, box) {
  const like = list.items.filter((i) => i.role === "like").map((i) => i.id);
  const not = list.items.filter((i) => i.role === "not").map((i) => i.id);
  if (!like.length) throw new ApiError(0, "like at least one paper of this list first", 0);
  say("Recommending…");
  const answer = await patiently("POST", "/recommend", { like, not, k: 10 });
  const unknown = (answer.inputs || []).filter((i) => i.status === "unknown");
  renderResults(box, answer, "Nothing to recommend.");
  if (unknown.length) {
    box.prepend(el("p", { class: "muted" }, `Left out (not in this model): ${unknown.map((i) => i.given).join(", ")}`));
  }
  say(`${(answer.results || []).length} recommendations.`);
}

function evidenceList(evidence) {
  const shown = Object.entries(evidence || {}).filter(([, v]) => v !== null && v !== undefined && v !== false);
  if (!shown.length) return null;
  return el("dl", { class: "evidence" }, shown.map(([key, value]) => el("div", {}, el("dt", {}, key),
    el("dd", {}, typeof value === "number" ? String(Math.round(value * 1000) / 1000)
      : Array.isArray(value) ? value.join(", ") : String(value)))));
}

async function showReview() {
  const box = $("#review-pairs");
  box.replaceChildren(el("p", { class: "muted" }, "Loading the review queue…"));
  const pairs = await patiently("GET", "/review");
  if (!pairs.length) {
    box.replaceChildren(el("p", { class: "muted" }, "Nothing to review: every pair the rules were unsure of is decided."));
    return;
  }
  box.replaceChildren(el("p", {}, pairs.length === 1 ? "1 pair to decide." : `${pairs.length} pairs to decide`
    + (pairs.length > SHOWN_PAIRS ? `; the first ${SHOWN_PAIRS} are shown.` : ".")),
    el("ol", { class: "results" }, pairs.slice(0, SHOWN_PAIRS).map((pair, i) => {
      const decide = (verdict) => guarded(async () => {
        const report = await patiently("POST", "/decide", { verdict, ids: [pair.a, pair.b] });
        const [pa, pb] = [report.papers[pair.a], report.papers[pair.b]];
        if (verdict === "different") say(`Recorded: ${pair.a} and ${pair.b} are different papers.`);
        else if (pa === pb) say(`Recorded: ${pair.a} and ${pair.b} are one paper (${pa}).`);
        else say(`Recorded, but a rule keeps them apart: ${pair.a} is of paper ${pa}, ${pair.b} of ${pb}.`);
        await showReview();
      });
      const side = (id, title) => {
        const box = el("div", { class: "side" },
          el("a", { href: `#/paper/${enc(id)}` }, title || id), el("p", { class: "meta" }, id));
        // What a person compares: authors, date, venue, pages, DOI (fetched after the queue shows).
        call("GET", `/papers/${enc(id)}`).then((record) => {
          const facts = [authorsText(record.authors), record.date, record.venue,
            record.volume && `vol. ${record.volume}`, record.pages && `pp. ${record.pages}`,
            record.doi && `doi ${record.doi}`].filter(Boolean).join(" · ");
          if (facts) box.append(el("p", { class: "meta" }, facts));
        }).catch(() => {});
        return box;
      };
      return el("li", { class: "pair", "aria-labelledby": `pair-${i}` },
        el("h3", { id: `pair-${i}` }, `Pair ${i + 1}: score ${Number(pair.score).toFixed(3)}`),
        el("div", { class: "sides" }, side(pair.a, pair.title_a), side(pair.b, pair.title_b)),
        evidenceList(pair.evidence),
        el("div", { class: "actions" },
          el("button", { type: "button", class: "good", onclick: () => decide("same"),
            "aria-label": `Same paper: ${pair.a} and ${pair.b}` }, "Same paper"),
          el("button", { type: "button", class: "bad", onclick: () => decide("different"),
            "aria-label": `Different papers: ${pair.a} and ${pair.b}` }, "Different papers")));
    })));
}

async function showGraph(params) {
  const form = $("#graph-form");
  form.q.value = params.get("q") || "";
  form.k.value = params.get("k") || "10";
  const box = $("#graph");
  if (!params.get("q")) {
    box.replaceChildren(el("p", { class: "muted" }, "A paper and its nearest papers; lines join papers alike."));
    return;
  }
  say("Drawing…");
  const graph = await patiently("GET", `/graph?q=${enc(form.q.value.trim())}&k=${enc(form.k.value || "10")}`);
  const colours = new Map();
  for (const node of graph.nodes) {
    if (!colours.has(node.category)) colours.set(node.category, PALETTE[colours.size % PALETTE.length]);
  }
  const at = new Map(graph.nodes.map((node, i) => [node.id, graph.places[i]]));
  const svg = el("svg", { svg: true, viewBox: `0 0 ${graph.width} ${graph.height}`, role: "group",
    "aria-label": `Graph of ${queryText(graph.query)} and ${graph.nodes.length - 1} neighbours` });
  for (const edge of graph.edges) {
    const a = at.get(edge.source), b = at.get(edge.target);
    const fromQuery = edge.source === graph.nodes[0].id;
    svg.append(el("line", { svg: true, class: fromQuery ? "edge query" : "edge", x1: a.x, y1: a.y, x2: b.x, y2: b.y,
      "stroke-width": (0.6 + 5 * edge.weight).toFixed(2), "stroke-opacity": (0.25 + 0.6 * edge.weight).toFixed(2) }));
  }
  graph.nodes.forEach((node, i) => {
    const place = graph.places[i];
    const label = el("text", { svg: true, x: place.lx, y: place.ly, "text-anchor": place.anchor },
      place.lines.map((line, j) => el("tspan", { svg: true, x: place.lx, dy: j ? "1.2em" : 0 }, line)));
    const shape = [el("title", { svg: true }, `${node.title || node.label} (score ${node.score.toFixed(3)})`),
      el("circle", { svg: true, cx: place.x, cy: place.y, r: place.r, fill: colours.get(node.category) }), label];
    const name = `${i ? `${i}. ` : "Query: "}${node.title || node.label}`;
    svg.append(node.id === "query"
      ? el("g", { svg: true, class: "node query" }, shape)
      : el("a", { svg: true, class: i ? "node" : "node query", href: `#/paper/${enc(node.id)}`, "aria-label": name }, shape));
  });
  const legend = el("p", { class: "meta legend" }, [...colours].map(([category, colour], i) => [i ? " · " : "",
    el("svg", { svg: true, width: 12, height: 12, "aria-hidden": "true" },
      el("circle", { svg: true, cx: 6, cy: 6, r: 5, fill: colour })), " ", category || "no category"]));
  box.replaceChildren(svg, legend, el("h2", {}, "Neighbours"),
    el("ol", {}, graph.nodes.slice(1).map((node) => el("li", {},
      el("a", { href: `#/paper/${enc(node.id)}` }, node.title || node.label),
      el("span", { class: "muted" }, ` · ${node.score.toFixed(3)}${node.terms.length ? ` · ${node.terms.join(", ")}` : ""}`)))));
  say(`${graph.nodes.length - 1} neighbours, ${graph.edges.length} lines.`);
}

// -- Routing ------------------------------------------------------------------------------------

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = hash.split("?");
  const params = new URLSearchParams(query);
  const [head, ...rest] = path.split("/");
  const arg = rest.length ? decodeURIComponent(rest.join("/")) : "";
  const views = { "": "search", search: "search", paper: "paper", lists: "lists", review: "review", graph: "graph" };
  const view = views[head] || "search";
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === (view === "paper" ? "search" : view)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `paperlike · ${{ search: "search", paper: "paper", lists: "reading lists", review: "review", graph: "graph" }[view]}`;
  return guarded(async () => {
    if (view === "search") await showSearch(params);
    else if (view === "paper") await showPaper(arg);
    else if (view === "lists") await showLists(arg);
    else if (view === "review") await showReview();
    else await showGraph(params);
  });
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function start() {
  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!$("#q").value.trim()) {
      showError(new Error("type a paper's id, a title, a link or some text to search for"));
      $("#q").focus();
      return;
    }
    go(`#/search?${searchParams()}`);
  });
  $("#graph-form").addEventListener("submit", (event) => {
    event.preventDefault();
    go(`#/graph?q=${enc($("#graph-q").value.trim())}&k=${enc($("#graph-k").value || "10")}`);
  });
  $("#new-list-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => {
      const name = $("#new-list-name").value.trim();
      const list = await call("POST", "/lists", { name });
      $("#new-list-name").value = "";
      lists.choose(list.name);
      go(`#/lists/${enc(list.name)}`);
    });
  });
  $("#current-list").addEventListener("change", (event) => lists.choose(event.target.value));
  window.addEventListener("hashchange", () => {
    route();
    $("#main").focus({ preventScroll: true });
  });
  guarded(async () => {
    const health = await call("GET", "/health");
    $("#health").textContent = `${health.model || "model"} · ${health.papers.toLocaleString()} papers`;
    await lists.refresh();
  });
  route();
}

start();
