// AlertPipeline console: a little vanilla JS on server-rendered pages (no build step, no inline script: the
// Content-Security-Policy allows only this file). Every state-changing call sends the page's anti-forgery token.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-TOKEN": csrf() },
    body: JSON.stringify(body ?? {}),
    credentials: "same-origin",
  });
  let data = null;
  try { data = await response.json(); } catch { /* an empty body */ }
  if (!response.ok) throw new Error(data?.error ?? `the server answered ${response.status}`);
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v; else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

const when = iso => new Date(iso).toLocaleString("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" });

// ---- forms that call the API (triage, list edits, accounts, test-a-text) ----
document.addEventListener("submit", async event => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
  event.preventDefault();
  const body = {};
  for (const [k, v] of new FormData(form)) if (k !== "__RequestVerificationToken") body[k] = v;
  const error = form.querySelector(".form-error");
  const button = form.querySelector("button[type=submit]");
  if (error) error.textContent = "";
  if (button) button.disabled = true;
  try {
    const result = await postJson(form.dataset.api, body);
    if (form.dataset.render === "scan") renderScan(form, result);
    else if (form.dataset.render === "password") form.querySelector("output").textContent =
      `Created ${result.name}. One-time password (shown once): ${result.password}`;
    else if (form.dataset.reload !== undefined) location.reload();
  } catch (e) {
    if (error) error.textContent = e.message; else alert(e.message);
  } finally {
    if (button) button.disabled = false;
  }
});

function renderScan(form, r) {
  const out = form.querySelector("output");
  out.replaceChildren(
    el("p", { class: r.flagged ? "verdict flagged" : "verdict" },
      r.flagged ? `Would alert: ${r.severity} — ${r.categories.join(", ")}` : "Would not alert"),
    el("p", {}, el("strong", {}, "Normalised: "), el("code", {}, r.normalized)),
    r.explanation ? el("p", {}, el("strong", {}, "Why: "), r.explanation) : "",
    r.matches.length ? el("ul", { class: "matches" }, r.matches.map(m =>
      el("li", {}, el("mark", {}, m.matched), ` → rule ${m.rule} (${m.category}, ${m.severity}, ${m.kind}; normalised “${m.normalizedMatch}”)`))) : "");
}

// ---- "graphic" screenshots: fetched only when the DSL asks ----
document.addEventListener("click", event => {
  const button = event.target.closest?.("[data-reveal]");
  if (!button) return;
  const img = document.querySelector(button.dataset.reveal);
  if (!img) return;
  if (img.hidden) {
    if (!img.getAttribute("src")) img.src = img.dataset.src;
    img.hidden = false;
    button.textContent = "Hide screenshot";
  } else {
    img.hidden = true;
    button.textContent = "Show screenshot";
  }
});

// ---- the live queue ----
const queue = document.querySelector("#queue");
if (queue) {
  const filters = document.querySelector("#filters");
  const live = document.querySelector("#live");
  const known = new Set();
  let first = true;
  let timer = null;

  const query = () => new URLSearchParams([...new FormData(filters)].filter(([, v]) => v !== "")).toString();

  // A reload the live stream caused is marked as background, so it does not extend the session's idle timeout.
  async function load(background = false) {
    const response = await fetch(`/api/v1/alerts?${query()}`,
      { credentials: "same-origin", headers: background ? { "X-Console-Background": "live" } : {} });
    if (response.status === 401) { signedOut(); return; }
    if (!response.ok) { live.textContent = `could not load alerts (${response.status})`; return; }
    const alerts = await response.json();
    const body = queue.tBodies[0];
    body.replaceChildren(...alerts.map(a => {
      const fresh = !first && !known.has(a.alertId);
      known.add(a.alertId);
      return el("tr", { class: `sev-${a.severity} status-${a.status}${fresh ? " fresh" : ""}`, "data-alert-id": a.alertId },
        el("td", {}, el("span", { class: `badge sev-${a.severity}` }, a.severity)),
        el("td", {}, el("a", { href: `/alerts/${encodeURIComponent(a.alertId)}` }, a.categories.join(", ").replaceAll("-", " "))),
        el("td", {}, a.userLogin),
        el("td", {}, a.schoolId),
        el("td", {}, a.source),
        el("td", {}, el("time", { datetime: a.occurredAt }, when(a.occurredAt))),
        el("td", {}, el("span", { class: `status ${a.status}` }, a.status)));
    }));
    document.querySelector("#empty").hidden = alerts.length > 0;
    document.querySelector("#count").textContent = `${alerts.length} shown`;
    first = false;
  }

  const soon = () => { clearTimeout(timer); timer = setTimeout(() => load(true), 250); };
  filters.addEventListener("change", () => { history.replaceState(null, "", `?${query()}`); load(); });
  filters.addEventListener("submit", e => { e.preventDefault(); history.replaceState(null, "", `?${query()}`); load(); });

  const stream = new EventSource("/api/v1/events/stream");
  // The session ended (signed out elsewhere, disabled, password changed, idle): say so instead of showing stale rows as live.
  function signedOut() {
    stream.close();
    live.textContent = "Signed out: sign in again to see new alerts";
    live.classList.remove("on");
    document.body.dataset.live = "off";
  }
  stream.addEventListener("ready", () => { live.textContent = "Live"; live.classList.add("on"); document.body.dataset.live = "on"; load(true); });
  stream.addEventListener("alert", soon);
  stream.addEventListener("session-ended", signedOut);
  stream.addEventListener("error", async () => {
    live.textContent = "Reconnecting…"; live.classList.remove("on"); document.body.dataset.live = "off";
    const session = await fetch("/api/v1/session", { credentials: "same-origin", headers: { "X-Console-Background": "live" } }).catch(() => null);
    if (session?.status === 401) signedOut();
  });
  load();
}
