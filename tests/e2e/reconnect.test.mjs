// ucsd drops every socket mid-call (a TCP proxy in front of it is severed; ucsd itself keeps
// running and keeps the session for a resume): the bar reconnects, resumes its session and
// hears exactly the events it missed, each once.
import assert from 'node:assert/strict';
import test from 'node:test';
import { TEST_TIMEOUT_MS, barPage, e2eSuite, outage as cut, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url, { proxy: true });
const outage = (bar, whileDown) => cut(env, bar, whileDown);

const CALL_CALLBACKS = ['onCallNew', 'onCallRinging', 'onCallConnect', 'onCallHold', 'onCallResume', 'onCallHangup',
  'onCallMute', 'onCallUnmute'];

// No call callback was fired twice for the same call.
async function expectNoDuplicates(bar) {
  const events = await bar.events();
  const seen = new Map();
  for (const e of events) {
    if (!CALL_CALLBACKS.includes(e.name)) continue;
    const key = `${e.name} ${e.args[0].uniqueid}`;
    seen.set(key, (seen.get(key) || 0) + 1);
  }
  const twice = [...seen].filter(([key, n]) => n > 1 && !/Hold|Resume|Mute|Unmute/.test(key));
  assert.deepEqual(twice, [], 'no call callback twice');
}

test('sockets dropped mid-call: after the resume exactly the missed hangup, once', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { spy: true, apiPort: env.proxy.port, options: { identifyIP: true } }));
    await bar.ready('agent1');
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });

    const uniqueid = await env.ucsd.ringQueue({ queue: 1, from: '+420602000111' });
    await bar.wait('onCallRinging', { where: { uniqueid } });
    await bar.ok('answer');
    await bar.wait('onCallConnect', { where: { uniqueid } });
    const statesBefore = await bar.count('onStateChange');

    // The far end hangs up while the bar is cut off (ucsd hears of it over REST, not the proxy).
    await outage(bar, async () => {
      await env.ucsd.farEndHangup(uniqueid);
      assert.equal(await bar.count('onCallHangup'), 0, 'nothing can arrive while the socket is down');
    });
    const [hangup] = await bar.wait('onCallHangup', { where: { uniqueid } });
    assert.equal(hangup.args[0].cause, 3);
    // The agent went to wrap-up (ACW) meanwhile: also missed, also heard once.
    await bar.wait('onStateChange', { where: { status: 'ACW' } });

    // Everything after the drop came through a resumed session, not a new one.
    const sent = await bar.page.evaluate(() => window.crmWs.methodsSent(0));
    assert.equal(sent.filter((m) => m === 'hello').length, 1, `one hello: ${sent.join(',')}`);
    assert.ok(sent.includes('session.resume'), 'the session was resumed');
    assert.equal(await bar.count('onConnect'), 1);
    assert.equal(await bar.count('onCredentials'), 1);
    assert.equal(await bar.count('onReady'), 1);
    assert.equal(await bar.count('onCallHangup', { uniqueid }), 1);
    assert.equal(await bar.count('onCallRinging', { uniqueid }), 1);
    assert.equal(await bar.count('onCallConnect', { uniqueid }), 1);
    assert.deepEqual((await bar.list('onStateChange')).slice(statesBefore).map((e) => e.args[0].status), ['ACW']);
    assert.equal((await bar.state()).call, null);
    assert.equal((await bar.state()).status, 'ACW');

    // The bar works on the new socket: a call that starts ringing during a second outage.
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' }, count: 2 });
    let second;
    await outage(bar, async () => {
      second = await env.ucsd.ringQueue({ queue: 1, from: '+420602000222' });
    });
    await bar.wait('onCallRinging', { where: { uniqueid: second } });
    await bar.ok('answer');
    await bar.wait('onCallConnect', { where: { uniqueid: second } });
    await bar.ok('hangup');
    await bar.wait('onCallHangup', { where: { uniqueid: second } });
    assert.equal(await bar.count('onCallRinging', { uniqueid: second }), 1);
    await expectNoDuplicates(bar);
    assert.equal(await bar.count('onError'), 0);
  }));

test('a method called while the socket is down is carried out after the resume', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { spy: true, apiPort: env.proxy.port, options: { identifyIP: true } }));
    await bar.ready('agent2');
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });

    let pending;
    await outage(bar, async () => {
      // Called during the outage: queued by the bar, sent once the session is back.
      pending = bar.call('changeStatus', 'AUX', 'Break');
    });
    const result = await pending;
    assert.equal(result.ok, true, JSON.stringify(result));
    await bar.wait('onStateChange', { where: { status: 'AUX', reason: 'Break' } });
    assert.equal(await bar.count('onStateChange', { status: 'AUX' }), 1);
    const agent2 = (await env.ucsd.agents()).find((a) => a.username === 'agent2');
    assert.equal(agent2.status, 'AUX');
    assert.equal(agent2.reason, 'Break');
  }));
