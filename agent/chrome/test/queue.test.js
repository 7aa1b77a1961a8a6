import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DurableQueue } from '../src/lib/queue.js';
import { MemoryStorage } from './memory-storage.js';

const item = (id, priority = 'high') => ({ event: { eventId: id }, priority });

test('push_ThenNewQueueOnSameStorage_ItemsSurviveInOrder', async () => {
  const storage = new MemoryStorage();
  const first = new DurableQueue(storage, 100);
  await first.push([item('a'), item('b')]);
  await first.push([item('c')]);

  // A new worker: nothing in memory, the same storage.
  const second = new DurableQueue(storage, 100);
  assert.equal(await second.open(), 3);
  assert.deepEqual((await second.peek(10)).map(b => b.item.event.eventId), ['a', 'b', 'c']);
  await second.push([item('d')]);
  assert.deepEqual((await second.peek(10)).map(b => b.item.event.eventId), ['a', 'b', 'c', 'd'], 'sequence continues after a restart');
});

test('remove_AnsweredItems_GoneForGood', async () => {
  const storage = new MemoryStorage();
  const queue = new DurableQueue(storage, 100);
  await queue.push([item('a'), item('b'), item('c')]);
  const batch = await queue.peek(2);
  await queue.remove(batch.map(b => b.key));
  assert.deepEqual((await new DurableQueue(storage, 100).peek(10)).map(b => b.item.event.eventId), ['c']);
});

test('push_OverCapacity_DropsOldestLowPriorityFirstAndCountsDrops', async () => {
  const storage = new MemoryStorage();
  const queue = new DurableQueue(storage, 4);
  await queue.push([item('s1', 'high'), item('u1', 'low'), item('u2', 'low'), item('s2', 'high')]);
  const { dropped } = await queue.push([item('s3', 'high'), item('u3', 'low'), item('s4', 'high')]);
  assert.equal(dropped, 3);
  assert.deepEqual((await queue.peek(10)).map(b => b.item.event.eventId), ['s1', 's2', 's3', 's4']);
  assert.equal(queue.droppedUnreported, 3);
  assert.equal(new DurableQueue(storage, 4).droppedUnreported, 0, 'not loaded yet');
  const reopened = new DurableQueue(storage, 4);
  await reopened.open();
  assert.equal(reopened.droppedUnreported, 3, 'the drop count survives a restart');
  await reopened.remove([], 3);
  assert.equal(reopened.droppedUnreported, 0);
});

test('push_OverCapacityWithOnlyHighPriority_DropsOldest', async () => {
  const queue = new DurableQueue(new MemoryStorage(), 2);
  await queue.push([item('a'), item('b')]);
  await queue.push([item('c')]);
  assert.deepEqual((await queue.peek(10)).map(b => b.item.event.eventId), ['b', 'c']);
});

test('push_Concurrent_NoSequenceReusedNothingLost', async () => {
  const storage = new MemoryStorage();
  const queue = new DurableQueue(storage, 1000);
  await Promise.all(Array.from({ length: 50 }, (_, i) => queue.push([item(`e${i}`)])));
  const all = await new DurableQueue(storage, 1000).peek(1000);
  assert.equal(all.length, 50);
  assert.equal(new Set(all.map(b => b.key)).size, 50);
});
