// The softphone's call audio end to end (docs/media.md, "The bar's side"): Chromium's fake microphone
// plays a 1 kHz tone from a WAV this file writes; a simulated caller plays 440 Hz. What the caller heard
// comes from ucsd (GET .../heard, a WAV); what the page plays is read from the AnalyserNode on the bar's
// output (the audio tap), after the AudioWorklet: both are checked with Goertzel, against thresholds a
// silent or wrong-frequency signal fails. Hold: the agent hears nothing; mute: the caller hears nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { AUTOPLAY_ARGS, FAKE_MEDIA_ARGS, TEST_TIMEOUT_MS, barPage, e2eSuite, withBar } from './support/harness.mjs';
import { goertzel, wavSamples, writeToneWav } from './support/tones.mjs';

const MIC_HZ = 1000;
const CALLER_HZ = 440;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ucs-media-e2e-'));
const micWav = path.join(dir, 'tone-1khz.wav');
writeToneWav(micWav, MIC_HZ);

const env = e2eSuite(import.meta.url, {
  browserArgs: [...FAKE_MEDIA_ARGS, ...AUTOPLAY_ARGS, `--use-file-for-fake-audio-capture=${micWav}`],
});

// ---- measuring ----------------------------------------------------------------------------------

async function heard(uniqueid) {
  const response = await fetch(`${env.ucsd.origin}/api/v1.0/sandbox/calls/${encodeURIComponent(uniqueid)}/heard`, {
    headers: { authorization: `Bearer ${await env.ucsd.token()}` },
  });
  assert.equal(response.status, 200);
  return wavSamples(Buffer.from(await response.arrayBuffer()));
}

// The last `seconds` the simulated caller heard.
async function heardTail(uniqueid, seconds) {
  const { rate, samples } = await heard(uniqueid);
  const n = Math.floor(rate * seconds);
  assert.ok(samples.length >= n, `the caller heard ${samples.length / rate} s, less than ${seconds} s`);
  return { rate, samples: samples.subarray(samples.length - n) };
}

// What the page plays now: the tap's analyser window (2048 samples) on the bar's output.
async function played(bar) {
  const outputs = await bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')].samples());
  assert.ok(outputs.length > 0, 'the bar has an audio output');
  return outputs.map((o) => ({ rate: o.rate, samples: Float32Array.from(o.data) }));
}

const playsTone = (outputs, hz) => outputs.some((o) => { const g = goertzel(o.samples, o.rate, hz); return g.share > 0.6 && g.rms > 0.01; });
const playsNothing = (outputs) => outputs.every((o) => goertzel(o.samples, o.rate, CALLER_HZ).rms < 0.001);

async function until(what, check, timeoutMs = 5_000) {
  const start = Date.now();
  let last;
  while (Date.now() - start < timeoutMs) {
    last = await check();
    if (last === true) return Date.now() - start;
    await delay(40);
  }
  throw new Error(`waited ${timeoutMs} ms for ${what}${last && last !== false ? `: ${JSON.stringify(last)}` : ''}`);
}

const mediaStats = (bar) => bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')].media());

// ---- the call -----------------------------------------------------------------------------------

async function endAllCalls() {
  for (const call of await env.ucsd.activeCalls()) await env.ucsd.farEndHangup(call.uniqueid).catch(() => {});
}

// Chromium's noise suppression treats a steady tone as noise and fades it: off, so what the caller hears
// stays at the microphone's level for the whole test.
const CONSTRAINTS = { audioInputConstraints: { noiseSuppression: false, autoGainControl: false } };

// agent1 READY on `line` with a connected queue call (from a caller playing 440 Hz on softphones).
async function answered(bar, { line = '201', queue = 2, options = {}, headers = {} } = {}) {
  await endAllCalls();
  await bar.open(barPage(env, { options: { headless: true, ...CONSTRAINTS, ...options }, headers }));
  await bar.ready('agent1', line);
  await bar.ok('changeStatus', 'READY');
  await bar.wait('onStateChange', { where: { status: 'READY' } });
  const { uniqueid } = await env.ucsd.rest('POST', '/api/v1.0/sandbox/calls',
    { from: '+420777123456', queue, audio: { tone: CALLER_HZ } });
  await bar.wait('onCallRinging', { where: { uniqueid } });
  await bar.ok('answer');
  await bar.wait('onCallConnect', { where: { uniqueid } });
  return uniqueid;
}
const talking = (bar, options = {}, headers = {}) => answered(bar, { options, headers });

// Hangs up from the bar.
async function hangup(bar, uniqueid) {
  await bar.ok('hangup');
  await bar.wait('onCallHangup', { where: { uniqueid } });
}

test('the agent hears the caller\'s 440 Hz in what the page plays, and the caller hears the microphone\'s 1 kHz', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await talking(bar);

    const heardMs = await until('440 Hz in what the page plays', async () => playsTone(await played(bar), CALLER_HZ));
    t.diagnostic(`the caller's tone played ${heardMs} ms after the answer was confirmed`);
    const outputs = await played(bar);
    assert.ok(!playsTone(outputs, MIC_HZ), 'the page does not play the microphone back');

    // The caller heard the agent's microphone: the 1 kHz tone dominates its last half second.
    await until('half a second of the agent in /heard', async () => (await heard(uniqueid)).samples.length >= 8000 + 1600);
    const tail = await heardTail(uniqueid, 0.5);
    const mic = goertzel(tail.samples, tail.rate, MIC_HZ);
    const wrong = goertzel(tail.samples, tail.rate, CALLER_HZ);
    t.diagnostic(`caller heard: 1 kHz share ${mic.share.toFixed(3)}, rms ${mic.rms.toFixed(4)}; 440 Hz share ${wrong.share.toFixed(3)}`);
    assert.ok(mic.share > 0.6 && mic.rms > 0.01, `1 kHz in what the caller heard (share ${mic.share}, rms ${mic.rms})`);
    assert.ok(wrong.share < 0.1, 'no 440 Hz echo in what the caller heard');

    const stats = await mediaStats(bar);
    t.diagnostic(`media path: ${JSON.stringify(stats)}`);
    assert.ok(stats.attached && stats.sent > 20 && stats.played > 20);

    await hangup(bar, uniqueid);
  }));

test('on hold the agent hears silence and the tone comes back on unhold; muted, the caller hears silence', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await talking(bar);
    await until('440 Hz before hold', async () => playsTone(await played(bar), CALLER_HZ));

    await bar.ok('hold');
    await bar.wait('onCallHold', { where: { uniqueid } });
    await until('silence on hold', async () => playsNothing(await played(bar)));
    for (let i = 0; i < 5; i++) { // and it stays silent
      await delay(100);
      const outputs = await played(bar);
      assert.ok(!playsTone(outputs, CALLER_HZ) && playsNothing(outputs), 'nothing plays while held');
    }
    await bar.ok('unhold');
    await bar.wait('onCallResume', { where: { uniqueid } });
    await until('440 Hz after unhold', async () => playsTone(await played(bar), CALLER_HZ));

    // Talking: the caller hears the 1 kHz; muted for a second: the last 0.4 s it heard are silent.
    await delay(600);
    const talkingTail = await heardTail(uniqueid, 0.4);
    assert.ok(goertzel(talkingTail.samples, talkingTail.rate, MIC_HZ).share > 0.6, 'the caller hears the agent before mute');
    await bar.ok('mute');
    await bar.wait('onCallMute', { where: { uniqueid } });
    await delay(1_000);
    const mutedTail = await heardTail(uniqueid, 0.4);
    const muted = goertzel(mutedTail.samples, mutedTail.rate, MIC_HZ);
    t.diagnostic(`muted: 1 kHz amplitude^2 ${muted.power.toExponential(2)}, rms ${muted.rms.toExponential(2)}`);
    assert.ok(muted.rms < 0.001 && muted.power < 1e-6, `silence while muted (rms ${muted.rms})`);
    const stats = await mediaStats(bar);
    assert.ok(stats.silenceSent >= 40, `silence frames sent while muted (${stats.silenceSent})`);
    assert.ok(playsTone(await played(bar), CALLER_HZ), 'muted, the agent still hears the caller');

    await hangup(bar, uniqueid);
  }));

test('a janky CRM page (its main thread busy 60 ms of every 100 ms) still hears and is heard', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await talking(bar);
    await until('440 Hz before the jank', async () => playsTone(await played(bar), CALLER_HZ));
    await bar.page.evaluate(() => {
      window.crmJank = setInterval(() => { const end = performance.now() + 60; while (performance.now() < end); }, 100);
    });
    await delay(1_000); // the jitter buffer has adapted to the bursts
    let heardTone = 0;
    for (let i = 0; i < 10; i++) {
      if (playsTone(await played(bar), CALLER_HZ)) heardTone += 1;
      await delay(150);
    }
    const tail = await heardTail(uniqueid, 0.5);
    const mic = goertzel(tail.samples, tail.rate, MIC_HZ);
    const stats = await mediaStats(bar);
    await bar.page.evaluate(() => clearInterval(window.crmJank));
    t.diagnostic(`janky page: 440 Hz in ${heardTone}/10 output windows; caller: 1 kHz share ${mic.share.toFixed(3)}; ${JSON.stringify(stats)}`);
    assert.ok(heardTone >= 9, `the agent hears the caller through the jank (${heardTone}/10)`);
    assert.ok(mic.share > 0.6 && mic.rms > 0.01, 'the caller hears the agent through the jank');
    await hangup(bar, uniqueid);
  }));

test('a desk phone downloads no codec: the codec module is fetched only by a softphone\'s media owner', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const fetched = [];
    bar.page.on('request', (request) => fetched.push(request.url()));
    const uniqueid = await answered(bar, { line: '101', queue: 1 });
    await delay(500);
    await hangup(bar, uniqueid);
    assert.ok(fetched.some((u) => u.includes('/operator/operator-v')), 'the bar itself was fetched (the listener works)');
    assert.deepEqual(fetched.filter((u) => u.includes('operator-media')), [], 'no codec module with a desk phone');
    assert.equal(await bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')]), undefined,
      'and the softphone code was not even evaluated');
  }));

test('the softphone\'s media owner fetches the codec module once', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const fetched = [];
    bar.page.on('request', (request) => fetched.push(request.url()));
    const uniqueid = await talking(bar);
    await until('audio', async () => playsTone(await played(bar), CALLER_HZ));
    // The worklet's own script is fetched by the audio worklet, which Playwright's request events do not
    // report; the page's resource timing does. Either way each file is fetched once.
    const timed = await bar.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    const codec = [...new Set([...fetched, ...timed])].filter((u) => u.includes('operator-media')).map((u) => new URL(u).pathname).sort();
    t.diagnostic(`codec files: ${JSON.stringify(codec)}; requests: ${fetched.filter((u) => u.includes('operator-media')).length}`);
    assert.ok(codec.includes('/operator/operator-media-v4.0.0.wasm'), 'the codec module');
    assert.equal(fetched.filter((u) => u.includes('operator-media-v4.0.0.wasm')).length, 1, 'fetched once');
    await hangup(bar, uniqueid);
  }));

test('under the strict CSP of csp.test.mjs the codec module and its worklet load and the call is heard, without a violation', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const port = env.ucsd.port;
    const csp = `default-src 'self'; script-src 'self' http://127.0.0.1:${port} 'wasm-unsafe-eval'; ` +
      `connect-src http://127.0.0.1:${port} ws://127.0.0.1:${port}`;
    const uniqueid = await talking(bar, {}, { 'content-security-policy': csp });
    await until('440 Hz under the CSP', async () => playsTone(await played(bar), CALLER_HZ));
    await delay(600);
    const tail = await heardTail(uniqueid, 0.4);
    assert.ok(goertzel(tail.samples, tail.rate, MIC_HZ).share > 0.6, 'the caller hears the agent');
    assert.deepEqual(await bar.page.evaluate(() => window.crm.cspViolations), [], 'no securitypolicyviolation event');
    assert.deepEqual(bar.console.filter((l) => /Content Security Policy|Refused to/i.test(l)), [], 'no CSP message on the console');
    await hangup(bar, uniqueid);
  }));

// Last: with autologout off the softphone stays paired to agent1 after this test.
test('a reload mid-call: the new page attaches with its new session and the audio is back', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await talking(bar, { autologout: false });
    await until('440 Hz before the reload', async () => playsTone(await played(bar), CALLER_HZ));

    const reloaded = Date.now();
    await bar.page.reload({ waitUntil: 'load' });
    await bar.ssoLogin('agent1');
    await bar.wait('onReady'); // the softphone is still paired: straight to READY, with the call
    await until('440 Hz after the reload', async () => playsTone(await played(bar), CALLER_HZ), 10_000);
    const gapMs = Date.now() - reloaded;
    t.diagnostic(`the agent hears the caller again ${gapMs} ms after the reload began`);
    await delay(500);
    const tail = await heardTail(uniqueid, 0.3);
    assert.ok(goertzel(tail.samples, tail.rate, MIC_HZ).share > 0.6, 'the caller hears the agent again');

    await hangup(bar, uniqueid);
  }));

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
