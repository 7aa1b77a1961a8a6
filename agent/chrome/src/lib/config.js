// The agent's configuration: managed policy (chrome.storage.managed, set by the trust's Google Admin console) first;
// the development fallback (chrome.storage.local "devConfig", written by the options page) only when no policy is set
// at all. Why all-or-nothing: a pupil can open the options page, and must not be able to point a managed device at
// another server or turn a source off.

export const SOURCES = Object.freeze(['search', 'url', 'title', 'typed', 'screen']);

export const DEFAULTS = Object.freeze({
  ingestUrl: '',
  apiKey: '',
  schoolId: '',
  sources: SOURCES,
  excludedUrlPatterns: [],
  acceptableUseText:
    'This browser is monitored by your school to help keep you safe online. Searches, pages you visit, text you ' +
    'type and text on screen may be seen by your school\'s safeguarding team. Passwords are never recorded.',
  loginFormat: 'email',
  captureIncognito: false,
  captureSignedOut: false,
  screenshots: true,
  screenTextMaxChars: 8000,
  screenSampleSeconds: 60,
  typingPauseMs: 1500,
  maxQueuedEvents: 20000,
  // Development fallback only (never read from policy): the pupil login and device id when the profile has no
  // signed-in account and the device no enterprise id, as in the demo.
  pupilLogin: '',
  deviceId: '',
});

const MANAGED_KEYS = Object.keys(DEFAULTS).filter(k => k !== 'pupilLogin' && k !== 'deviceId');
const SCHOOL_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Merges policy or fallback over the defaults and checks it. Returns { config, origin, errors }: errors name the key
 * and the bad value; a config with errors is still returned (so the popup can show it) but the agent does not send.
 */
export function resolveConfig(managed, local) {
  const hasPolicy = managed && Object.keys(managed).some(k => MANAGED_KEYS.includes(k));
  const origin = hasPolicy ? 'policy' : (local && Object.keys(local).length > 0 ? 'local' : 'none');
  const chosen = hasPolicy ? pick(managed, MANAGED_KEYS) : pick(local ?? {}, Object.keys(DEFAULTS));
  const config = { ...DEFAULTS, ...chosen };
  const errors = [];

  const bad = (key, why) => errors.push(`${key}: ${why} (was ${JSON.stringify(chosen[key] ?? config[key])})`);
  for (const key of Object.keys(chosen)) {
    const expected = Array.isArray(DEFAULTS[key]) ? 'array' : typeof DEFAULTS[key];
    const actual = Array.isArray(chosen[key]) ? 'array' : typeof chosen[key];
    if (expected !== actual) {
      bad(key, `must be a${expected === 'array' ? 'n array' : ` ${expected}`}`);
      config[key] = DEFAULTS[key];
    }
  }

  config.ingestUrl = config.ingestUrl.trim().replace(/\/+$/, '');
  if (config.ingestUrl === '') {
    errors.push('ingestUrl: not set (the AlertPipeline server, e.g. https://alerts.trust.example)');
  } else {
    let url = null;
    try { url = new URL(config.ingestUrl); } catch { /* reported below */ }
    if (url === null || !['http:', 'https:'].includes(url.protocol)) {
      bad('ingestUrl', 'must be an http(s) URL');
    } else if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
      // Events carry what children type: plain HTTP is allowed only to this machine (the demo).
      bad('ingestUrl', 'must use https unless the server is on this machine (127.0.0.1, localhost)');
    }
  }

  if (config.apiKey.trim() === '') {
    errors.push('apiKey: not set (create one with `alertpipeline keys add --school ID`)');
  }

  if (!SCHOOL_ID.test(config.schoolId)) {
    bad('schoolId', 'must be 1-64 characters of A-Z a-z 0-9 . _ -');
  }

  const unknown = config.sources.filter(s => !SOURCES.includes(s));
  if (unknown.length > 0) {
    bad('sources', `unknown source ${unknown.map(s => `'${s}'`).join(', ')}; allowed: ${SOURCES.join(', ')}`);
    config.sources = config.sources.filter(s => SOURCES.includes(s));
  }

  if (!['email', 'localPart'].includes(config.loginFormat)) {
    bad('loginFormat', "must be 'email' or 'localPart'");
    config.loginFormat = 'email';
  }

  checkRange(config, 'screenTextMaxChars', 100, 16384, bad);
  checkRange(config, 'screenSampleSeconds', 5, 86400, bad);
  checkRange(config, 'typingPauseMs', 300, 60000, bad);
  checkRange(config, 'maxQueuedEvents', 100, 1000000, bad);
  return { config, origin, errors };
}

function checkRange(config, key, min, max, bad) {
  const value = config[key];
  if (!Number.isInteger(value) || value < min || value > max) {
    bad(key, `must be a whole number from ${min} to ${max}`);
    config[key] = DEFAULTS[key];
  }
}

function pick(object, keys) {
  const result = {};
  for (const key of keys) {
    if (object[key] !== undefined && object[key] !== null) {
      result[key] = object[key];
    }
  }

  return result;
}

function isLoopback(host) {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** True when nothing may be captured on this URL: not http(s), or matched by an excluded host or URL prefix. */
export function isExcluded(url, patterns) {
  let parsed;
  try { parsed = new URL(url); } catch { return true; }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return true;
  }

  const host = parsed.hostname.toLowerCase();
  return patterns.some(raw => {
    const pattern = String(raw).trim().toLowerCase();
    if (pattern === '') {
      return false;
    }

    if (pattern.startsWith('http://') || pattern.startsWith('https://')) {
      return url.toLowerCase().startsWith(pattern);
    }

    const bare = pattern.replace(/^\*\./, '');
    return host === bare || host.endsWith('.' + bare);
  });
}

/**
 * The pupil login: the development fallback's pupilLogin when set (it can only be set without a policy, as in the
 * demo), else the signed-in profile's email by policy, else null (signed out).
 */
export function pupilLogin(email, config) {
  if (config.pupilLogin) {
    return config.pupilLogin;
  }

  if (email) {
    return config.loginFormat === 'localPart' ? email.split('@')[0] : email;
  }

  return null;
}

/**
 * Why nothing may be captured on this page now, or null when it may: the configuration is not usable, an incognito
 * window or a signed-out profile (unless policy allows), or a page excluded by policy or not a web page.
 */
export function blockedReason({ config, errors, login, url, incognito }) {
  if (!config || errors.length > 0) {
    return 'the agent is not configured';
  }

  if (incognito && !config.captureIncognito) {
    return 'incognito';
  }

  if (!login && !config.captureSignedOut) {
    return 'no signed-in account';
  }

  return isExcluded(url, config.excludedUrlPatterns) ? 'excluded page' : null;
}
