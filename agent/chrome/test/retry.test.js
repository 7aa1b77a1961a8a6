import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, backoffMs, decide, retryAfterMs } from '../src/lib/retry.js';

const base = { batchSize: 10, attempt: 0, nowMs: 1_000_000, random: () => 0.5 };

test('decide_Accepted_Done', () => {
  assert.deepEqual(decide({ ...base, status: 202, body: { accepted: 10, errors: [] } }), { action: 'done', refused: [] });
});

test('decide_MultiStatus_DoneWithRefusedItemsFinal', () => {
  const errors = [{ index: 3, eventId: 'e3', field: 'occurredAt', error: 'too old' }];
  assert.deepEqual(decide({ ...base, status: 207, body: { errors } }), { action: 'done', refused: errors });
});

test('decide_400EveryItemRefused_DoneNotRetried', () => {
  const errors = [{ index: 0, field: 'schoolId', error: 'not the key\'s school' }];
  assert.deepEqual(decide({ ...base, status: 400, body: { errors } }), { action: 'done', refused: errors });
});

test('decide_503WithRetryAfter_RetriesAfterIt', () => {
  const decision = decide({ ...base, status: 503, retryAfter: '7', body: { error: 'queue full' } });
  assert.deepEqual(decision, { action: 'retry', delayMs: 7000, reason: 'queue full' });
});

test('decide_500AndNetworkError_RetryWithBackoff', () => {
  assert.equal(decide({ ...base, status: 500, body: { error: 'x' } }).action, 'retry');
  assert.equal(decide({ ...base, status: 0, body: { error: 'network error' } }).action, 'retry');
});

test('decide_401_HoldsEverything', () => {
  const decision = decide({ ...base, status: 401, body: { error: 'unknown or revoked key' } });
  assert.equal(decision.action, 'hold');
  assert.match(decision.reason, /API key: unknown or revoked key/);
});

test('decide_413_SplitsThenRefusesASingleEvent', () => {
  assert.equal(decide({ ...base, status: 413, body: { error: 'too big' } }).action, 'split');
  assert.deepEqual(decide({ ...base, batchSize: 1, status: 413, body: { error: 'too big' } }),
    { action: 'done', refused: [{ index: 0, field: '(event)', error: 'too big' }] });
});

test('decide_415And404_HoldNeverDrop', () => {
  assert.equal(decide({ ...base, status: 415, body: { error: 'x' } }).action, 'hold');
  assert.equal(decide({ ...base, status: 404, body: null }).action, 'hold');
});

test('backoffMs_GrowsExponentiallyWithJitterAndIsCapped', () => {
  assert.equal(backoffMs(0, () => 1), BACKOFF_BASE_MS * 1);
  assert.equal(backoffMs(3, () => 1), BACKOFF_BASE_MS * 8);
  assert.equal(backoffMs(3, () => 0), BACKOFF_BASE_MS);
  assert.equal(backoffMs(40, () => 1), BACKOFF_MAX_MS);
  const spread = new Set(Array.from({ length: 20 }, () => backoffMs(5)));
  assert.ok(spread.size > 10, 'jittered');
});

test('retryAfterMs_SecondsDateOrNothing', () => {
  assert.equal(retryAfterMs('5', 0), 5000);
  assert.equal(retryAfterMs(new Date(60_000).toUTCString(), 0), 60_000);
  assert.equal(retryAfterMs(null, 0), null);
  assert.equal(retryAfterMs('soon', 0), null);
});
