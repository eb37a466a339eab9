// The softphone's own audio in the page: ringtones and tones from the wasm through WebAudio, the
// autoplay rule, the microphone. What the bar plays is observed through the AnalyserNode tap the bar
// exposes for tests (window[Symbol.for('ucsOperator.audioTap')]): non-silent output, then silence.
import assert from 'node:assert/strict';
import test from 'node:test';
import { AUTOPLAY_ARGS, Bar, FAKE_MEDIA_ARGS, TEST_TIMEOUT_MS, barPage, e2eSuite, withBar } from './support/harness.mjs';

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

const microphone = (bar) => bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')].microphone());

// Up to READY on softphone 201 with a queue call ringing in the browser.
async function ringingOnSoftphone(bar, options = {}) {
  await bar.open(barPage(env, { options: { headless: true, ...options } }));
  const ready = await bar.ready('agent1', '201');
  assert.equal(ready.device.type, 'softphone');
  await bar.ok('changeStatus', 'READY');
  await bar.wait('onStateChange', { where: { status: 'READY' } });
  const uniqueid = await env.ucsd.ringQueue({ queue: 2, from: '+420777123456' });
  await bar.wait('onCallRinging', { where: { uniqueid } });
  return uniqueid;
}

test('a queue call rings in the browser on softphone 201 and the ringtone stops when it is answered', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await ringingOnSoftphone(bar);
    await sounding(bar);
    assert.equal(await microphone(bar), null, 'no microphone while the call only rings');
    await bar.ok('answer');
    await bar.wait('onCallConnect', { where: { uniqueid } });
    await silent(bar);
    await bar.ok('hangup');
    await bar.wait('onCallHangup', { where: { uniqueid } });
  }));

test('the microphone opens on answer with audioInputConstraints, mute disables the track, hangup releases it', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const constraints = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    const uniqueid = await ringingOnSoftphone(bar, { audioInputConstraints: constraints });
    await bar.ok('answer');
    await bar.wait('onCallConnect', { where: { uniqueid } });
    await bar.waitFor(() => window[Symbol.for('ucsOperator.audioTap')].microphone()?.open === true, null, { what: 'the microphone' });
    const opened = await microphone(bar);
    assert.equal(opened.readyState, 'live');
    assert.equal(opened.enabled, true);
    for (const [name, value] of Object.entries(constraints)) {
      assert.equal(opened.settings[name], value, `getSettings().${name} is what audioInputConstraints asked for`);
    }

    await bar.ok('mute');
    await bar.wait('onCallMute', { where: { uniqueid } });
    assert.equal((await microphone(bar)).enabled, false, 'mute disables the track itself');
    await bar.ok('mute'); // a toggle
    await bar.wait('onCallUnmute', { where: { uniqueid } });
    assert.equal((await microphone(bar)).enabled, true);

    await bar.ok('hangup');
    await bar.wait('onCallHangup', { where: { uniqueid } });
    await bar.waitFor(() => window[Symbol.for('ucsOperator.audioTap')].microphone()?.readyState === 'ended', null,
      { what: 'the microphone track to be stopped' });
    assert.equal((await microphone(bar)).open, false, 'no call needs the microphone: every track is stopped');
  }));

test('the settings choose the microphone and speakers, remembered in the browser, and the meter shows the microphone works', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.page.setViewportSize({ width: 900, height: 700 });
    await bar.open(barPage(env));
    await bar.ready('agent1', '201');
    await bar.page.click('[data-k="tab-settings"]');
    const microphoneChoice = bar.page.locator('select[name="microphone"]');
    await bar.page.waitForFunction(() => {
      const host = document.getElementById('ucsOperator');
      const select = host && host.shadowRoot && host.shadowRoot.querySelector('select[name="microphone"]');
      return select && select.options.length > 1;
    }, null, { timeout: 10_000 });
    const options = await microphoneChoice.locator('option').evaluateAll((list) => list.map((o) => o.value));
    const fakeMicrophone = options.find((v) => v !== '');
    assert.ok(fakeMicrophone, `the browser's microphones are offered (${options.length - 1})`);
    await microphoneChoice.selectOption(fakeMicrophone);
    const kept = await bar.page.evaluate(() => JSON.parse(localStorage.getItem('ucsOperator.audioDevices')));
    assert.equal(kept.microphone, fakeMicrophone, 'the choice is kept in the browser');

    await bar.page.click('[data-k="mic-test"]');
    // The fake device plays a beep: the meter moves above its floor (-70 dBFS).
    await bar.page.waitForFunction(() => {
      const meter = document.getElementById('ucsOperator').shadowRoot.querySelector('meter');
      return meter && meter.value > -60;
    }, null, { timeout: 10_000, polling: 50 });
    await bar.screenshot('softphone--settings-with-the-microphone-meter');
    await bar.page.click('[data-k="mic-test"]');
    assert.equal(await bar.page.locator('meter').isVisible(), false, 'stopping the test hides the meter');
  }));

test('two tabs of one agent on a softphone: only one rings and opens the microphone; closing it hands the audio over within 2 s', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (second) => {
    const url = barPage(env, { options: { headless: true, autologout: false } });
    // The first tab pairs the softphone and so claims the agent's audio first.
    const first = new Bar(env, second.context, await second.context.newPage(), t);
    await first.open(url);
    await first.ready('agent1', '201');
    await second.open(url);
    await second.ssoLogin('agent1');
    await second.wait('onReady'); // the softphone is already paired: straight to READY
    await first.ok('changeStatus', 'READY');
    await second.wait('onStateChange', { where: { status: 'READY' } });

    const uniqueid = await env.ucsd.ringQueue({ queue: 2, from: '+420777123456' });
    await first.wait('onCallRinging', { where: { uniqueid } });
    await second.wait('onCallRinging', { where: { uniqueid } });
    await sounding(first);
    for (let i = 0; i < 10; i++) {
      assert.ok(await level(second) < -90, 'the second tab shows the ringing call in silence');
      await new Promise((r) => setTimeout(r, 100));
    }

    // The owner tab is closed while the call rings: the other tab rings within 2 s.
    const closed = Date.now();
    await first.page.close();
    await sounding(second);
    const handedOverMs = Date.now() - closed;
    t.diagnostic(`audio handed over ${handedOverMs} ms after the owner tab closed`);
    assert.ok(handedOverMs <= 2_000, `handed over in ${handedOverMs} ms`);

    await second.ok('answer');
    await second.wait('onCallConnect', { where: { uniqueid } });
    await second.waitFor(() => window[Symbol.for('ucsOperator.audioTap')].microphone()?.open === true, null, { what: 'the microphone' });
    await second.ok('hangup');
    await second.wait('onCallHangup', { where: { uniqueid } });
  }));
