import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTriggers, firstTrigger } from '../src/lib/triggers.js';

const compiled = compileTriggers(['kill myself', 'suicid*', 'noose', '', null]);

test('firstTrigger_WholeWordsAndPrefixes_CaseAndPunctuationIgnored', () => {
  assert.equal(firstTrigger('I want to KILL myself!!', compiled), 'kill myself');
  assert.equal(firstTrigger('feeling suicidal tonight', compiled), 'suicid*');
  assert.equal(firstTrigger('how to tie a noose?', compiled), 'noose');
});

test('firstTrigger_InsideOtherWordsOrAbsent_Null', () => {
  assert.equal(firstTrigger('nooses are not nooseless', compileTriggers(['noose'])), null);
  assert.equal(firstTrigger('presuicide', compiled), null);
  assert.equal(firstTrigger('maths homework', compiled), null);
  assert.equal(firstTrigger('anything', compileTriggers(undefined)), null);
});
