// The integration document's snippet, verbatim, on a CRM page of another origin: the documented
// flow from the script tag to calls, with the document's crm.* functions recording every callback.
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CALL_FIELDS, DOCUMENTED_METHODS, READY_STATE_FIELDS, TEST_TIMEOUT_MS, USER_FIELDS, VERSION, e2eSuite, freshSsoToken,
  snippetPage, withBar,
} from './support/harness.mjs';

const env = e2eSuite(import.meta.url);

const sortedKeys = (object) => Object.keys(object).sort();

test('the documented snippet: connect, SSO, pairing, status, a queue call and click-to-dial', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const { url, configJs } = snippetPage(env);
    assert.match(configJs, /^window\.ucsOperator = \{\napi: \{ hostname: '127\.0\.0\.1', port: \d+ \},\nrenderTo: 'ucsOperator',/);
    await bar.open(url);

    // Every documented method is on window.ucsOperator right after the script tag, before `load`.
    const afterTag = await bar.page.evaluate(() => window.crmAfterTag);
    assert.equal(afterTag.loaded, false, 'after-tag.js ran before the load event');
    for (const method of DOCUMENTED_METHODS) {
      assert.equal(afterTag.types[method], 'function', `ucsOperator.${method} right after the script tag`);
    }
    assert.deepEqual(afterTag.callbacksSoFar, [], 'no callback before load');

    // onConnect("4.0.0"), then onCredentials.
    const [connect] = await bar.wait('onConnect');
    assert.deepEqual(connect.args, [VERSION]);
    await bar.wait('onCredentials');
    assert.equal(await bar.count('onError'), 0);

    // SSO with a token computed here -> onUser with the documented User fields.
    const user = await bar.ok('sso', 'agent1', freshSsoToken('agent1'), 'CRM Name');
    const [onUser] = await bar.wait('onUser');
    assert.deepEqual(sortedKeys(onUser.args[0]), USER_FIELDS, 'onUser(user) has exactly the documented User fields');
    assert.equal(onUser.args[0].displayname, 'Alice Nováková');
    assert.equal(user.id, onUser.args[0].id);

    // listDevices: onIdentify(list of phones); the CRM pairs phone 101.
    const [identify] = await bar.wait('onIdentify');
    const identifiers = identify.args[0].map((d) => d.identifier);
    for (const id of ['101', '102', '103', '104']) assert.ok(identifiers.includes(id), `phone ${id} offered`);
    await bar.ok('selectIdentifier', '101');
    const [device] = await bar.wait('onDevice');
    assert.equal(device.args[0].identifier, '101');

    // confirmDevice: false -> onReady at once, with the documented state object.
    const [ready] = await bar.wait('onReady');
    const state = ready.args[0];
    assert.deepEqual(sortedKeys(state), [...READY_STATE_FIELDS].sort(), 'onReady(state) fields');
    assert.ok(['OFFLINE', 'READY', 'ACW', 'AUX'].includes(state.status));
    assert.equal(state.user.id, user.id);
    assert.equal(state.device.identifier, '101');
    assert.equal(state.call, null);
    assert.equal(typeof state.now, 'number');
    assert.ok(Math.abs(state.now - Date.now() / 1000) < 120, 'now is Unix seconds');
    assert.equal(typeof state.waitingCallers, 'number');
    assert.deepEqual(sortedKeys(await bar.state()), [...READY_STATE_FIELDS].sort(), 'state() fields');

    // changeStatus("AUX", "Lunch") -> onStateChange({status: "AUX", reason: "Lunch"}).
    await bar.ok('changeStatus', 'AUX', 'Lunch');
    const [aux] = await bar.wait('onStateChange', { where: { status: 'AUX' } });
    assert.deepEqual(aux.args, [{ status: 'AUX', reason: 'Lunch' }]);

    // A sandbox queue call (REST, OAuth token) rings -> answer() -> far-end hangup.
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });
    const crmUrl = `${env.crm.origin}/p/customer-4711`;
    const popup = bar.context.waitForEvent('page', { timeout: 30_000 });
    const uniqueid = await env.ucsd.ringQueue({ queue: 1, from: '+420601234567', caller_name: 'Jan Novák', data: { crm_url: crmUrl } });
    const [ringing] = await bar.wait('onCallRinging', { where: { uniqueid } });
    const ringingCall = ringing.args[0];
    assert.deepEqual(sortedKeys(ringingCall), CALL_FIELDS, 'onCallRinging(call) has exactly the documented Call fields');
    assert.equal(ringingCall.direction, 'INCOMING');
    assert.equal(ringingCall.state, 2, 'invitation');
    assert.equal(ringingCall.cause, -1, 'not hung up yet');
    assert.equal(ringingCall.caller_number_norm, '+420601234567');
    assert.equal(ringingCall.data.crm_url, crmUrl);
    // crmAutoOpen: true and data.crm_url -> the CRM record opens in a new tab.
    const tab = await popup;
    await tab.waitForLoadState('domcontentloaded');
    assert.equal(tab.url(), crmUrl);

    await bar.ok('answer');
    const [connected] = await bar.wait('onCallConnect', { where: { uniqueid } });
    assert.deepEqual(sortedKeys(connected.args[0]), CALL_FIELDS, 'onCallConnect(call) fields');
    assert.equal(connected.args[0].state, 3, 'connected');
    assert.equal(typeof connected.args[0].connected, 'number');

    await env.ucsd.farEndHangup(uniqueid);
    const [hangup] = await bar.wait('onCallHangup', { where: { uniqueid } });
    assert.deepEqual(sortedKeys(hangup.args[0]), CALL_FIELDS, 'onCallHangup(call) fields');
    assert.equal(hangup.args[0].cause, 3, 'the caller hung up');
    assert.equal(typeof hangup.args[0].disconnected, 'number');
    for (const name of ['onCallRinging', 'onCallConnect', 'onCallHangup']) {
      assert.equal(await bar.count(name, { uniqueid }), 1, `${name} once`);
    }

    // Click-to-dial. onCallNew is not in the snippet: a CRM may add a callback at any time.
    await bar.ok('changeStatus', 'READY');
    await bar.page.evaluate(() => {
      window.ucsOperator.onCallNew = window.crm.callbacks().onCallNew;
    });
    const dialed = await bar.ok('dial', '0800123456');
    const [created] = await bar.wait('onCallNew', { where: { uniqueid: dialed.uniqueid } });
    assert.deepEqual(sortedKeys(created.args[0]), CALL_FIELDS, 'onCallNew(call) fields');
    assert.equal(created.args[0].direction, 'OUTGOING');
    assert.equal(created.args[0].number, '0800123456');
    await bar.wait('onCallRinging', { where: { uniqueid: dialed.uniqueid } });
    const [dialConnected] = await bar.wait('onCallConnect', { where: { uniqueid: dialed.uniqueid } });
    assert.equal(dialConnected.args[0].state, 3);
    const order = (await bar.names()).filter((n) => /^onCall/.test(n)).slice(-3);
    assert.deepEqual(order, ['onCallNew', 'onCallRinging', 'onCallConnect']);
    assert.equal((await bar.state()).call.uniqueid, dialed.uniqueid);

    await bar.ok('hangup');
    await bar.wait('onCallHangup', { where: { uniqueid: dialed.uniqueid } });
    assert.equal(await bar.count('onError'), 0, 'no onError in the whole flow');
  }));
