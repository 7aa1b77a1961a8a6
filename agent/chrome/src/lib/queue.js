// The durable local queue. Every captured event is written to chrome.storage.local before anything is sent, and is
// removed only once the server has answered for it (accepted, a duplicate, or refused for good). Why storage and not
// memory: Chrome stops an idle MV3 service worker after about 30 s, and the browser may be closed while offline; what
// is in storage survives both. Why chrome.storage.local and not IndexedDB: one key per event is enough for a queue
// read in order, it works the same in the service worker and the options page, and `unlimitedStorage` lifts its quota.
//
// Keys are `q:<12-digit sequence>:<h|l>`: ordered by capture, with the priority in the key so that choosing what to
// drop when the queue is full needs no read of the items themselves.

const PREFIX = 'q:';
const META = 'queue-meta';

export class DurableQueue {
  /** @param storage chrome.storage.local or anything with its get/set/remove promises. */
  constructor(storage, maxItems) {
    this._storage = storage;
    this._maxItems = maxItems;
    this._keys = null;
    this._meta = null;
    // Why a chain: the worker's event handlers interleave at every await; push and remove must not read the same
    // sequence number or key list half-updated.
    this._chain = Promise.resolve();
  }

  set maxItems(value) {
    this._maxItems = value;
  }

  get size() {
    return this._keys === null ? 0 : this._keys.length;
  }

  /** Events dropped because the queue was full and not yet reported to the server. */
  get droppedUnreported() {
    return this._meta === null ? 0 : this._meta.dropped;
  }

  async _load() {
    if (this._keys !== null) {
      return;
    }

    const all = typeof this._storage.getKeys === 'function'
      ? await this._storage.getKeys()
      : Object.keys(await this._storage.get(null));
    this._keys = all.filter(k => k.startsWith(PREFIX)).sort();
    const stored = (await this._storage.get(META))[META];
    const lastSeq = this._keys.length > 0 ? Number(this._keys[this._keys.length - 1].split(':')[1]) : 0;
    this._meta = { next: Math.max(stored?.next ?? 1, lastSeq + 1), dropped: stored?.dropped ?? 0 };
  }

  _locked(work) {
    const run = this._chain.then(async () => {
      await this._load();
      return work();
    });
    this._chain = run.catch(() => undefined);
    return run;
  }

  /** Stores the items (each { event, priority, ... }) in one write; returns their keys and how many items were dropped. */
  push(items) {
    return this._locked(async () => {
      const entries = {};
      const keys = [];
      for (const item of items) {
        const key = `${PREFIX}${String(this._meta.next++).padStart(12, '0')}:${item.priority === 'high' ? 'h' : 'l'}`;
        entries[key] = item;
        keys.push(key);
      }

      const victims = this._victims(this._keys.length + keys.length - this._maxItems, keys);
      const meta = { ...this._meta, dropped: this._meta.dropped + victims.length };
      entries[META] = meta;
      await this._storage.set(entries);
      if (victims.length > 0) {
        await this._storage.remove(victims);
      }

      this._meta = meta;
      const gone = new Set(victims);
      this._keys = this._keys.concat(keys).filter(k => !gone.has(k));
      return { keys: keys.filter(k => !gone.has(k)), dropped: victims.length };
    });
  }

  /** The oldest low-priority items first, then the oldest of any; the items being added are dropped last. */
  _victims(count, adding) {
    if (count <= 0) {
      return [];
    }

    const all = this._keys.concat(adding);
    const low = all.filter(k => k.endsWith(':l'));
    const high = all.filter(k => k.endsWith(':h'));
    return low.concat(high).slice(0, count);
  }

  /** Up to `count` of the oldest items as [{ key, item }], without removing them. */
  peek(count) {
    return this._locked(async () => {
      const keys = this._keys.slice(0, count);
      if (keys.length === 0) {
        return [];
      }

      const stored = await this._storage.get(keys);
      // A key whose item is gone (removed by another context) is skipped, not sent as undefined.
      return keys.filter(k => stored[k] !== undefined).map(k => ({ key: k, item: stored[k] }));
    });
  }

  /** Replaces stored items in place (e.g. to record an uploaded screenshot's reference before the events are sent). */
  update(entries) {
    return this._locked(async () => {
      const present = Object.fromEntries(Object.entries(entries).filter(([k]) => this._keys.includes(k)));
      if (Object.keys(present).length > 0) {
        await this._storage.set(present);
      }
    });
  }

  /** Removes items the server has answered for; `reportedDrops` drops were told to the server with them. */
  remove(keys, reportedDrops = 0) {
    return this._locked(async () => {
      const gone = new Set(keys);
      await this._storage.remove(keys);
      if (reportedDrops > 0) {
        this._meta = { ...this._meta, dropped: Math.max(0, this._meta.dropped - reportedDrops) };
        await this._storage.set({ [META]: this._meta });
      }

      this._keys = this._keys.filter(k => !gone.has(k));
    });
  }

  /** Loads the key list (after a service-worker start) and returns the size. */
  async open() {
    return this._locked(async () => this._keys.length);
  }
}
