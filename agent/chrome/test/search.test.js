import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchFromUrl } from '../src/lib/search.js';

test('searchFromUrl_CommonEngines_ReadsTheQuery', () => {
  const cases = [
    ['https://www.google.com/search?q=how+many+paracetamol+to+die&oq=how', 'google', 'how many paracetamol to die'],
    ['https://www.google.co.uk/search?q=self%20harm&sca_esv=1', 'google', 'self harm'],
    ['https://www.bing.com/search?q=knife+shop+near+me', 'bing', 'knife shop near me'],
    ['https://duckduckgo.com/?q=vape+shop&ia=web', 'duckduckgo', 'vape shop'],
    ['https://uk.search.yahoo.com/search?p=pro+ana+tips', 'yahoo', 'pro ana tips'],
    ['https://www.youtube.com/results?search_query=how+to+tie+a+noose', 'youtube', 'how to tie a noose'],
    ['https://www.ecosia.org/search?q=drugs', 'ecosia', 'drugs'],
  ];
  for (const [url, engine, query] of cases) {
    assert.deepEqual(searchFromUrl(url), { engine, query }, url);
  }
});

test('searchFromUrl_NotAResultsPage_Null', () => {
  for (const url of [
    'https://www.google.com/maps?q=london',
    'https://www.youtube.com/watch?v=abc',
    'https://www.google.com/search?q=%20%20',
    'https://www.bing.com/',
    'chrome://settings/?q=x',
    'not a url',
    'https://example.com/articles?q=x',
  ]) {
    assert.equal(searchFromUrl(url), null, url);
  }
});

test('searchFromUrl_SiteSearch_ReadsConventionalShape', () => {
  assert.deepEqual(searchFromUrl('http://127.0.0.1:5000/search?q=want%20to%20die'), { engine: '127.0.0.1', query: 'want to die' });
  assert.deepEqual(searchFromUrl('https://learn.school.example/course/results?query=  essay   help '), { engine: 'learn.school.example', query: 'essay help' });
});
