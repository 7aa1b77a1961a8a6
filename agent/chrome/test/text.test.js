import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeCut, split, truncate, MAX_TEXT_UNITS } from '../src/lib/text.js';

const hasLoneSurrogate = s => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

test('truncate_CutInsideSurrogatePair_KeepsWholeEmojiOut', () => {
  const text = 'ab😀cd'; // 😀 is two code units at 2 and 3
  assert.equal(truncate(text, 3), 'ab');
  assert.equal(truncate(text, 4), 'ab😀');
  assert.equal(safeCut(text, 3), 2);
});

test('split_LongTextOfEmoji_NoPartHasLoneSurrogateAndNothingIsLost', () => {
  const text = '😀'.repeat(20000) + 'x'; // 40,001 code units: every odd limit would cut a pair
  const parts = split(text, MAX_TEXT_UNITS - 1);
  assert.ok(parts.length >= 3);
  for (const part of parts) {
    assert.ok(part.length <= MAX_TEXT_UNITS - 1, `part of ${part.length}`);
    assert.equal(hasLoneSurrogate(part), false);
  }

  assert.equal(parts.join(''), text);
});

test('split_WordsAcrossLimit_CutsAfterWhitespaceNeverInsideAWord', () => {
  const words = Array.from({ length: 40 }, (_, i) => `word${String(i).padStart(4, '0')}`);
  const parts = split(words.join(' '), 80);
  assert.ok(parts.length > 1);
  for (const part of parts.slice(0, -1)) {
    assert.ok(part.length <= 80 && part.endsWith(' '), JSON.stringify(part));
  }

  assert.deepEqual(parts.join('').split(' '), words);
});

test('split_ShortText_OnePart', () => {
  assert.deepEqual(split('help', 16384), ['help']);
  assert.deepEqual(split('', 16384), ['']);
});

test('split_LimitBelowTwo_Throws', () => {
  assert.throws(() => split('abc', 1), /limit must be at least 2 \(was 1\)/);
});
