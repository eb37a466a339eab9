// The bar in a multi-page CRM's life (issue 14): a reload or a navigation to another CRM page during
// a call keeps the agent and the call (the unload beacon only starts a grace in ucsd), a real close
// logs out after it; a bar whose connection dropped is not offered queue calls; numbers are dialled
// as CRMs store them. The bar goes through ucsd's address or a TCP proxy in front of it (severed to
// drop the bar's connection while ucsd runs on).
import assert from 'node:assert/strict';
import test from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Bar, TEST_TIMEOUT_MS, barPage, e2eSuite, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url, { proxy: true });

// Every test starts on a quiet network: a call a failed test left behind would ring the next one.
async function endAllCalls() {
  for (const call of await env.ucsd.activeCalls()) await env.ucsd.farEndHangup(call.uniqueid).catch(() => {});
}

// agent1 READY on 101 (identifyIP) with a connected queue call; returns its uniqueid.
async function onAQueueCall(bar, url) {
  await endAllCalls();
  await bar.open(url);
  // sso() with a provider, as the document has it: the bar then sends the unload beacon at pagehide.
  await bar.ssoLogin('agent1', { provider: 'CRM' });
  await bar.wait('onReady');
  await bar.ok('changeStatus', 'READY');
  await bar.wait('onStateChange', { where: { status: 'READY' } });
  const uniqueid = await env.ucsd.ringQueue({ queue: 1, from: '+420602000222' });
  await bar.wait('onCallRinging', { where: { uniqueid } });
  await bar.ok('answer');
  await bar.wait('onCallConnect', { where: { uniqueid } });
  return uniqueid;
}

async function expectCallAlive(uniqueid) {
  const calls = await env.ucsd.activeCalls();
  assert.ok(calls.some((c) => c.uniqueid === uniqueid && c.state === 3), `call ${uniqueid} still connected: ${JSON.stringify(calls)}`);
}

test('F5 during a call: the reloaded page logs in with sso() and onReady carries the same call', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const url = barPage(env, { options: { identifyIP: true } });
    const uniqueid = await onAQueueCall(bar, url);
    await bar.page.reload({ waitUntil: 'load' });
    await bar.ssoLogin('agent1', { provider: 'CRM' });
    const [ready] = await bar.wait('onReady');
    assert.ok(ready.args[0].call, 'onReady carries the call');
    assert.equal(ready.args[0].call.uniqueid, uniqueid);
    assert.equal(ready.args[0].device.identifier, '101');
    await delay(6_000);  // past the old page's grace: the call and the agent stay
    await expectCallAlive(uniqueid);
    assert.equal(await bar.count('onCallHangup'), 0);
    await bar.ok('hangup');
    await bar.wait('onCallHangup', { where: { uniqueid } });
  }));

test('navigating to another page of the CRM during a call keeps the agent and the call', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const uniqueid = await onAQueueCall(bar, barPage(env, { options: { identifyIP: true } }));
    const secondPage = barPage(env, { options: { identifyIP: true } });
    await bar.open(secondPage);
    await bar.ssoLogin('agent1', { provider: 'CRM' });
    const [ready] = await bar.wait('onReady');
    assert.equal(ready.args[0].call?.uniqueid, uniqueid, 'the new page shows the call');
    await delay(6_000);
    await expectCallAlive(uniqueid);
  }));

test('closing the tab logs the agent out once the grace has passed, and the caller is hung up', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const bar = new Bar(env, context, page, t);
  const uniqueid = await onAQueueCall(bar, barPage(env, { options: { identifyIP: true, confirmUnload: false } }));
  const closed = page.waitForEvent('close');
  await page.close({ runBeforeUnload: true });  // the tab closes: pagehide, the beacon
  await closed;
  await context.close();
  const deadline = Date.now() + 20_000;
  let agent;
  for (;;) {
    agent = (await env.ucsd.agents()).find((a) => a.username === 'agent1');
    if (!agent.logged_in || Date.now() > deadline) break;
    await delay(250);
  }
  assert.equal(agent.logged_in, false, 'logged out after the grace');
  const calls = await env.ucsd.activeCalls();
  assert.ok(!calls.some((c) => c.uniqueid === uniqueid), 'the call ended');
});

test('a bar whose connection dropped is skipped by the ACD and offered calls again once it resumes', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (dropped) => {
    await endAllCalls();
    await dropped.open(barPage(env, { apiPort: env.proxy.port, options: { identifyIP: true } }));
    await dropped.ready('agent1');  // 101, idle longest
    await dropped.ok('changeStatus', 'READY');
    await dropped.wait('onStateChange', { where: { status: 'READY' } });

    const context = await env.browser.newContext();
    try {
      const other = new Bar(env, context, await context.newPage(), t);
      await other.open(barPage(env));
      await other.ready('agent2', '102');
      await other.ok('changeStatus', 'READY');
      await other.wait('onStateChange', { where: { status: 'READY' } });

      env.proxy.block();
      env.proxy.sever();
      await dropped.wait('onWarning', { where: 'connection to UCS lost; reconnecting' });
      // agent1 has been idle longest, but the caller rings agent2 at once.
      const first = await env.ucsd.ringQueue({ queue: 1, from: '+420602000333' });
      await other.wait('onCallRinging', { where: { uniqueid: first }, timeout: 5_000 });
      await other.ok('answer');
      await other.wait('onCallConnect', { where: { uniqueid: first } });
      // Nobody live is free now: the next caller waits for agent1's bar to come back.
      const second = await env.ucsd.ringQueue({ queue: 1, from: '+420602000444' });
      await delay(1_000);
      assert.equal(await dropped.count('onCallRinging'), 0);
      env.proxy.unblock();
      await dropped.wait('onInfo', { where: 'connection to UCS restored', timeout: 60_000 });
      await dropped.wait('onCallRinging', { where: { uniqueid: second } });
      await dropped.ok('hangup');
      await other.ok('hangup');
      await other.logoutQuietly();
    } finally {
      await context.close().catch(() => {});
    }
  }));

test('dial takes numbers as CRMs store them and refuses only what has nothing to dial', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await endAllCalls();
    await bar.open(barPage(env, { options: { identifyIP: true } }));
    await bar.ready('agent1');
    const written = ['+420 777 000 111', '(0800) 123-456', '0800-123-456', '00420 777 000 112'];
    for (const number of written) {
      await bar.ok('dial', number);
      const dialled = number.replace(/[^0-9+]/g, '');
      const [created] = await bar.wait('onCallNew', { where: { number: dialled } });
      assert.equal(created.args[0].number, dialled);
      assert.equal(created.args[0].outbound_id, null, 'a plain dial is a direct call');
      await bar.ok('hangup');
      await bar.wait('onCallHangup', { where: { number: dialled } });
    }
    const refused = await bar.call('dial', 'call me');
    assert.equal(refused.ok, false);
    assert.match(JSON.stringify(refused.error), /params\.number/);
  }));

test('two tabs of one agent stay in step: identify in one, the other follows and can pair again', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (tabA) => {
    const url = barPage(env, { options: { autologout: false } });
    await tabA.open(url);
    await tabA.ready('agent3', '103');
    const tabB = new Bar(env, tabA.context, await tabA.context.newPage(), t);
    await tabB.open(url);
    await tabB.ssoLogin('agent3');
    await tabB.wait('onReady');  // the agent's phone is already paired: straight to READY

    await tabA.ok('identify');
    await tabB.wait('onIdentify');  // B hears of it instead of believing it is still READY
    const refused = await tabB.call('changeStatus', 'READY');
    assert.equal(refused.ok, false, 'B knows it is in IDENTIFY now');
    assert.equal(refused.error.code, 'INVALID_STATE');

    await tabB.ok('selectIdentifier', '104');  // B carries on where A left off
    await tabB.wait('onReady', { count: 2 });
    const devicesForA = await tabA.wait('onDevice', { count: 2 });
    assert.equal(devicesForA.at(-1).args[0].identifier, '104', 'A hears of the phone B paired');
    await tabA.wait('onReady', { count: 2 });
    await tabB.ok('changeStatus', 'AUX', 'Break');
    await tabA.wait('onStateChange', { where: { status: 'AUX' } });
    await tabB.page.close();
  }));
