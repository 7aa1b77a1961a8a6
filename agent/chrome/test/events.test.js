import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvents, newEventId, priorityOf } from '../src/lib/events.js';

const who = { schoolId: 'oakfield', deviceId: 'OAK-CB-0001', userLogin: 'oak.y8.awhite' };
let counter = 0;
const ids = () => `ev-${++counter}`;

test('buildEvents_Search_ContractFieldsWithOffsetTime', () => {
  const [{ event, priority }] = buildEvents({ source: 'search', text: 'how to tie a noose', url: 'https://www.google.com/search?q=how+to+tie+a+noose', title: 'x' },
    who, new Date('2026-12-05T23:00:00Z'), ids);
  assert.equal(priority, 'high');
  assert.equal(event.schoolId, 'oakfield');
  assert.equal(event.deviceId, 'OAK-CB-0001');
  assert.equal(event.userLogin, 'oak.y8.awhite');
  assert.equal(event.source, 'search');
  assert.equal(event.occurredAt, '2026-12-05T23:00:00.000Z');
  assert.equal(event.app, 'chrome');
  assert.match(event.eventId, /^ev-\d+$/);
});

test('buildEvents_TextOverLimit_SplitIntoPartsEachWithOwnId', () => {
  const items = buildEvents({ source: 'screen', text: 'word '.repeat(8000), url: 'https://example.com/' + 'a'.repeat(3000) },
    who, new Date(), ids);
  assert.equal(items.length, 3);
  assert.equal(new Set(items.map(i => i.event.eventId)).size, 3);
  assert.deepEqual(items.map(i => i.event.part), ['1/3', '2/3', '3/3']);
  assert.equal(items.map(i => i.event.text).join(''), 'word '.repeat(8000));
  assert.ok(items.every(i => i.event.text.length <= 16384 && i.event.url.length === 2048 && i.priority === 'low'));
});

test('newEventId_PrintableAsciiWithinLimit', () => {
  const id = newEventId();
  assert.match(id, /^[\x21-\x7e]{1,128}$/);
  assert.notEqual(id, newEventId());
  assert.equal(priorityOf('typed'), 'high');
  assert.equal(priorityOf('url'), 'low');
});
