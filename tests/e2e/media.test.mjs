// The softphone's call audio end to end (docs/media.md, "The bar's side"): Chromium's fake microphone
// plays a 1 kHz tone from a WAV this file writes; a simulated caller plays 440 Hz. What the caller heard
// comes from ucsd (GET .../heard, a WAV); what the page plays is read from the AnalyserNode on the bar's
// output (the audio tap), after the AudioWorklet: both are checked with Goertzel, against thresholds a
// silent or wrong-frequency signal fails. Hold: the agent hears nothing; mute: the caller hears nothing.
// agent2 runs in a second browser whose fake microphone plays 1.5 kHz: agent to agent both ways, a
// consultation and finishTransfer, and (through the TCP proxy in front of ucsd) every socket cut
// mid-call: back after the resume, nothing twice. Helpers: support/call-audio.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import * as audio from './support/call-audio.mjs';
import { mediaStats, played, playsNothing, playsTone, readyOnPhone, until } from './support/call-audio.mjs';
import { TEST_TIMEOUT_MS, e2eSuite, fakeMicrophoneArgs, freshSsoToken, outage, withBar } from './support/harness.mjs';
import { goertzel, writeToneWav } from './support/tones.mjs';

const MIC_HZ = 1000;
const CALLER_HZ = 440;
const AGENT2_HZ = 1500; // agent2's microphone, in a browser of its own

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ucs-media-e2e-'));
const micWav = path.join(dir, 'tone-1khz.wav');
writeToneWav(micWav, MIC_HZ);
const agent2Wav = path.join(dir, 'tone-1500hz.wav');
writeToneWav(agent2Wav, AGENT2_HZ);

const env = e2eSuite(import.meta.url, {
  proxy: true, // the socket cut
  browserArgs: fakeMicrophoneArgs(micWav),
  browsers: { agent2: fakeMicrophoneArgs(agent2Wav) }, // agent2's microphone plays another tone
});

// ---- the call -----------------------------------------------------------------------------------

const heard = (uniqueid) => audio.heard(env, uniqueid);
const heardTail = (uniqueid, seconds) => audio.heardTail(env, uniqueid, seconds);

async function endAllCalls() {
  for (const call of await env.ucsd.activeCalls()) await env.ucsd.farEndHangup(call.uniqueid).catch(() => {});
}

// agent1 READY on `line` with a connected queue call (from a caller playing 440 Hz on softphones).
async function answered(bar, { line = '201', queue = 2, options = {}, headers = {}, apiPort } = {}) {
  await endAllCalls();
  await readyOnPhone(bar, env, 'agent1', line, { options, headers, apiPort });
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

test('on hold the agent hears silence and the caller music, and the tone comes back on unhold; muted, the caller hears silence', { timeout: TEST_TIMEOUT_MS }, (t) =>
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
    // ... while the held caller hears music on hold: not silence, not the agent's microphone.
    const heldTail = await heardTail(uniqueid, 0.4);
    const music = goertzel(heldTail.samples, heldTail.rate, MIC_HZ);
    t.diagnostic(`held: the caller's last 0.4 s rms ${music.rms.toFixed(4)}, 1 kHz share ${music.share.toFixed(3)}`);
    assert.ok(music.rms > 0.01 && music.share < 0.1, 'the held caller hears music on hold');
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

// ---- two agents, transfers, a cut, a recording -------------------------------------------------

// A second bar in the browser whose microphone plays AGENT2_HZ.
const withAgent2 = (t, fn, options = {}) => withBar(t, env, fn, { browser: env.browsers.agent2, label: 'agent2', ...options });
const heardSeconds = async (uniqueid) => { const h = await heard(uniqueid); return h.samples.length / h.rate; };
// Do the last `seconds` the caller heard carry `hz` (false while it has heard less than that)?
const heardCarries = async (uniqueid, seconds, hz) => {
  const { rate, samples } = await heard(uniqueid);
  const n = Math.floor(rate * seconds);
  return samples.length >= n && audio.carries({ rate, samples: samples.subarray(samples.length - n) }, hz);
};

test('another microphone chosen mid-call takes over at once: the old track is stopped and the caller still hears the agent', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await talking(bar, { headless: false }); // the agent chooses in the bar's settings
    await bar.page.setViewportSize({ width: 900, height: 700 });
    await until('the caller hears the agent', async () => heardCarries(uniqueid, 0.3, MIC_HZ));
    const tap = () => bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')].microphone());
    const before = await tap();
    assert.ok(before?.open && before.readyState === 'live', 'the call has the microphone');

    await bar.page.click('[data-k="tab-settings"]');
    const choice = bar.page.locator('select[name="microphone"]');
    await bar.page.waitForFunction(() => {
      const select = document.getElementById('ucsOperator')?.shadowRoot?.querySelector('select[name="microphone"]');
      return select && select.options.length > 1;
    }, null, { timeout: 10_000 });
    const values = await choice.locator('option').evaluateAll((list) => list.map((o) => o.value));
    const chosen = values.filter((v) => v !== '').at(-1);
    await choice.selectOption(chosen);
    const switchedMs = await until('a new microphone track', async () => (await tap())?.id !== before.id);
    const after = await tap();
    // (The choice is an `ideal` constraint, and Chromium's fake device reports itself as "default".)
    t.diagnostic(`microphone ${before.settings.deviceId} -> ${after.settings.deviceId} (chose ${chosen}) in ${switchedMs} ms`);
    assert.deepEqual(after.previous, { id: before.id, readyState: 'ended' }, 'the old track is stopped');
    assert.ok(after.open && after.readyState === 'live' && after.enabled, 'the new one is live');

    await delay(800); // what the caller heard before the switch is out of the last 0.4 s
    assert.ok(await heardCarries(uniqueid, 0.4, MIC_HZ), 'the caller hears the agent through the new microphone');
    await hangup(bar, uniqueid);
  }));

test('the call history plays a recorded call\'s recording in the browser\'s own player', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    // Queue 1 (Support) is recorded.
    const uniqueid = await answered(bar, { queue: 1, options: { headless: false } });
    await bar.page.setViewportSize({ width: 900, height: 700 });
    await until('the caller hears the agent', async () => heardCarries(uniqueid, 0.3, MIC_HZ));
    await delay(1_000);
    await hangup(bar, uniqueid);
    await delay(500); // the recording's last page is written

    await bar.page.click('[data-k="tab-history"]');
    await bar.page.click(`[data-k="play-${uniqueid}"]`);
    const player = `[data-k="rec-${uniqueid}"]`;
    await bar.page.waitForSelector(player, { timeout: 10_000 });
    const state = await bar.page.waitForFunction((selector) => {
      const el = document.getElementById('ucsOperator').shadowRoot.querySelector(selector);
      if (!el || el.error || !(el.currentTime > 0.3)) return null; // playing, not only loaded
      return { duration: el.duration, currentTime: el.currentTime, paused: el.paused, readyState: el.readyState };
    }, player, { timeout: 10_000, polling: 50 }).then((handle) => handle.jsonValue());
    t.diagnostic(`the history's player: ${JSON.stringify(state)}`);
    assert.ok(state.duration > 1 && state.duration < 60, `the whole call's length (${state.duration} s)`);
    await bar.screenshot('media--history-plays-a-recording');
  }));

test('agent to agent: agent1 on softphone 201 calls agent2 on 202 and each page plays the other\'s microphone', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, (bar1) => withAgent2(t, async (bar2) => {
    await endAllCalls();
    await readyOnPhone(bar1, env, 'agent1', '201');
    await readyOnPhone(bar2, env, 'agent2', '202');
    const { uniqueid } = await bar1.ok('dial', '202');
    await bar2.wait('onCallRinging');
    await bar2.ok('answer');
    await bar1.wait('onCallConnect', { where: { uniqueid } });

    const at1 = await until('agent2\'s 1.5 kHz in what agent1\'s page plays', async () => playsTone(await played(bar1), AGENT2_HZ));
    const at2 = await until('agent1\'s 1 kHz in what agent2\'s page plays', async () => playsTone(await played(bar2), MIC_HZ));
    t.diagnostic(`agent1 hears agent2 ${at1} ms after connect, agent2 hears agent1 ${at2} ms after that`);
    assert.ok(!playsTone(await played(bar1), MIC_HZ), 'agent1 does not hear its own microphone');
    assert.ok(!playsTone(await played(bar2), AGENT2_HZ), 'agent2 does not hear its own microphone');

    await hangup(bar1, uniqueid);
    await bar2.wait('onCallHangup');
  })));

test('a consultation: the held caller hears neither agent while they hear each other; after finishTransfer the caller and agent2 hear each other and agent1 nothing', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, (bar1) => withAgent2(t, async (bar2) => {
    await readyOnPhone(bar2, env, 'agent2', '202'); // not in queue 2: the caller goes to agent1
    const uniqueid = await answered(bar1);
    await until('the caller\'s 440 Hz at agent1', async () => playsTone(await played(bar1), CALLER_HZ));

    const consultation = await bar1.ok('transfer', '202');
    await bar1.wait('onCallHold', { where: { uniqueid } });
    await bar2.wait('onCallRinging');
    await bar2.ok('answer');
    await bar1.wait('onCallConnect', { where: { uniqueid: consultation.uniqueid } });
    const heldFrom = await heardSeconds(uniqueid);
    await until('agent2\'s 1.5 kHz at agent1 in the consultation', async () => playsTone(await played(bar1), AGENT2_HZ));
    await until('agent1\'s 1 kHz at agent2 in the consultation', async () => playsTone(await played(bar2), MIC_HZ));
    assert.ok(!playsTone(await played(bar1), CALLER_HZ), 'agent1 no longer hears the held caller');
    assert.ok(!playsTone(await played(bar2), CALLER_HZ), 'agent2 does not hear the held caller');
    // The held caller hears music on hold, and neither agent.
    await delay(500);
    const grewWhileHeld = (await heardSeconds(uniqueid)) - heldFrom;
    const held = await heardTail(uniqueid, Math.min(grewWhileHeld, 0.5));
    const [agent1Heard, agent2Heard] = [MIC_HZ, AGENT2_HZ].map((hz) => goertzel(held.samples, held.rate, hz));
    t.diagnostic(`the held caller heard ${grewWhileHeld.toFixed(3)} s during the consultation: rms ${agent1Heard.rms.toFixed(4)}, ` +
      `1 kHz share ${agent1Heard.share.toFixed(3)}, 1.5 kHz share ${agent2Heard.share.toFixed(3)}`);
    assert.ok(grewWhileHeld > 0.3 && agent1Heard.rms > 0.01, 'the held caller hears music on hold');
    assert.ok(agent1Heard.share < 0.1 && agent2Heard.share < 0.1, 'no agent audio reaches the held caller');

    await bar1.ok('finishTransfer');
    const [original] = await bar1.wait('onCallHangup', { where: { uniqueid } });
    assert.equal(original.args[0].cause, 8, 'agent1 transferred the call');
    await bar1.wait('onCallHangup', { where: { uniqueid: consultation.uniqueid } });
    const callerAt2 = await until('the caller\'s 440 Hz at agent2', async () => playsTone(await played(bar2), CALLER_HZ));
    const at2 = await until('agent2\'s 1.5 kHz in what the caller heard',
      async () => heardCarries(uniqueid, 0.4, AGENT2_HZ));
    t.diagnostic(`after finishTransfer agent2 hears the caller within ${callerAt2} ms, the caller agent2 within ${at2} ms more`);
    const tail = await heardTail(uniqueid, 0.4);
    assert.ok(goertzel(tail.samples, tail.rate, MIC_HZ).share < 0.1, 'the caller no longer hears agent1');

    // agent1 is out of the call: its page plays nothing and no frame reaches it any more.
    await until('silence at agent1', async () => playsNothing(await played(bar1)));
    const received = (await mediaStats(bar1))?.received ?? 0;
    for (let i = 0; i < 5; i++) {
      await delay(100);
      assert.ok(playsNothing(await played(bar1)), 'agent1 hears nothing after the transfer');
    }
    assert.equal((await mediaStats(bar1))?.received ?? 0, received, 'no frame reaches agent1 after the transfer');

    await hangup(bar2, (await bar2.state()).call.uniqueid);
  })));

test('the sockets cut mid-call: the audio is back both ways within 2 s of the resume, nothing played or heard twice; the recording is the agent\'s, not another agent\'s', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, (bar) => withAgent2(t, async (other) => {
    // Queue 1 (Support) is recorded; agent2, its other member, is not logged in yet.
    const uniqueid = await answered(bar, { queue: 1, apiPort: env.proxy.port });
    await until('440 Hz before the cut', async () => playsTone(await played(bar), CALLER_HZ));
    await until('the caller hears the agent before the cut', async () => heardCarries(uniqueid, 0.3, MIC_HZ));
    const before = await mediaStats(bar);
    const heard0 = await heardSeconds(uniqueid);
    const t0 = Date.now();

    let down = 0; // seconds during which no frame can pass the proxy: from the cut to the unblock
    await outage(env, bar, async () => {
      await delay(400); // what was in flight has played out
      assert.ok(!playsTone(await played(bar), CALLER_HZ), 'the cut silences the call: what follows is the resume\'s doing');
      down = (Date.now() - t0) / 1000;
    });
    const backMs = await until('440 Hz after the resume', async () => playsTone(await played(bar), CALLER_HZ), 2_000);
    const heardBackMs = await until('the agent in what the caller heard after the resume',
      async () => heardCarries(uniqueid, 0.3, MIC_HZ), 2_000);
    t.diagnostic(`after the resume the agent hears the caller within ${backMs} ms, the caller the agent within ${heardBackMs} ms more`);
    await delay(500);
    const after = await mediaStats(bar);
    const grew = (await heardSeconds(uniqueid)) - heard0;
    const elapsed = (Date.now() - t0) / 1000;
    t.diagnostic(`media path before ${JSON.stringify(before)}; after ${JSON.stringify(after)}; ` +
      `the caller heard ${grew.toFixed(2)} s of audio in ${elapsed.toFixed(2)} s, ${down.toFixed(2)} s of them cut off`);
    assert.ok(after.attached && after.attachedAt > before.attachedAt, 'the media socket attached again');
    assert.equal(after.duplicates, 0, 'no frame reached the bar\'s jitter buffer twice');
    assert.ok(after.played > before.played, 'frames are played after the resume');
    // ucsd keeps every 20 ms frame the caller hears: more audio than the time the sockets were up
    // (plus what was in flight at the start) would be audio sent twice.
    assert.ok(grew <= elapsed - down + 0.15, `the caller heard ${grew} s in the ${elapsed - down} s the sockets were up: nothing twice`);

    await hangup(bar, uniqueid);
    await bar.ok('logout');
    await delay(500); // the recording's last page is written

    // The recording (docs/server.md, "Recordings"), fetched from the CRM's page as a browser does.
    let mine;
    await until('the recording', async () => {
      mine = await audio.fetchRecordingAs(bar.page, env, { user: 'agent1', ssoToken: freshSsoToken('agent1'), phone: '101', uniqueid });
      return mine.get.status === 200 && mine.get.length > 1000;
    }, 5_000);
    const { decoded, ...served } = mine;
    t.diagnostic(`agent1's recording: ${JSON.stringify(served)}`);
    assert.deepEqual([mine.get.type, mine.get.magic], ['audio/ogg', 'OggS']);
    // The browser plays it as two channels: the caller's on the left, the agent's on the right. A
    // channel has its end's tone when some 100 ms of it is that tone (the agent's is cut off for a
    // while), and nothing of the other end's: that tone's share of the whole channel's power.
    assert.equal(decoded.channels, 2, 'a stereo recording');
    const [left, right] = decoded.samples.map((samples, channel) => {
      const [own, other] = channel === 0 ? [CALLER_HZ, MIC_HZ] : [MIC_HZ, CALLER_HZ];
      const window = decoded.rate / 10;
      const clearest = Math.max(...Array.from({ length: Math.floor(samples.length / window) },
        (_, i) => goertzel(samples.slice(i * window, (i + 1) * window), decoded.rate, own).share));
      return { own: clearest, other: goertzel(samples, decoded.rate, other).share };
    });
    t.diagnostic(`recording: ${(decoded.samples[0].length / decoded.rate).toFixed(2)} s; left ${JSON.stringify(left)}, right ${JSON.stringify(right)}`);
    assert.ok(left.own > 0.8 && left.other < 0.05, 'the caller, and only the caller, on the left');
    assert.ok(right.own > 0.8 && right.other < 0.05, 'the agent, and only the agent, on the right');
    assert.deepEqual(mine.head, { status: 200, length: mine.get.length, bodyBytes: 0 }, 'HEAD: its length, no body');
    await other.open(env.crm.addPage({ html: '<!doctype html><title>agent2</title>' }));
    const theirs = await audio.fetchRecordingAs(other.page, env, { user: 'agent2', ssoToken: freshSsoToken('agent2'), phone: '102', uniqueid });
    assert.deepEqual([theirs.get.status, theirs.get.code, theirs.head.status], [403, 'FORBIDDEN', 403], 'another agent is refused');
  }, { checkThis: false })));

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
