// Text limits of the event contract (docs/events.md): `text` is at most 16,384 UTF-16 code units, and longer text
// must be split by the agent. A cut must never fall between the two halves of a surrogate pair: the server would
// repair the lone half to U+FFFD and the emoji (or the CJK extension character) would be lost on both sides.

export const MAX_TEXT_UNITS = 16384;
export const MAX_URL_UNITS = 2048;

const isHigh = code => code >= 0xd800 && code <= 0xdbff;
const isLow = code => code >= 0xdc00 && code <= 0xdfff;

/** The largest cut position <= limit that does not split a surrogate pair. */
export function safeCut(text, limit) {
  if (text.length <= limit) {
    return text.length;
  }

  return limit > 0 && isHigh(text.charCodeAt(limit - 1)) && isLow(text.charCodeAt(limit)) ? limit - 1 : limit;
}

/** The text, cut to at most `limit` code units without splitting a surrogate pair. */
export function truncate(text, limit) {
  return text.slice(0, safeCut(text, limit));
}

/**
 * Splits text into parts of at most `limit` code units, preferring to cut after whitespace in the last eighth of a
 * part (so a word is not split between two events and missed by detection), never inside a surrogate pair.
 */
export function split(text, limit = MAX_TEXT_UNITS) {
  if (limit < 2) {
    throw new RangeError(`limit must be at least 2 (was ${limit})`);
  }

  const parts = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = safeCut(rest, limit);
    const floor = cut - Math.floor(limit / 8);
    for (let i = cut; i > floor && i > 0; i--) {
      if (/\s/.test(rest[i - 1])) {
        cut = i;
        break;
      }
    }

    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }

  parts.push(rest);
  return parts;
}

/** Collapses runs of whitespace and trims: page text and typed phrases are compared and sent in this form. */
export function squeeze(text) {
  return text.replace(/\s+/g, ' ').trim();
}
