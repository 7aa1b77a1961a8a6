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

/** An event id: printable ASCII, at most 128 characters, unique per device (a random UUID). */
export function newEventId(random = () => crypto.randomUUID()) {
  return `ev-${random()}`;
}
