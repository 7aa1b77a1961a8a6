// The content script: typed phrases and samples of the page's visible text, handed to the service worker, which
// decides nothing here is lost. It asks first whether this page may be captured at all (excluded by policy, incognito,
// signed out, a source turned off): if not, it attaches no listener and reads nothing.
(async () => {
  const { isCapturable, changedText } = globalThis.ApTyping;
  let settings;
  try {
    settings = await chrome.runtime.sendMessage({ type: 'hello', url: location.href });
  } catch {
    return; // the extension was reloaded or is stopping: this page's old script has nothing to talk to
  }

  if (!settings || !settings.capture) {
    return;
  }

  const send = message => chrome.runtime.sendMessage({ ...message, url: location.href, title: document.title }).catch(() => {});

  if (settings.sources.includes('typed')) {
    // Per field: the value last sent (so only what changed is sent again) and the pending pause timer.
    const fields = new WeakMap();

    const describe = element => ({
      tag: element.tagName,
      type: element.getAttribute('type'),
      autocomplete: element.getAttribute('autocomplete'),
      editable: element.isContentEditable,
      sensitive: element.closest('[data-alertpipeline-sensitive], [data-sensitive]') !== null,
    });

    const editableRoot = element => {
      if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
        return element;
      }

      let root = element instanceof Element && element.isContentEditable ? element : null;
      while (root && root.parentElement && root.parentElement.isContentEditable) {
        root = root.parentElement;
      }

      return root;
    };

    const valueOf = element => (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement)
      ? element.value : element.innerText;

    const flush = element => {
      const state = fields.get(element);
      if (!state) {
        return;
      }

      clearTimeout(state.timer);
      state.timer = null;
      // Checked again at send time: a page can turn a text field into a password field (show/hide password buttons).
      if (!isCapturable(describe(element))) {
        return;
      }

      const value = valueOf(element);
      const phrase = changedText(state.sent, value);
      state.sent = value;
      if (phrase !== '') {
        send({ type: 'typed', text: phrase });
      }
    };

    document.addEventListener('input', event => {
      const element = editableRoot(event.composedPath()[0]);
      if (!element || !isCapturable(describe(element))) {
        return;
      }

      const state = fields.get(element) ?? { sent: '', timer: null };
      fields.set(element, state);
      clearTimeout(state.timer);
      state.timer = setTimeout(() => flush(element), settings.typingPauseMs);
    }, true);

    // Enter (a search box submitting, a chat message sent) and leaving the field end a phrase at once.
    document.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        const element = editableRoot(event.composedPath()[0]);
        if (element) {
          flush(element);
        }
      }
    }, true);
    document.addEventListener('focusout', event => {
      const element = editableRoot(event.composedPath()[0]);
      if (element) {
        flush(element);
      }
    }, true);
    addEventListener('pagehide', () => {
      const active = editableRoot(document.activeElement);
      if (active) {
        flush(active);
      }
    });
  }

  if (settings.sources.includes('screen')) {
    let lastSent = '';
    let lastAt = 0;
    let pending = null;

    // innerText is what is rendered: no hidden elements, no script, and never the value of any input (passwords
    // included). Text inside an element marked sensitive is left out.
    const sample = () => {
      pending = null;
      if (document.visibilityState !== 'visible' || !document.body) {
        return;
      }

      const marked = document.body.querySelectorAll('[data-alertpipeline-sensitive], [data-sensitive]');
      let text = document.body.innerText;
      for (const element of marked) {
        const hidden = element.innerText;
        if (hidden) {
          text = text.split(hidden).join(' ');
        }
      }

      text = text.replace(/\s+/g, ' ').trim();
      if (text === '' || text === lastSent) {
        return;
      }

      lastSent = text;
      lastAt = Date.now();
      send({ type: 'screen', text });
    };

    const schedule = () => {
      if (pending !== null) {
        return;
      }

      const wait = Math.max(1500, lastAt + settings.screenSampleSeconds * 1000 - Date.now());
      pending = setTimeout(sample, wait);
    };

    new MutationObserver(schedule).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
    document.addEventListener('visibilitychange', schedule);
    schedule();
  }
})();
