import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DurableQueue } from '../src/lib/queue.js';
import { Sender } from '../src/lib/sender.js';
import { MemoryStorage } from './memory-storage.js';

/** A scripted server: each request gets the next answer ({ status, body, headers } or 'network'); all are recorded. */
function fakeServer(answers) {
  const requests = [];
  const fetchImpl = async (url, init) => {
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body;
    requests.push({ url, headers: init.headers, body });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer === 'network') {
      throw new TypeError('Failed to fetch');
    }

    const json = typeof answer.body === 'function' ? answer.body(body) : answer.body;
    return {
      status: answer.status,
      headers: new Map(Object.entries(answer.headers ?? {})),
      json: async () => json,
    };
  };
  return { requests, fetchImpl };
}

const accepted = { status: 202, body: events => ({ accepted: events.length, duplicates: 0, rejected: 0, errors: [] }) };
const item = (id, extra = {}) => ({ event: { eventId: id, text: id }, priority: 'high', ...extra });

function setup(answers, { now = () => 1_000_000, storage = new MemoryStorage(), max = 1000 } = {}) {
  const queue = new DurableQueue(storage, max);
  const server = fakeServer(answers);
  const sender = new Sender({
    queue, storage, fetchImpl: server.fetchImpl, now, random: () => 0.5,
    getTarget: () => ({ ingestUrl: 'http://127.0.0.1:5080', apiKey: 'apk_test' }),
  });
  return { queue, server, sender, storage };
}

test('flush_Accepted_SendsBatchWithKeyAndEmptiesQueue', async () => {
  const { queue, server, sender } = setup([accepted]);
  await queue.push([item('a'), item('b')]);
  assert.equal(await sender.flush(), 0);
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].url, 'http://127.0.0.1:5080/api/v1/events');
  assert.equal(server.requests[0].headers.Authorization, 'ApiKey apk_test');
  assert.equal(server.requests[0].headers['Content-Type'], 'application/json');
  assert.deepEqual(server.requests[0].body.map(e => e.eventId), ['a', 'b']);
  assert.equal(queue.size, 0);
  assert.equal((await sender.state()).sent, 2);
});

test('flush_MultiStatus_RefusedItemsAreFinalAndRecorded', async () => {
  const { queue, sender } = setup([{ status: 207, body: { accepted: 1, errors: [{ index: 1, eventId: 'b', field: 'occurredAt', error: 'too old' }] } }]);
  await queue.push([item('a'), item('b')]);
  await sender.flush();
  assert.equal(queue.size, 0);
  const state = await sender.state();
  assert.equal(state.sent, 1);
  assert.deepEqual(state.refused.map(r => [r.eventId, r.field]), [['b', 'occurredAt']]);
});

test('flush_503WithRetryAfter_KeepsBatchWaitsThenSendsSameIds', async () => {
  let now = 1_000_000;
  const { queue, server, sender } = setup([{ status: 503, headers: { 'Retry-After': '5' }, body: { error: 'queue full' } }, accepted], { now: () => now });
  await queue.push([item('a'), item('b')]);
  assert.equal(await sender.flush(), 5000);
  assert.equal(queue.size, 2);
  now += 4000;
  assert.equal(await sender.flush(), 1000, 'still waiting');
  assert.equal(server.requests.length, 1);
  now += 1000;
  assert.equal(await sender.flush(), 0);
  assert.deepEqual(server.requests.map(r => r.body.map(e => e.eventId)), [['a', 'b'], ['a', 'b']]);
  assert.equal(queue.size, 0);
});

test('flush_NetworkError_BackoffSurvivesAWorkerRestart', async () => {
  const storage = new MemoryStorage();
  const first = setup(['network'], { storage });
  await first.queue.push([item('a')]);
  const wait = await first.sender.flush();
  assert.ok(wait >= 2000, `waits ${wait} ms`);

  // The worker is stopped and started: new objects, same storage, same clock.
  const second = setup([accepted], { storage });
  assert.equal(await second.sender.flush(), wait, 'the new worker keeps the back-off');
  assert.equal(second.server.requests.length, 0);
  await second.sender.resetBackoff();
  assert.equal(await second.sender.flush(), 0);
  assert.deepEqual(second.server.requests[0].body.map(e => e.eventId), ['a']);
});

test('flush_401_KeepsEverythingAndHolds', async () => {
  const { queue, sender } = setup([{ status: 401, body: { error: 'unknown or revoked API key' } }]);
  await queue.push([item('a')]);
  const wait = await sender.flush();
  assert.equal(wait, 10 * 60 * 1000);
  assert.equal(queue.size, 1);
  assert.equal((await sender.state()).lastError.hold, true);
});

test('flush_413_SplitsUntilItFits', async () => {
  const { queue, server, sender } = setup([
    { status: 413, body: { error: 'too big' } }, accepted, accepted, accepted, accepted,
  ]);
  await queue.push([item('a'), item('b'), item('c'), item('d')]);
  await sender.flush();
  assert.deepEqual(server.requests.map(r => r.body.length), [4, 2, 2]);
  assert.equal(queue.size, 0);
});

test('flush_AfterDrops_FirstEventReportsThemOnce', async () => {
  const { queue, server, sender } = setup([accepted], { max: 2 });
  await queue.push([item('a'), item('b'), item('c')]);
  await sender.flush();
  assert.equal(server.requests[0].body[0].agentDroppedEvents, 1);
  await queue.push([item('d')]);
  await sender.flush();
  assert.equal(server.requests[1].body[0].agentDroppedEvents, undefined);
});

test('flush_Screenshot_UploadedFirstAndReferenceSent', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64');
  const { queue, server, sender } = setup([{ status: 201, body: { ref: 'sha256:abc', bytes: 4 } }, accepted]);
  await queue.push([item('a', { screenshot: `data:image/png;base64,${png}` }), item('b')]);
  await sender.flush();
  assert.equal(server.requests[0].url, 'http://127.0.0.1:5080/api/v1/screenshots');
  assert.deepEqual([...server.requests[0].body], [0x89, 0x50, 0x4e, 0x47]);
  assert.deepEqual(server.requests[1].body.map(e => e.screenshotRef), ['sha256:abc', undefined]);
});

test('flush_ScreenshotUploadFails_EventWaitsWithItsBatch', async () => {
  const { queue, server, sender } = setup(['network', { status: 201, body: { ref: 'sha256:abc' } }, accepted]);
  await queue.push([item('a', { screenshot: 'data:image/jpeg;base64,AAAA' })]);
  assert.ok(await sender.flush() > 0);
  assert.equal(queue.size, 1);
  await sender.resetBackoff();
  await sender.flush();
  assert.equal(server.requests.at(-1).body[0].screenshotRef, 'sha256:abc');
});

test('flush_ScreenshotPending_LaterEventsWaitForIt', async () => {
  let now = 1_000_000;
  const { queue, server, sender } = setup([accepted], { now: () => now });
  await queue.push([item('a'), item('b', { screenshotDueBy: now + 3000 }), item('c')]);
  assert.equal(await sender.flush(), 3000);
  assert.deepEqual(server.requests.map(r => r.body.map(e => e.eventId)), [['a']]);
  now += 3000;
  await sender.flush();
  assert.deepEqual(server.requests.map(r => r.body.map(e => e.eventId)), [['a'], ['b', 'c']]);
});

test('flush_NotConfigured_SendsNothingKeepsEverything', async () => {
  const storage = new MemoryStorage();
  const queue = new DurableQueue(storage, 10);
  const server = fakeServer([accepted]);
  const sender = new Sender({ queue, storage, fetchImpl: server.fetchImpl, now: () => 0, getTarget: () => null });
  await queue.push([item('a')]);
  assert.equal(await sender.flush(), 0);
  assert.equal(server.requests.length, 0);
  assert.equal(queue.size, 1);
});
