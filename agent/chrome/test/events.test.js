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

test('newEventId_UuidV7_TimeOrderedPrintableAscii', () => {
  const id = newEventId(Date.UTC(2026, 11, 5, 23, 0, 0));
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), Date.UTC(2026, 11, 5, 23, 0, 0), 'the first 48 bits are the time');
  assert.notEqual(newEventId(1000), newEventId(1000), 'random bits differ within one millisecond');
  const ids = [3000, 1000, 2000, 1001].map(ms => newEventId(ms));
  assert.deepEqual([...ids].sort(), [ids[1], ids[3], ids[2], ids[0]], 'ids sort by creation time');
  assert.equal(priorityOf('typed'), 'high');
  assert.equal(priorityOf('url'), 'low');
});
