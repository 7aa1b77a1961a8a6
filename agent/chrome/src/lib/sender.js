// Sends the durable queue to the server in batches, oldest first, by the retry rules of retry.js. Back-off state is
// kept in storage too, so a service worker that Chrome stopped and started again does not hammer a server that asked
// it to wait.
import { decide } from './retry.js';

const STATE = 'sender-state';
const TIMEOUT_MS = 30000;
export const MAX_BATCH = 200;

export class Sender {
  /**
   * @param queue a DurableQueue
   * @param storage chrome.storage.local (for the back-off state)
   * @param fetchImpl fetch
   * @param now () => ms since the epoch
   * @param getTarget () => { ingestUrl, apiKey } or null while the configuration is not usable
   */
  constructor({ queue, storage, fetchImpl, now, getTarget, random = Math.random, log = () => {} }) {
    this._queue = queue;
    this._storage = storage;
    this._fetch = fetchImpl;
    this._now = now;
    this._getTarget = getTarget;
    this._random = random;
    this._log = log;
    this._state = null;
    this._running = null;
  }

  async state() {
    if (this._state === null) {
      const stored = (await this._storage.get(STATE))[STATE];
      this._state = { attempt: 0, notBefore: 0, batchSize: MAX_BATCH, lastError: null, refused: [], sent: 0, ...stored };
    }

    return this._state;
  }

  async _save(changes) {
    this._state = { ...(await this.state()), ...changes };
    await this._storage.set({ [STATE]: this._state });
  }

  /** Forgets any back-off (the configuration changed, or the network came back). */
  async resetBackoff() {
    await this._save({ attempt: 0, notBefore: 0, lastError: null });
  }

  /**
   * Sends until the queue is empty or the server asks to wait. Concurrent calls share one run. Resolves to the ms to
   * wait before the next try (0 when the queue is empty or nothing can be sent yet for lack of configuration).
   */
  flush() {
    if (this._running === null) {
      this._running = this._flush().finally(() => { this._running = null; });
    }

    return this._running;
  }

  async _flush() {
    for (;;) {
      const state = await this.state();
      const target = this._getTarget();
      if (target === null) {
        return 0;
      }

      const wait = state.notBefore - this._now();
      if (wait > 0) {
        return wait;
      }

      const peeked = await this._queue.peek(state.batchSize);
      if (peeked.length === 0) {
        return 0;
      }

      // An event whose screenshot is still being taken waits for it (10 s at most: SCREENSHOT_WAIT_MS in background.js),
      // and so do the events after it, so that the order of a pupil's events is kept.
      const waiting = peeked.findIndex(b => b.item.screenshotDueBy > this._now());
      const batch = waiting === -1 ? peeked : peeked.slice(0, waiting);
      if (batch.length === 0) {
        return Math.max(100, peeked[0].item.screenshotDueBy - this._now());
      }

      const uploaded = await this._uploadScreenshots(batch, target);
      if (uploaded !== null) {
        await this._failed(uploaded, batch.length);
        continue;
      }

      const drops = this._queue.droppedUnreported;
      const events = batch.map(b => b.item.event);
      if (drops > 0) {
        // The contract keeps unknown fields: the first event of the next batch tells the server how many events the
        // full queue dropped, so a gap in a pupil's record is visible rather than silent.
        events[0] = { ...events[0], agentDroppedEvents: drops };
      }

      const answer = await this._post(`${target.ingestUrl}/api/v1/events`, target.apiKey, 'application/json', JSON.stringify(events));
      const decision = decide({ ...answer, batchSize: batch.length, attempt: state.attempt, nowMs: this._now(), random: this._random });
      if (decision.action === 'done') {
        const refused = decision.refused.map(e => ({ ...e, eventId: e.eventId ?? events[e.index]?.eventId, at: this._now() }));
        for (const error of refused) {
          this._log(`event ${error.eventId} refused by the server for good: ${error.field}: ${error.error}`);
        }

        await this._queue.remove(batch.map(b => b.key), drops);
        await this._save({
          attempt: 0, notBefore: 0, batchSize: MAX_BATCH, lastError: null,
          refused: state.refused.concat(refused).slice(-20), sent: state.sent + batch.length - refused.length,
        });
      } else if (decision.action === 'split') {
        this._log(`batch of ${batch.length} refused as a whole (${decision.reason}); sending it in halves`);
        await this._save({ batchSize: Math.max(1, Math.floor(batch.length / 2)) });
      } else {
        await this._failed(decision, batch.length);
      }
    }
  }

  async _failed(decision, size) {
    const state = await this.state();
    this._log(`sending ${size} events failed (${decision.reason}); next try in ${Math.round(decision.delayMs / 1000)} s`);
    await this._save({
      attempt: state.attempt + 1,
      notBefore: this._now() + decision.delayMs,
      lastError: { reason: decision.reason, at: this._now(), hold: decision.action === 'hold' },
    });
  }

  /** Uploads the screenshots of the batch's events; null when every one is done, else a retry decision. */
  async _uploadScreenshots(batch, target) {
    for (const { key, item } of batch) {
      if (!item.screenshot) {
        continue;
      }

      const match = /^data:(image\/(?:png|jpeg));base64,(.*)$/.exec(item.screenshot);
      const answer = match === null ? { status: 415, body: { error: 'not a PNG or JPEG data URL' } }
        : await this._post(`${target.ingestUrl}/api/v1/screenshots`, target.apiKey, match[1], base64Bytes(match[2]));
      const updated = { ...item, screenshot: undefined };
      if (answer.status === 200 || answer.status === 201) {
        updated.event = { ...item.event, screenshotRef: answer.body.ref };
      } else {
        const decision = decide({ ...answer, batchSize: 1, attempt: (await this.state()).attempt, nowMs: this._now(), random: this._random });
        if (decision.action !== 'done') {
          return decision;
        }

        // The image itself was refused (too large, not an image): the event goes without it rather than never.
        this._log(`screenshot for ${item.event.eventId} refused: ${answer.body?.error ?? answer.status}; sending the event without it`);
      }

      delete updated.screenshot;
      await this._queue.update({ [key]: updated });
      item.event = updated.event;
      delete item.screenshot;
    }

    return null;
  }

  /** POSTs and returns { status, retryAfter, body }; a network error or timeout is status 0. */
  async _post(url, apiKey, contentType, body) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await this._fetch(url, {
        method: 'POST',
        headers: { 'Authorization': `ApiKey ${apiKey}`, 'Content-Type': contentType },
        body,
        signal: abort.signal,
      });
      let parsed = null;
      try { parsed = await response.json(); } catch { /* a body that is not JSON: decided on the status alone */ }
      return { status: response.status, retryAfter: response.headers.get('Retry-After'), body: parsed };
    } catch (error) {
      return { status: 0, retryAfter: null, body: { error: `network error: ${error?.message ?? error}` } };
    } finally {
      clearTimeout(timer);
    }
  }
}

function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }

  return bytes;
}
