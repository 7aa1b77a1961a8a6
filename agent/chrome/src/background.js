// The agent's service worker: turns navigation, titles and the content script's messages into device events, writes
// them to the durable queue first, and sends the queue to the server. Chrome may stop this worker whenever it is idle
// and start it again on the next event; every listener is registered synchronously at the top level (so Chrome knows
// to wake the worker for it) and waits for `ready`, and nothing that matters lives only in memory.
import { blockedReason, pupilLogin, resolveConfig } from './lib/config.js';
import { buildEvents, newEventId } from './lib/events.js';
import { DurableQueue } from './lib/queue.js';
import { searchFromUrl } from './lib/search.js';
import { Sender } from './lib/sender.js';
import { squeeze, truncate } from './lib/text.js';
import { compileTriggers, firstTrigger } from './lib/triggers.js';

const FLUSH_ALARM = 'flush';
const TRIGGERS_ALARM = 'triggers';
const TRIGGERS_MAX_AGE_MS = 60 * 60 * 1000;
// How long an event waits for its screenshot before it is sent without one.
const SCREENSHOT_WAIT_MS = 10000;
// Batching: an event is sent at most this long after capture when the server is reachable, with whatever else came in.
const BATCH_DELAY_MS = 1000;

const local = chrome.storage.local;
const agent = {
  config: null, origin: 'none', errors: [], email: '', deviceId: '', triggers: [], triggersVersion: null,
  // Per tab: what was last captured, so a title or URL reported twice (history updates, reloads) is one event.
  tabs: new Map(),
  log: [],
};
const queue = new DurableQueue(local, 20000);
const target = () => (agent.config && agent.errors.length === 0 ? { ingestUrl: agent.config.ingestUrl, apiKey: agent.config.apiKey } : null);
const sender = new Sender({
  queue, storage: local, fetchImpl: (...args) => fetch(...args), now: () => Date.now(), getTarget: target,
  log: message => note(message),
});

function note(message) {
  // Kept for the options page's "recent problems" list; the service worker console has the same line.
  agent.log = agent.log.concat({ at: new Date().toISOString(), message }).slice(-20);
  console.info(`[alertpipeline] ${message}`);
}

async function loadConfig() {
  let managed = {};
  try {
    managed = await chrome.storage.managed.get(null);
  } catch (error) {
    note(`managed storage unreadable: ${error?.message ?? error}`);
  }

  const { devConfig } = await local.get('devConfig');
  const { config, origin, errors } = resolveConfig(managed, devConfig ?? {});
  agent.config = config;
  agent.origin = origin;
  agent.errors = errors;
  queue.maxItems = config.maxQueuedEvents;
  for (const error of errors) {
    note(`configuration (${origin}): ${error}`);
  }
}

async function loadIdentity() {
  try {
    const info = await chrome.identity.getProfileUserInfo({ accountStatus: 'ANY' });
    agent.email = info?.email ?? '';
  } catch {
    agent.email = '';
  }

  if (agent.config.deviceId) {
    agent.deviceId = agent.config.deviceId;
    return;
  }

  // The device's id in the Google Admin console, on a managed ChromeOS device where the extension is force-installed.
  if (chrome.enterprise?.deviceAttributes?.getDirectoryDeviceId) {
    const directoryId = await new Promise(resolve => chrome.enterprise.deviceAttributes.getDirectoryDeviceId(resolve));
    if (directoryId) {
      agent.deviceId = directoryId;
      return;
    }
  }

  const { generatedDeviceId } = await local.get('generatedDeviceId');
  agent.deviceId = generatedDeviceId ?? `chrome-${crypto.randomUUID()}`;
  if (!generatedDeviceId) {
    await local.set({ generatedDeviceId: agent.deviceId });
  }
}

async function loadTriggers() {
  const { triggers } = await local.get('triggers');
  agent.triggers = compileTriggers(triggers?.terms);
  agent.triggersVersion = triggers?.version ?? null;
  return triggers;
}

/** GET /api/v1/agent/triggers, with the cached version's ETag; failures keep the cached list. */
async function refreshTriggers(force = false) {
  const cached = await loadTriggers();
  const server = target();
  if (server === null || (!force && cached && Date.now() - cached.fetchedAt < TRIGGERS_MAX_AGE_MS)) {
    return;
  }

  try {
    const headers = { Authorization: `ApiKey ${server.apiKey}` };
    if (cached?.etag) {
      headers['If-None-Match'] = cached.etag;
    }

    const response = await fetch(`${server.ingestUrl}/api/v1/agent/triggers`, { headers });
    if (response.status === 304) {
      await local.set({ triggers: { ...cached, fetchedAt: Date.now() } });
    } else if (response.ok) {
      const body = await response.json();
      await local.set({ triggers: { version: body.version, terms: body.terms, etag: response.headers.get('ETag'), fetchedAt: Date.now() } });
    } else {
      note(`trigger list not fetched: HTTP ${response.status}`);
    }
  } catch (error) {
    note(`trigger list not fetched: ${error?.message ?? error}`);
  }

  await loadTriggers();
}

const ready = (async () => {
  await loadConfig();
  await loadIdentity();
  await queue.open();
  await loadTriggers();
  await chrome.alarms.create(FLUSH_ALARM, { periodInMinutes: 0.5 });
  await chrome.alarms.create(TRIGGERS_ALARM, { periodInMinutes: 60 });
  refreshTriggers().catch(() => {});
  scheduleFlush(0);
})();

let flushTimer = null;
let flushAt = 0;

/** Sends soon (batching what arrives meanwhile); the 30 s alarm is the safety net when the worker was stopped. */
function scheduleFlush(delayMs) {
  const at = Date.now() + delayMs;
  if (flushTimer !== null && flushAt <= at) {
    return;
  }

  clearTimeout(flushTimer);
  flushAt = at;
  flushTimer = setTimeout(async () => {
    flushTimer = null;
    await ready;
    const wait = await sender.flush().catch(error => { note(`send failed: ${error?.message ?? error}`); return 5000; });
    // Within a living worker short waits are timers; long ones (back-off, Retry-After) are left to the alarm.
    if (wait > 0 && wait < 60000) {
      scheduleFlush(wait);
    }
  }, delayMs);
}

/** Why nothing may be captured for this page, or null when it may. */
function gate(url, incognito) {
  return blockedReason({ config: agent.config, errors: agent.errors, login: agent.config && pupilLogin(agent.email, agent.config), url, incognito });
}

function login() {
  const found = pupilLogin(agent.email, agent.config);
  return found ?? (agent.config.captureSignedOut ? `signed-out@${agent.deviceId}` : null);
}

/** Builds, stores and (soon) sends the events of one capture; takes a screenshot first when a trigger matches. */
async function capture({ source, text, url, title, tab }) {
  await ready;
  if (!agent.config.sources.includes(source) || gate(url, tab?.incognito) !== null || text.trim() === '') {
    return;
  }

  const trigger = source === 'url' || source === 'title' || !agent.config.screenshots ? null : firstTrigger(text, agent.triggers);
  const identity = { schoolId: agent.config.schoolId, deviceId: agent.deviceId, userLogin: login() };
  const items = buildEvents({ source, text, url, title, screenshotWanted: trigger !== null }, identity, new Date(), () => newEventId());
  const shotWanted = trigger !== null && tab?.active && tab.windowId !== undefined;
  if (shotWanted) {
    items[0].screenshotDueBy = Date.now() + SCREENSHOT_WAIT_MS;
  }

  const { keys, dropped } = await queue.push(items);
  if (dropped > 0) {
    note(`offline queue full: ${dropped} older events dropped (reported to the server)`);
  }

  if (shotWanted && keys.length > 0) {
    await takeScreenshot(keys[0], items[0], tab);
  }

  scheduleFlush(BATCH_DELAY_MS);
}

async function takeScreenshot(key, item, tab) {
  let screenshot;
  try {
    // A search is captured at navigation, before the results have painted; a moment's wait shows what the pupil saw.
    await new Promise(resolve => setTimeout(resolve, 800));
    const current = await chrome.tabs.get(tab.id);
    if (current.active && !gate(current.url, current.incognito)) {
      screenshot = await chrome.tabs.captureVisibleTab(tab.windowId, { format: 'jpeg', quality: 60 });
    }
  } catch (error) {
    note(`screenshot not taken: ${error?.message ?? error}`);
  }

  const updated = { ...item, screenshotDueBy: 0 };
  if (screenshot) {
    updated.screenshot = screenshot;
  }

  await queue.update({ [key]: updated });
}

function tabMemory(tabId) {
  let memory = agent.tabs.get(tabId);
  if (!memory) {
    memory = { url: '', title: '', search: '' };
    agent.tabs.set(tabId, memory);
  }

  return memory;
}

async function navigated(details) {
  if (details.frameId !== 0) {
    return;
  }

  await ready;
  const memory = tabMemory(details.tabId);
  if (memory.url === details.url) {
    return;
  }

  memory.url = details.url;
  const tab = await chrome.tabs.get(details.tabId).catch(() => null);
  if (tab === null) {
    return;
  }

  const search = searchFromUrl(details.url);
  if (search !== null && search.query !== memory.search) {
    memory.search = search.query;
    await capture({ source: 'search', text: search.query, url: details.url, tab });
  }

  await capture({ source: 'url', text: details.url, url: details.url, tab });
}

chrome.webNavigation.onCommitted.addListener(details => { navigated(details); });
chrome.webNavigation.onHistoryStateUpdated.addListener(details => { navigated(details); });

chrome.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (typeof change.title !== 'string') {
    return;
  }

  const memory = tabMemory(tabId);
  const title = squeeze(change.title);
  // A page without a title shows its URL as the title: that is not a title.
  if (title === '' || title === memory.title || tab.url?.includes(title)) {
    return;
  }

  memory.title = title;
  capture({ source: 'title', text: title, url: tab.url, tab });
});

chrome.tabs.onRemoved.addListener(tabId => agent.tabs.delete(tabId));

chrome.runtime.onMessage.addListener((message, from, reply) => {
  handle(message, from).then(reply, error => reply({ error: String(error?.message ?? error) }));
  return true; // the answer is asynchronous
});

async function handle(message, from) {
  await ready;
  switch (message?.type) {
    case 'hello': {
      const reason = gate(message.url, from.tab?.incognito);
      return reason !== null ? { capture: false, reason } : {
        capture: true,
        sources: agent.config.sources,
        typingPauseMs: agent.config.typingPauseMs,
        screenSampleSeconds: agent.config.screenSampleSeconds,
      };
    }
    case 'typed':
    case 'screen': {
      if (!from.tab) {
        return { ok: false };
      }

      const text = message.type === 'screen' ? truncate(message.text, agent.config.screenTextMaxChars) : message.text;
      await capture({ source: message.type, text, url: message.url, title: message.title, tab: from.tab });
      return { ok: true };
    }
    case 'status':
      return status();
    case 'saveDevConfig':
      // Only the extension's own options page may write the fallback, and only when no policy is set.
      if (from.id !== chrome.runtime.id || !String(from.url).startsWith(chrome.runtime.getURL(''))) {
        return { ok: false, error: 'not allowed' };
      }

      if (agent.origin === 'policy') {
        return { ok: false, error: 'this browser is configured by the school\'s policy; local settings are ignored' };
      }

      await local.set({ devConfig: message.config });
      return { ok: true };
    case 'sendNow':
      await sender.resetBackoff();
      await refreshTriggers(true);
      scheduleFlush(0);
      return { ok: true };
    default:
      return { ok: false, error: `unknown message ${JSON.stringify(message?.type)}` };
  }
}

async function status() {
  const state = await sender.state();
  return {
    monitoring: agent.errors.length === 0 && (login() !== null),
    origin: agent.origin,
    errors: agent.errors,
    acceptableUseText: agent.config.acceptableUseText,
    ingestUrl: agent.config.ingestUrl,
    schoolId: agent.config.schoolId,
    login: login(),
    deviceId: agent.deviceId,
    sources: agent.config.sources,
    queued: queue.size,
    droppedUnreported: queue.droppedUnreported,
    sent: state.sent,
    lastError: state.lastError,
    nextTryAt: state.notBefore > Date.now() ? new Date(state.notBefore).toISOString() : null,
    refused: state.refused,
    triggersVersion: agent.triggersVersion,
    triggers: agent.triggers.length,
    log: agent.log,
  };
}

chrome.storage.onChanged.addListener(async (changes, area) => {
  if (area === 'managed' || (area === 'local' && changes.devConfig)) {
    await ready;
    await loadConfig();
    await loadIdentity();
    await sender.resetBackoff();
    await refreshTriggers(true);
    scheduleFlush(0);
  }
});

chrome.alarms.onAlarm.addListener(async alarm => {
  await ready;
  if (alarm.name === FLUSH_ALARM) {
    scheduleFlush(0);
  } else if (alarm.name === TRIGGERS_ALARM) {
    await refreshTriggers();
  }
});

// Waking on browser start is enough: `ready` above does the work. On a first install with no policy (a developer or
// the demo), the options page opens so the server and key can be entered.
chrome.runtime.onStartup.addListener(() => {});
chrome.runtime.onInstalled.addListener(async ({ reason }) => {
  await ready;
  if (reason === 'install' && agent.origin === 'none') {
    await chrome.runtime.openOptionsPage();
  }
});
