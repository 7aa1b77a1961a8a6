// The screenshot triggers: a compact list of high-severity terms fetched from GET /api/v1/agent/triggers. A capture
// whose text contains one (as whole words; `stem*` as a word prefix) gets a screenshot of the visible tab. This is a
// deliberately rough local check: the server's detection decides what is an alert; the agent only decides when a
// picture of the screen is worth taking, since a screenshot cannot be taken afterwards.

/** Lower case, letters and digits kept, everything else one space, padded: ' how many pills '. */
export function normalizeForTriggers(text) {
  return ` ${text.toLowerCase().normalize('NFKC').replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

/** Compiles the server's terms once: [{ needle, prefix }]. */
export function compileTriggers(terms) {
  return (terms ?? [])
    .filter(t => typeof t === 'string' && t.trim() !== '')
    .map(t => {
      const prefix = t.trim().endsWith('*');
      const words = normalizeForTriggers(prefix ? t.trim().slice(0, -1) : t).trim();
      return { needle: prefix ? ` ${words}` : ` ${words} `, prefix };
    })
    .filter(t => t.needle.trim() !== '');
}

/** The first trigger the text contains, or null. */
export function firstTrigger(text, compiled) {
  const normalized = normalizeForTriggers(text);
  const hit = compiled.find(t => normalized.includes(t.needle));
  return hit === undefined ? null : hit.needle.trim() + (hit.prefix ? '*' : '');
}
