import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/content/typing.js';

const { isCapturable, changedText } = globalThis.ApTyping;

test('isCapturable_PasswordsCardsAndMarkedFields_Never', () => {
  assert.equal(isCapturable({ tag: 'INPUT', type: 'password' }), false);
  assert.equal(isCapturable({ tag: 'INPUT', type: 'text', autocomplete: 'current-password' }), false);
  assert.equal(isCapturable({ tag: 'INPUT', type: 'text', autocomplete: 'cc-number' }), false);
  assert.equal(isCapturable({ tag: 'INPUT', type: 'text', autocomplete: 'one-time-code' }), false);
  assert.equal(isCapturable({ tag: 'TEXTAREA', sensitive: true }), false);
  assert.equal(isCapturable({ tag: 'INPUT', type: 'email' }), false);
  assert.equal(isCapturable({ tag: 'INPUT', type: 'hidden' }), false);
});

test('isCapturable_TextFieldsAndEditableAreas_Yes', () => {
  assert.equal(isCapturable({ tag: 'INPUT', type: null }), true);
  assert.equal(isCapturable({ tag: 'INPUT', type: 'search', autocomplete: 'off' }), true);
  assert.equal(isCapturable({ tag: 'TEXTAREA' }), true);
  assert.equal(isCapturable({ tag: 'DIV', editable: true }), true);
  assert.equal(isCapturable({ tag: 'DIV', editable: false }), false);
});

test('changedText_FirstPhrase_WholeValueSqueezed', () => {
  assert.equal(changedText('', '  i want   to die '), 'i want to die');
});

test('changedText_CaretEditInPlace_OneSentenceAsItNowReads', () => {
  assert.equal(changedText('I feel fine. See you tomorrow.', 'I feel awful. See you tomorrow.'), 'I feel awful.');
});

test('changedText_AppendedSentence_OnlyTheNewSentence', () => {
  assert.equal(changedText('Dear diary. Today was ok.', 'Dear diary. Today was ok. Nobody would miss me'), 'Nobody would miss me');
});

test('changedText_DeletionOrNoChange_Nothing', () => {
  assert.equal(changedText('hello world', 'hello'), '');
  assert.equal(changedText('same', 'same'), '');
});
