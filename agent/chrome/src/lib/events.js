// Builds device events of the contract (docs/events.md) from what the agent captured.
import { MAX_TEXT_UNITS, MAX_URL_UNITS, split, truncate } from './text.js';

export const AGENT_VERSION = '0.1.0';

/** What a pupil does on purpose (searching, typing) outranks what they pass by, when the offline queue must drop. */
export function priorityOf(source) {
  return source === 'search' || source === 'typed' ? 'high' : 'low';
}

/**
 * One event per part of the text (text over the contract's limit is split, never cut off). Each event gets its own
 * eventId now, at capture time, so every retry of it carries the same id and the server answers repeats as duplicates.
 */
export function buildEvents({ source, text, url, title, app = 'chrome', screenshotWanted = false },
  { schoolId, deviceId, userLogin }, occurredAt, newId) {
  const parts = split(text, MAX_TEXT_UNITS);
  return parts.map((part, index) => {
    const event = {
      eventId: newId(),
      schoolId,
      deviceId,
      userLogin,
      occurredAt: occurredAt.toISOString(),
      source,
      text: part,
      app,
      agentVersion: AGENT_VERSION,
    };
    if (url) {
      event.url = truncate(url, MAX_URL_UNITS);
    }

    if (title && source !== 'title') {
      event.pageTitle = truncate(title, 512);
    }

    if (parts.length > 1) {
      event.part = `${index + 1}/${parts.length}`;
    }

    return { event, priority: priorityOf(source), screenshotWanted: screenshotWanted && index === 0 };
  });
}

/**
 * An event id: a UUIDv7 (RFC 9562), unique per device and ordered by creation time. Why v7 and not a random v4: the
 * server's identity index is led by the event id, and ids that sort by time append at its end instead of touching a
 * different page per event (docs/events.md, "Time-ordered ids ingest fastest").
 */
export function newEventId(nowMs = Date.now(), random = bytes => crypto.getRandomValues(bytes)) {
  const bytes = random(new Uint8Array(16));
  let time = Math.floor(nowMs);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }

  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = [...bytes].map(b => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
