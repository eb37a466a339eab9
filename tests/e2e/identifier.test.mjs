// Where the phone identifier comes from: the page URL (identifyURL), the cookie of the previous
// pairing (identifyCookie), the client address (identifyIP: 127.0.0.1 -> 101 in the demo data);
// the first found wins, and a bad one returns to IDENTIFY.
import assert from 'node:assert/strict';
import test from 'node:test';
import { TEST_TIMEOUT_MS, barPage, e2eSuite, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url);

async function pairedBy(bar, username, identifier) {
  await bar.ssoLogin(username);
  const [found] = await bar.wait('onIdentifier');
  assert.deepEqual(found.args, [identifier], 'onIdentifier(identifier)');
  const [device] = await bar.wait('onDevice');
  assert.equal(device.args[0].identifier, identifier);
  const [ready] = await bar.wait('onReady');
  assert.equal(ready.args[0].device.identifier, identifier);
  assert.equal(await bar.count('onIdentify'), 0, 'the user was never asked');
}

test('identifyURL: ?identifier=102 in the page URL pairs phone 102', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(`${barPage(env, { options: { identifyURL: true } })}?identifier=102`);
    await pairedBy(bar, 'agent1', '102');
  }));

test('identifyURL off: the URL parameter is ignored and the user is asked', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(`${barPage(env, { options: { identifyURL: false, listDevices: false } })}?identifier=102`);
    await bar.ssoLogin('agent1');
    await bar.wait('onIdentify');
    assert.equal(await bar.count('onIdentifier'), 0);
    assert.equal(await bar.count('onDevice'), 0);
  }));

test('listDevices: false: onIdentify gets an empty list of phones', {
  timeout: TEST_TIMEOUT_MS,
}, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { listDevices: false } }));
    await bar.ssoLogin('agent1');
    const [identify] = await bar.wait('onIdentify');
    assert.deepEqual(identify.args, [[]], 'onIdentify([])');
  }));

test('identifyCookie: the phone paired last time is paired again on the next page load', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const url = barPage(env, { options: { identifyCookie: true } });
    await bar.open(url);
    await bar.ssoLogin('agent2');
    await bar.wait('onIdentify');
    await bar.ok('selectIdentifier', '103');
    await bar.wait('onReady');
    assert.match(await bar.page.evaluate(() => document.cookie), /ucsOperatorIdentifier=103/);
    await bar.ok('logout');
    await bar.wait('onCredentials', { count: 2 });

    await bar.open(url); // second page load, same browser
    await pairedBy(bar, 'agent2', '103');
  }));

test('identifyIP: the server maps 127.0.0.1 to phone 101', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { identifyIP: true } }));
    await pairedBy(bar, 'agent3', '101');
  }));

test('the first source found wins: URL before cookie before address', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const options = { identifyURL: true, identifyCookie: true, identifyIP: true };
    await bar.context.addCookies([{ name: 'ucsOperatorIdentifier', value: '103', url: env.crm.origin }]);
    await bar.open(`${barPage(env, { options })}?identifier=104`);
    await pairedBy(bar, 'super', '104');
    await bar.ok('logout');
    await bar.wait('onCredentials', { count: 2 });

    // Without the URL parameter the cookie (the last pairing wrote 104; set to 103 here) wins over the address.
    await bar.page.evaluate(() => { document.cookie = 'ucsOperatorIdentifier=103; path=/'; });
    await bar.open(barPage(env, { options }));
    await pairedBy(bar, 'super', '103');
  }));

test('a bad identifier from the URL returns to IDENTIFY with "Bad identifier"', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(`${barPage(env, { options: { identifyURL: true, listDevices: true } })}?identifier=999`);
    await bar.ssoLogin('agent1');
    const [found] = await bar.wait('onIdentifier');
    assert.deepEqual(found.args, ['999']);
    const [identify] = await bar.wait('onIdentify');
    assert.ok(identify.args[0].length >= 4, 'the list of phones is offered');
    assert.equal(await bar.count('onDevice'), 0);
    assert.equal(await bar.state(), null);
    await bar.ok('selectIdentifier', '102');
    await bar.wait('onReady');
  }));
