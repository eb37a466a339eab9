// The softphone's own audio in the page: ringtones and tones from the wasm through WebAudio, the
// autoplay rule, the microphone. What the bar plays is observed through the AnalyserNode tap the bar
// exposes for tests (window[Symbol.for('ucsOperator.audioTap')]): non-silent output, then silence.
import assert from 'node:assert/strict';
import test from 'node:test';
import { AUTOPLAY_ARGS, FAKE_MEDIA_ARGS, TEST_TIMEOUT_MS, barPage, e2eSuite, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url, { browserArgs: [...FAKE_MEDIA_ARGS, ...AUTOPLAY_ARGS] });

const level = (bar) => bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')].level());

// Waits until the bar's output is louder (or quieter) than `dbfs`; returns the level seen.
async function until(bar, what, test) {
  const deadline = Date.now() + 10_000;
  let seen = -Infinity;
  while (Date.now() < deadline) {
    seen = await level(bar);
    if (test(seen)) return seen;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`waited 10 s for ${what}; the bar's output was last at ${seen} dBFS`);
}
const sounding = (bar) => until(bar, 'sound', (db) => db > -45);
const silent = (bar) => until(bar, 'silence', (db) => db < -90);

test('testRingingSound plays the selected ringtone on a desk phone too, and stopRingingSoundTest stops it', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { headless: true, identifyIP: true } }));
    await bar.ready('agent2');
    for (const sound of ['default', 'christmas', 'lovingYou', 'quest', 'rush']) {
      await bar.ok('selectRingingSound', sound);
      await bar.ok('testRingingSound');
      await sounding(bar);
      await bar.ok('stopRingingSoundTest');
      await silent(bar);
    }
    assert.equal((await bar.state()).audio, 'ready', 'the autoplay policy of this browser lets sound play');
  }));

test('the ringtone test ends by itself after two rounds of the melody', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { headless: true, identifyIP: true } }));
    await bar.ready('agent2');
    await bar.ok('selectRingingSound', 'rush'); // the shortest: 2 x ~2.8 s
    await bar.ok('testRingingSound');
    await sounding(bar);
    await new Promise((r) => setTimeout(r, 6_500));
    assert.ok(await level(bar) < -90, 'silent again without stopRingingSoundTest');
  }));
