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

// One time zone everywhere: the school's, from the page, with its name shown (GMT/BST), never the browser's own.
const timeZone = document.querySelector('meta[name="time-zone"]')?.content || "Europe/London";
const when = iso => new Date(iso).toLocaleString("en-GB",
  { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone, timeZoneName: "short" });

// A message that survives the reload an action causes, then is shown in the page's status region and focused,
// so a screen reader hears what happened and keyboard focus lands next to it, not at the top of the page.
const flash = document.querySelector("#flash");
if (flash && sessionStorage.getItem("flash")) {
  flash.textContent = sessionStorage.getItem("flash");
  sessionStorage.removeItem("flash");
  flash.focus?.();
}

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
    else if (form.dataset.render === "password") form.querySelector("output").textContent = result.password
      ? `Created ${result.name}. One-time password (shown once): ${result.password}`
      : `Created ${result.name}; they sign in through ${result.signIn}.`;
    else if (form.dataset.render === "reset") form.querySelector("output").textContent =
      `New one-time password for ${result.name} (shown once; their sessions have ended): ${result.password}`;
    else if (form.dataset.done === "acknowledged") acknowledged(form, result);
    else if (form.dataset.reload !== undefined) {
      sessionStorage.setItem("flash", form.dataset.done ?? "Done.");
      location.reload();
    }
  } catch (e) {
    // The error sits beside the form (role="alert" announces it) and names the field when there is one.
    if (error) {
      error.textContent = e.message;
      const field = form.querySelector("input, select, textarea");
      if (field) { field.setAttribute("aria-invalid", "true"); field.setAttribute("aria-describedby", error.id || (error.id = `err-${Math.random().toString(36).slice(2)}`)); field.focus(); }
    } else alert(e.message);
  } finally {
    if (button && form.isConnected && form.dataset.done !== "acknowledged") button.disabled = false;
  }
});

// Acknowledge on the alert page: the status changes where it is, the button says so and keeps focus.
function acknowledged(form, result) {
  const status = document.querySelector("#status");
  if (status) { status.textContent = result.status; status.className = `status ${result.status}`; }
  const button = form.querySelector("button");
  button.disabled = true;
  button.textContent = "Acknowledged";
  if (flash) flash.textContent = "Acknowledged. Escalation reminders for this alert are cancelled.";
}

// A stored screenshot that cannot be loaded says so, instead of a broken image.
document.querySelectorAll("img#shot").forEach(img => img.addEventListener("error", () => {
  img.replaceWith(el("p", { class: "unavailable", id: "shot-unavailable" }, "Screenshot unavailable: it could not be loaded."));
}));

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
  const announce = document.querySelector("#announce");
  const pause = document.querySelector("#pause");
  const notify = document.querySelector("#notify");
  const pageInfo = document.querySelector("#page-info");
  const prev = document.querySelector("#prev"), next = document.querySelector("#next");
  const baseTitle = document.title;
  const pageSize = 50;
  const known = new Set();
  let first = true, timer = null, paused = false, missed = 0, offset = 0, total = 0;

  const query = () => new URLSearchParams([...new FormData(filters)].filter(([, v]) => v !== "")).toString();

  const rowKey = a => `${a.status}|${a.severity}|${a.updatedAt}`;
  function row(a) {
    const pupil = a.pupilName ? `${a.pupilName}${a.yearGroup ? ` (${a.yearGroup})` : ""}` : a.userLogin;
    const tr = el("tr", { class: `sev-${a.severity} status-${a.status}`, "data-alert-id": a.alertId, "data-key": rowKey(a) },
      el("td", { "data-label": "Severity" }, el("span", { class: `badge sev-${a.severity}` }, a.severity)),
      el("td", { "data-label": "Concern" }, el("a", { href: `/alerts/${encodeURIComponent(a.alertId)}` }, a.categories.join(", ").replaceAll("-", " ")),
        // No keyword rule matched: the risk model raised it. Said in words, so a DSL judges it knowing that (issue 13).
        a.modelOnly ? el("span", { class: "tag model-only", title: "No keyword rule matched; the risk model raised this alert. Open it for the scores and phrases." }, "model-only") : "",
        a.snippet ? el("span", { class: "snippet" }, a.snippet) : ""),
      el("td", { "data-label": "Pupil" }, pupil, a.pupilName ? el("span", { class: "muted login" }, a.userLogin) : ""),
      el("td", { "data-label": "School" }, a.schoolId),
      el("td", { "data-label": "When" }, el("time", { datetime: a.occurredAt }, when(a.occurredAt)), el("span", { class: "muted source" }, a.source)),
      el("td", { "data-label": "Status" }, el("span", { class: `status ${a.status}` }, a.status)),
      el("td", { "data-label": "" }, a.status === "new"
        ? el("button", { type: "button", class: "primary ack", "data-ack": a.alertId, "aria-label": `Acknowledge ${a.severity} ${a.categories.join(", ")} alert for ${pupil}` }, "Acknowledge")
        : ""));
    return tr;
  }

  // Rows are changed in place: a row that did not change is left alone, so keyboard focus inside it stays where it is.
  function render(alerts) {
    const body = queue.tBodies[0];
    const wanted = new Set(alerts.map(a => a.alertId));
    for (const gone of [...body.rows].filter(r => !wanted.has(r.dataset.alertId))) gone.remove();
    const existing = new Map([...body.rows].map(r => [r.dataset.alertId, r]));
    const fresh = [];
    let cursor = body.firstElementChild;
    for (const a of alerts) {
      let tr = existing.get(a.alertId);
      if (tr && tr.dataset.key !== rowKey(a)) {
        const replacement = row(a);
        const hadFocus = tr.contains(document.activeElement);
        tr.replaceWith(replacement);
        if (cursor === tr) cursor = replacement;
        tr = replacement;
        if (hadFocus) (tr.querySelector("button, a") ?? tr).focus();
      }
      if (!tr) {
        tr = row(a);
        if (!first && !known.has(a.alertId)) { tr.classList.add("fresh"); fresh.push(a); }
      }
      existing.delete(a.alertId);
      known.add(a.alertId);
      if (tr !== cursor) body.insertBefore(tr, cursor); else cursor = cursor.nextElementSibling;
    }
    return fresh;
  }

  function tell(fresh) {
    if (fresh.length === 0) return;
    // Polite: read out after whatever the person is hearing now, never interrupting.
    announce.textContent = fresh.length === 1
      ? `New ${fresh[0].severity} alert: ${fresh[0].categories.join(", ").replaceAll("-", " ")}, ${fresh[0].schoolId}.`
      : `${fresh.length} new alerts, the most severe ${fresh[0].severity}: ${fresh[0].categories.join(", ").replaceAll("-", " ")}.`;
    const serious = fresh.filter(a => a.severityLevel >= 4);
    if (serious.length > 0 && notify?.checked) {
      beep();
      if ("Notification" in window && Notification.permission === "granted") {
        // No pupil name in a desktop notification: it can show on a projector or a shared screen.
        new Notification(`${serious[0].severity} safeguarding alert`, { body: `${serious[0].categories.join(", ")} at ${serious[0].schoolId}`, tag: serious[0].alertId });
      }
    }
  }

  function beep() {
    try {
      const audio = new AudioContext(), tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880; gain.gain.value = 0.15;
      tone.connect(gain).connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.35);
    } catch { /* no audio device */ }
  }

  async function load(background = false) {
    const params = new URLSearchParams(query());
    params.set("limit", pageSize); params.set("offset", offset);
    const response = await fetch(`/api/v1/alerts?${params}`,
      { credentials: "same-origin", headers: background ? { "X-Console-Background": "live" } : {} });
    if (response.status === 401) { signedOut(); return; }
    if (!response.ok) { live.textContent = `could not load alerts (${response.status})`; live.classList.remove("on"); return; }
    const alerts = await response.json();
    // A live redraw whose answer comes back after Pause is held too: Pause means the rows do not move.
    if (background && paused) { held(); return; }
    total = Number(response.headers.get("X-Total-Count") ?? alerts.length);
    tell(render(alerts));
    document.querySelector("#empty").hidden = alerts.length > 0;
    const shown = alerts.length === 0 ? "0" : `${offset + 1}–${offset + alerts.length}`;
    document.querySelector("#count").textContent = `${shown} of ${total.toLocaleString("en-GB")}`;
    pageInfo.textContent = `Page ${Math.floor(offset / pageSize) + 1} of ${Math.max(1, Math.ceil(total / pageSize))}`;
    prev.disabled = offset === 0; next.disabled = offset + pageSize >= total;
    first = false;
    await countUnacknowledged(background);
  }

  // The tab title counts every alert still waiting for acknowledgement that this person may see, whatever page or
  // filter the queue shows: a DSL on page 2, or filtered to one school, must still see that 3 are waiting.
  async function countUnacknowledged(background) {
    const response = await fetch("/api/v1/alerts?status=new&limit=1",
      { credentials: "same-origin", headers: background ? { "X-Console-Background": "live" } : {} });
    if (!response.ok) return;
    const waiting = Number(response.headers.get("X-Total-Count") ?? 0);
    document.title = waiting > 0 ? `(${waiting}) ${baseTitle}` : baseTitle;
  }

  // While paused, changes are counted, not drawn; Resume draws them all at once.
  const held = () => { missed++; pause.textContent = `Resume live updates (${missed} waiting)`; };
  const soon = () => {
    if (paused) { held(); return; }
    clearTimeout(timer); timer = setTimeout(() => { timer = null; load(true); }, 250);
  };
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume live updates" : "Pause live updates";
    // A change signalled just before Pause (its redraw still waiting 250 ms) is held like one signalled after it.
    if (paused && timer !== null) { clearTimeout(timer); timer = null; held(); }
    if (!paused) { missed = 0; load(); }
  });
  notify.checked = localStorage.getItem("notify") === "on";
  notify.addEventListener("change", async () => {
    localStorage.setItem("notify", notify.checked ? "on" : "off");
    if (notify.checked && "Notification" in window && Notification.permission === "default") await Notification.requestPermission();
  });
  // Another page or other filters show rows that are not new, only new to this view: not announced.
  prev.addEventListener("click", () => { offset = Math.max(0, offset - pageSize); first = true; load(); });
  next.addEventListener("click", () => { offset += pageSize; first = true; load(); });
  const refilter = () => { offset = 0; first = true; history.replaceState(null, "", `?${query()}`); load(); };
  filters.addEventListener("change", refilter);
  filters.addEventListener("submit", e => { e.preventDefault(); refilter(); });

  // Acknowledge from the queue: the row changes in place, focus moves to the row's link, the result is announced.
  queue.addEventListener("click", async event => {
    const button = event.target.closest?.("[data-ack]");
    if (!button) return;
    button.disabled = true;
    const status = document.querySelector("#flash");
    try {
      await postJson(`/api/v1/alerts/${encodeURIComponent(button.dataset.ack)}/acknowledge`);
      const tr = button.closest("tr");
      status.textContent = "Acknowledged.";
      await load();
      (queue.querySelector(`tr[data-alert-id="${CSS.escape(tr.dataset.alertId)}"] a`))?.focus();
    } catch (e) {
      button.disabled = false;
      status.textContent = "";
      const error = el("p", { class: "error", role: "alert" }, `Could not acknowledge: ${e.message}`);
      status.after(error);
      setTimeout(() => error.remove(), 10000);
    }
  });

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
