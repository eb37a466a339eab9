// The softphone when the browser says no: the default autoplay rule (no sound before a user gesture)
// and a microphone the agent (or the browser's policy) refused.
import assert from 'node:assert/strict';
import test from 'node:test';
import { FAKE_MEDIA_ARGS, TEST_TIMEOUT_MS, WAIT_MS, barPage, e2eSuite, freshSsoToken, withBar } from './support/harness.mjs';

// Chromium's default autoplay rule. Playwright runs page.evaluate() as a user gesture, so until the
// ring the page drives itself (config.js logs in, pairs softphone 201 and goes READY) and the test
// watches through ucsd's REST API; the first evaluate comes after the AudioContext was made.
const env = e2eSuite(import.meta.url, { browserArgs: FAKE_MEDIA_ARGS });

const level = (bar) => bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')]?.level() ?? -Infinity);

async function until(what, probe) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waited ${WAIT_MS} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function selfDrivingPage(username, identifier, options = {}) {
  const extraConfigJs = `
(function () {
  var bar = window.ucsOperator, recorded = { onCredentials: bar.onCredentials, onIdentify: bar.onIdentify, onReady: bar.onReady };
  bar.onCredentials = function () { recorded.onCredentials.apply(this, arguments); this.sso(${JSON.stringify(username)}, ${JSON.stringify(freshSsoToken(username))}); };
  bar.onIdentify = function () { recorded.onIdentify.apply(this, arguments); this.selectIdentifier(${JSON.stringify(identifier)}); };
  bar.onReady = function () { recorded.onReady.apply(this, arguments); this.changeStatus('READY'); };
})();
`;
  return barPage(env, { options, extraConfigJs });
}

async function ringWithoutGesture(bar, options) {
  await bar.open(selfDrivingPage('agent1', '201', options));
  await until('agent1 READY on softphone 201', async () =>
    (await env.ucsd.agents()).find((a) => a.username === 'agent1')?.status === 'READY');
  const uniqueid = await env.ucsd.ringQueue({ queue: 2, from: '+420777123456' });
  await bar.wait('onCallRinging', { where: { uniqueid } }); // the first evaluate: the ring's AudioContext exists
  return uniqueid;
}

test('a ring before any gesture: audio "blocked", one onWarning and a hint; the first click lets the ringtone sound', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await ringWithoutGesture(bar, {});
    await bar.waitFor(() => window.ucsOperator.state().audio === 'blocked', null, { what: 'state().audio "blocked"' });
    await bar.waitFor(() => window.crm.list('onWarning').some((e) => /cannot be heard/.test(JSON.stringify(e.args))), null,
      { what: 'an onWarning saying the ring cannot be heard' });
    assert.ok(await level(bar) < -90, 'nothing plays before the gesture');
    const hint = bar.page.getByRole('button', { name: /enable sound|zapnout zvuk/i }) // agent1's locale is cs;
    await hint.waitFor({ state: 'visible', timeout: 10_000 });
    await bar.screenshot('softphone-blocked--autoplay-hint');

    await hint.click();
    await bar.waitFor(() => window.ucsOperator.state().audio === 'ready', null, { what: 'state().audio "ready" after a click' });
    await bar.waitFor(() => window[Symbol.for('ucsOperator.audioTap')].level() > -45, null, { what: 'the ringtone after the click' });
    assert.equal(await hint.isVisible(), false, 'the hint goes once sound plays');
    const warnings = (await bar.args('onWarning')).filter((a) => /cannot be heard/.test(JSON.stringify(a)));
    assert.equal(warnings.length, 1, 'the blocked ring is reported once');

    await bar.ok('answer');
    await bar.wait('onCallConnect', { where: { uniqueid } });
    await bar.ok('hangup');
    await bar.wait('onCallHangup', { where: { uniqueid } });
  }));

test('a headless bar gets the same state and warning, and any keydown on the page unlocks it', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await ringWithoutGesture(bar, { headless: true });
    await bar.waitFor(() => window.ucsOperator.state().audio === 'blocked', null, { what: 'state().audio "blocked"' });
    await bar.waitFor(() => window.crm.list('onWarning').some((e) => /cannot be heard/.test(JSON.stringify(e.args))), null,
      { what: 'an onWarning saying the ring cannot be heard' });
    await bar.page.keyboard.press('Shift');
    await bar.waitFor(() => window.ucsOperator.state().audio === 'ready', null, { what: 'state().audio "ready" after a key' });
    await bar.waitFor(() => window[Symbol.for('ucsOperator.audioTap')].level() > -45, null, { what: 'the ringtone after the key' });
    await env.ucsd.farEndHangup(uniqueid); // (the agent's hangup would only send the call back to the queue)
    await bar.wait('onCallHangup', { where: { uniqueid } });
    await bar.waitFor(() => window[Symbol.for('ucsOperator.audioTap')].level() < -90, null, { what: 'silence after the caller gave up' });
  }));

test('a refused microphone is onError with a clear message, and the call is still controllable', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    // What a browser answers once the agent clicked "Block" on the microphone prompt (the suite's fake
    // media UI would otherwise grant it): getUserMedia rejects with NotAllowedError.
    await bar.page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await bar.open(barPage(env, { options: { headless: true } }));
    await bar.ready('agent1', '201');
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });
    const uniqueid = await env.ucsd.ringQueue({ queue: 2, from: '+420777123456' });
    await bar.wait('onCallRinging', { where: { uniqueid } });
    await bar.ok('answer');
    await bar.wait('onCallConnect', { where: { uniqueid } });
    const [error] = await bar.wait('onError');
    assert.match(JSON.stringify(error.args), /microphone/i, 'the message names the microphone');

    await bar.ok('hold');
    await bar.wait('onCallHold', { where: { uniqueid } });
    await bar.ok('unhold');
    await bar.ok('hangup');
    await bar.wait('onCallHangup', { where: { uniqueid } });
    assert.equal((await bar.state()).call, null);
  }));
