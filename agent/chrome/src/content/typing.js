// Pure helpers of the content script (no DOM access here), loaded as a classic content script before content.js and
// imported by the Node tests. Content scripts cannot be ES modules, so this sets globalThis.ApTyping.
(() => {
  // Fields whose content is never read: passwords, one-time codes, card details, and anything the page or the school
  // marks as sensitive (data-alertpipeline-sensitive, data-sensitive).
  const SENSITIVE_AUTOCOMPLETE = /(^|\s)(current-password|new-password|one-time-code|cc-[a-z-]+)(\s|$)/i;
  const TEXT_INPUT_TYPES = new Set(['', 'text', 'search', 'url']);

  /**
   * Whether typing into this field may be captured. `field` is a plain description:
   * { tag, type, autocomplete, editable, sensitive } (sensitive: a data-*-sensitive marker on it or an ancestor).
   */
  function isCapturable(field) {
    if (field.sensitive) {
      return false;
    }

    if (field.autocomplete && SENSITIVE_AUTOCOMPLETE.test(field.autocomplete)) {
      return false;
    }

    const tag = (field.tag || '').toLowerCase();
    if (tag === 'textarea') {
      return true;
    }

    if (tag === 'input') {
      return TEXT_INPUT_TYPES.has((field.type || '').toLowerCase());
    }

    return field.editable === true;
  }

  /**
   * What was typed since the last phrase sent from the field, as whole sentences: the changed region between the two
   * values (common prefix and suffix removed), widened to the sentence boundaries around it. Edits in place (caret
   * moves, a deleted letter retyped) collapse into the sentence as it now reads; pure deletions send nothing.
   */
  function changedText(previous, current) {
    if (previous === current) {
      return '';
    }

    let start = 0;
    const max = Math.min(previous.length, current.length);
    while (start < max && previous.charCodeAt(start) === current.charCodeAt(start)) {
      start++;
    }

    let suffix = 0;
    while (suffix < max - start
      && previous.charCodeAt(previous.length - 1 - suffix) === current.charCodeAt(current.length - 1 - suffix)) {
      suffix++;
    }

    let end = current.length - suffix;
    if (end <= start) {
      return '';
    }

    const boundary = /[.!?\n]/;
    while (start > 0 && !boundary.test(current[start - 1])) {
      start--;
    }

    while (end < current.length && !boundary.test(current[end - 1] ?? '')) {
      end++;
    }

    return current.slice(start, end).replace(/\s+/g, ' ').trim();
  }

  globalThis.ApTyping = Object.freeze({ isCapturable, changedText });
})();
