// ucsd restarted (killed and started again on the same data directory and port): the session is
// gone, so the bar starts a new one; with autologin and a remembered login it logs in again by
// itself, otherwise it asks for credentials again.
import assert from 'node:assert/strict';
import test from 'node:test';
import { TEST_TIMEOUT_MS, barPage, e2eSuite, freshSsoToken, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url);

test('ucsd killed and restarted: a remembered login with autologin logs in and pairs again', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { spy: true, options: { autologin: true, identifyCookie: true, listDevices: true } }));
    await bar.wait('onCredentials');
    await bar.ok('login', 'agent1', 'demo', true);
    await bar.wait('onIdentify');
    await bar.ok('selectIdentifier', '102');
    await bar.wait('onReady');
    await bar.ok('changeStatus', 'AUX', 'Lunch');
    await bar.wait('onStateChange', { where: { status: 'AUX' } });

    const port = env.ucsd.port;
    await env.ucsd.restart({ signal: 'SIGKILL' });
    assert.equal(env.ucsd.port, port, 'same port');
    await bar.wait('onWarning', { where: 'connection to UCS lost; reconnecting' });

    // Back-off is at most 30 s between attempts; the new session logs in and pairs by itself.
    await bar.wait('onCredentials', { count: 2, timeout: 60_000 });
    await bar.wait('onUser', { count: 2 });
    const [, again] = await bar.wait('onIdentifier', { count: 2 });
    assert.deepEqual(again.args, ['102'], 'paired again from the cookie');
    const readies = await bar.wait('onReady', { count: 2 });
    assert.equal(readies[1].args[0].device.identifier, '102');
    assert.equal(await bar.count('onIdentify'), 1, 'not asked again');
    assert.equal(await bar.count('onLoginError'), 0);
    const sent = await bar.page.evaluate(() => window.crmWs.methodsSent(0));
    assert.ok(sent.includes('login.remember'), sent.join(','));
    assert.equal(sent.filter((m) => m === 'hello').length, 2, 'a new session');

    // It works against the new server.
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });
    const agent1 = (await env.ucsd.agents()).find((a) => a.username === 'agent1');
    assert.equal(agent1.logged_in, true);
    assert.equal(agent1.status, 'READY');
  }));

test('ucsd stopped and started again: without a remembered login the bar returns to onCredentials', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { autologin: true, identifyIP: true } }));
    await bar.ready('agent2');

    await env.ucsd.restart({ signal: 'SIGTERM' });
    await bar.wait('onCredentials', { count: 2, timeout: 60_000 });
    assert.equal(await bar.count('onUser'), 1, 'not logged in again');
    assert.equal(await bar.state(), null);
    const refused = await bar.call('changeStatus', 'READY');
    assert.equal(refused.error && refused.error.code, 'INVALID_STATE');

    // The CRM logs the agent in again (a fresh SSO token).
    await bar.ok('sso', 'agent2', freshSsoToken('agent2'));
    await bar.wait('onReady', { count: 2 });
    assert.equal(await bar.count('onError'), 0);
  }));

test('an SSO token used before a restart is still refused after it', {
  timeout: TEST_TIMEOUT_MS,
}, (t) =>
  withBar(t, env, async (bar) => {
    const token = freshSsoToken('agent3');
    await bar.open(barPage(env, { options: {} }));
    await bar.wait('onCredentials');
    await bar.ok('sso', 'agent3', token);
    await bar.wait('onUser');
    await env.ucsd.restart({ signal: 'SIGTERM' });
    await bar.wait('onCredentials', { count: 2, timeout: 60_000 });
    const replay = await bar.call('sso', 'agent3', token);
    assert.equal(replay.ok, false, 'the replayed token must be refused');
  }));
