import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULTS, blockedReason, isExcluded, pupilLogin, resolveConfig } from '../src/lib/config.js';

const good = { ingestUrl: 'https://alerts.trust.example/', apiKey: 'apk_x', schoolId: 'oakfield' };

test('resolveConfig_PolicySet_LocalFallbackIgnoredEntirely', () => {
  const { config, origin, errors } = resolveConfig(good, { ingestUrl: 'http://127.0.0.1:9', apiKey: 'other', schoolId: 'x', pupilLogin: 'me' });
  assert.equal(origin, 'policy');
  assert.deepEqual(errors, []);
  assert.equal(config.ingestUrl, 'https://alerts.trust.example');
  assert.equal(config.apiKey, 'apk_x');
  assert.equal(config.pupilLogin, '', 'a pupil cannot set a login over a policy');
});

test('resolveConfig_NoPolicy_UsesLocalFallback', () => {
  const { config, origin, errors } = resolveConfig({}, { ingestUrl: 'http://127.0.0.1:5080', apiKey: 'k', schoolId: 'oakfield', pupilLogin: 'oak.y8.awhite' });
  assert.equal(origin, 'local');
  assert.deepEqual(errors, []);
  assert.equal(config.pupilLogin, 'oak.y8.awhite');
  assert.deepEqual(config.sources, DEFAULTS.sources);
});

test('resolveConfig_BadValues_ErrorsNameKeyAndValue', () => {
  const { errors } = resolveConfig({
    ingestUrl: 'http://alerts.trust.example', apiKey: ' ', schoolId: 'oak field', sources: ['search', 'keystrokes'],
    typingPauseMs: 5, captureIncognito: 'yes',
  }, {});
  assert.deepEqual(errors, [
    'captureIncognito: must be a boolean (was "yes")',
    'ingestUrl: must use https unless the server is on this machine (127.0.0.1, localhost) (was "http://alerts.trust.example")',
    'apiKey: not set (create one with `alertpipeline keys add --school ID`)',
    'schoolId: must be 1-64 characters of A-Z a-z 0-9 . _ - (was "oak field")',
    "sources: unknown source 'keystrokes'; allowed: search, url, title, typed, screen (was [\"search\",\"keystrokes\"])",
    'typingPauseMs: must be a whole number from 300 to 60000 (was 5)',
  ]);
});

test('resolveConfig_NothingSet_NotConfigured', () => {
  const { origin, errors } = resolveConfig({}, {});
  assert.equal(origin, 'none');
  assert.match(errors[0], /^ingestUrl: not set/);
});

test('isExcluded_HostAndPrefixPatterns_MatchOnlyThose', () => {
  const patterns = ['counselling.example', 'https://mail.google.com/'];
  assert.equal(isExcluded('https://counselling.example/chat', patterns), true);
  assert.equal(isExcluded('https://www.counselling.example/', patterns), true);
  assert.equal(isExcluded('https://notcounselling.example/', patterns), false);
  assert.equal(isExcluded('https://mail.google.com/mail/u/0', patterns), true);
  assert.equal(isExcluded('https://www.google.com/search?q=x', patterns), false);
  assert.equal(isExcluded('chrome://settings', []), true, 'browser pages are never captured');
  assert.equal(isExcluded('file:///home/pupil/diary.txt', []), true);
});

test('pupilLogin_EmailAndFormat_ByPolicy', () => {
  const config = { ...DEFAULTS };
  assert.equal(pupilLogin('oak.y9.jsmith@oakfield.sch.uk', config), 'oak.y9.jsmith@oakfield.sch.uk');
  assert.equal(pupilLogin('oak.y9.jsmith@oakfield.sch.uk', { ...config, loginFormat: 'localPart' }), 'oak.y9.jsmith');
  assert.equal(pupilLogin('', config), null);
  assert.equal(pupilLogin('', { ...config, pupilLogin: 'demo.pupil' }), 'demo.pupil');
});

test('managedSchema_EveryPropertyIsAConfigKey_AndEveryPolicyKeyIsInTheSchema', () => {
  const schema = JSON.parse(readFileSync(new URL('../managed_schema.json', import.meta.url)));
  const properties = Object.keys(schema.properties).sort();
  const policyKeys = Object.keys(DEFAULTS).filter(k => k !== 'pupilLogin' && k !== 'deviceId').sort();
  assert.deepEqual(properties, policyKeys);
  for (const [key, property] of Object.entries(schema.properties)) {
    const expected = Array.isArray(DEFAULTS[key]) ? 'array' : Number.isInteger(DEFAULTS[key]) ? 'integer' : typeof DEFAULTS[key];
    assert.equal(property.type, expected, key);
  }
});

test('manifest_EveryReferencedFileExists', () => {
  const root = new URL('../', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('manifest.json', root)));
  const files = [manifest.background.service_worker, manifest.storage.managed_schema, manifest.action.default_popup,
    manifest.options_ui.page, ...manifest.content_scripts.flatMap(c => c.js), ...Object.values(manifest.icons)];
  for (const file of files) {
    assert.ok(readFileSync(new URL(file, root)).length > 0, file);
  }
});

test('blockedReason_IncognitoSignedOutExcludedOrUnconfigured_NothingCapturedUnlessPolicyAllows', () => {
  const config = { ...DEFAULTS, excludedUrlPatterns: ['childline.org.uk'] };
  const page = { config, errors: [], login: 'oak.y8.awhite', url: 'https://www.google.com/search?q=x', incognito: false };
  assert.equal(blockedReason(page), null);
  assert.equal(blockedReason({ ...page, incognito: true }), 'incognito');
  assert.equal(blockedReason({ ...page, incognito: true, config: { ...config, captureIncognito: true } }), null);
  assert.equal(blockedReason({ ...page, login: null }), 'no signed-in account');
  assert.equal(blockedReason({ ...page, login: null, config: { ...config, captureSignedOut: true } }), null);
  assert.equal(blockedReason({ ...page, url: 'https://www.childline.org.uk/get-support/' }), 'excluded page');
  assert.equal(blockedReason({ ...page, errors: ['apiKey: not set'] }), 'the agent is not configured');
});
