// Static checks of web/gui/: English and Czech have the same strings (none empty), every string the GUI
// asks for exists, and the GUI never parses markup (no innerHTML and friends, no eval).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO, STRINGS } from './support.mjs';

const GUI = fs.readFileSync(path.join(REPO, 'web', 'gui', 'gui.js'), 'utf8');

test('English and Czech have the same strings, none empty', () => {
  assert.deepEqual(Object.keys(STRINGS.cs).sort(), Object.keys(STRINGS.en).sort());
  for (const lang of ['en', 'cs']) {
    for (const [key, text] of Object.entries(STRINGS[lang])) assert.ok(typeof text === 'string' && text.trim(), `${lang}.${key}`);
  }
});

test('every string the GUI asks for exists', () => {
  const keys = [...GUI.matchAll(/\bT\('([A-Za-z_]+)'\s*[,)]/g)].map((m) => m[1]);
  assert.ok(keys.length > 40);
  for (const key of new Set(keys)) assert.ok(key in STRINGS.en, `T('${key}')`);
});

test('the GUI builds its DOM without parsing markup', () => {
  for (const banned of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'DOMParser', 'createContextualFragment', 'eval(', 'new Function']) {
    assert.equal(GUI.includes(banned), false, banned);
  }
});
