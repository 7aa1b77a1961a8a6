// A hand-written stand-in for chrome.storage.local with its semantics: values are copied in and out as JSON (so a
// caller's later change to an object does not reach storage), get(null) returns everything, absent keys are left out.
export class MemoryStorage {
  constructor() {
    this.data = new Map();
    this.writes = 0;
  }

  async get(keys) {
    const wanted = keys === null || keys === undefined ? [...this.data.keys()] : [].concat(keys);
    const result = {};
    for (const key of wanted) {
      if (this.data.has(key)) {
        result[key] = JSON.parse(this.data.get(key));
      }
    }

    return result;
  }

  async getKeys() {
    return [...this.data.keys()];
  }

  async set(entries) {
    this.writes++;
    for (const [key, value] of Object.entries(entries)) {
      // chrome.storage drops undefined values the way JSON does.
      this.data.set(key, JSON.stringify(value));
    }
  }

  async remove(keys) {
    for (const key of [].concat(keys)) {
      this.data.delete(key);
    }
  }
}
