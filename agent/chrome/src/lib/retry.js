// What to do with an answer from POST /api/v1/events, by the retry table of docs/events.md:
//   2xx (202, 207)             done: accepted items are durable; items in `errors` are refused for good as they are
//   400 with per-item errors   done: every item was refused for good
//   503                        the same batch again after Retry-After (nothing in it was accepted)
//   500, network error, timeout the same batch again with exponential back-off and jitter
//   401, 403                   hold every event until the key is fixed (a policy change), trying again rarely
//   413, 400 without items     the body is wrong as it is: split the batch; a single event is refused for good
//   404, 405, 415, other 4xx   the agent or its URL is wrong: hold and try again rarely (nothing is dropped)

export const BACKOFF_BASE_MS = 2000;
export const BACKOFF_MAX_MS = 5 * 60 * 1000;
export const HOLD_MS = 10 * 60 * 1000;

/** Full-jitter exponential back-off: a random delay in [base, min(max, base * 2^attempt)]. */
export function backoffMs(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 30));
  return Math.round(BACKOFF_BASE_MS + random() * (ceiling - BACKOFF_BASE_MS));
}

/** Retry-After as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(header, nowMs) {
  if (header === null || header === undefined || String(header).trim() === '') {
    return null;
  }

  const text = String(header).trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }

  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/**
 * Decides from the status, the Retry-After header and the parsed body (or null). `attempt` counts earlier failures
 * of this batch. Returns one of
 *   { action: 'done', refused: [{ index, eventId, field, error }] }
 *   { action: 'retry', delayMs, reason }
 *   { action: 'hold', delayMs, reason }
 *   { action: 'split', reason }                       (only when the batch has more than one event)
 *   { action: 'done', refused: [every item] }         (one event the server cannot take as it is)
 */
export function decide({ status, retryAfter, body, batchSize, attempt, nowMs, random = Math.random }) {
  const message = body && typeof body.error === 'string' ? body.error : `HTTP ${status}`;
  if (status === 0) {
    return { action: 'retry', delayMs: backoffMs(attempt, random), reason: message };
  }

  if (status >= 200 && status < 300) {
    return { action: 'done', refused: Array.isArray(body?.errors) ? body.errors : [] };
  }

  if (status === 400 && Array.isArray(body?.errors) && body.errors.length > 0) {
    return { action: 'done', refused: body.errors };
  }

  if (status === 503) {
    const after = retryAfterMs(retryAfter, nowMs);
    return { action: 'retry', delayMs: after ?? backoffMs(attempt, random), reason: message };
  }

  if (status >= 500) {
    return { action: 'retry', delayMs: backoffMs(attempt, random), reason: message };
  }

  if (status === 401 || status === 403) {
    return { action: 'hold', delayMs: HOLD_MS, reason: `the server refused the API key: ${message}` };
  }

  if (status === 413 || status === 400) {
    if (batchSize > 1) {
      return { action: 'split', reason: message };
    }

    return { action: 'done', refused: [{ index: 0, field: '(event)', error: message }] };
  }

  return { action: 'hold', delayMs: HOLD_MS, reason: message };
}
