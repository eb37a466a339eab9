// The document's "method allowed in state" table, from a real page: every method refused outside its
// states (onWarning naming method and state, INVALID_STATE, not a byte to the server) and working in
// them; callbacks with this === window.ucsOperator; CRM callbacks that throw do not break the bar.
import assert from 'node:assert/strict';
import test from 'node:test';
import { TEST_TIMEOUT_MS, barPage, e2eSuite, freshSsoToken, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url);

// Calls `method(...args)` where the table forbids it and checks the documented refusal.
async function expectRefused(t, bar, appState, method, args) {
  await t.test(`${method} is refused in ${appState}`, async () => {
    const sentBefore = await bar.page.evaluate(() => window.crmWs.sent.length);
    const warningsBefore = await bar.count('onWarning');
    const result = await bar.call(method, ...args);
    assert.equal(result.ok, false, `${method} should reject: ${JSON.stringify(result)}`);
    assert.equal(result.error.code, 'INVALID_STATE');
    assert.equal(typeof result.error.message, 'string');
    const warnings = (await bar.args('onWarning')).slice(warningsBefore).map((a) => a[0]);
    assert.equal(warnings.length, 1, `one onWarning, got ${JSON.stringify(warnings)}`);
    assert.ok(warnings[0].includes(method) && warnings[0].includes(appState),
      `onWarning names the method and the state: ${JSON.stringify(warnings[0])}`);
    // The engine refuses synchronously: anything it sent would be recorded by now.
    const sent = (await bar.page.evaluate((from) => window.crmWs.methodsSent(from), sentBefore)).filter((m) => m !== 'ping');
    assert.deepEqual(sent, [], `nothing sent to the server for ${method}`);
  });
}

async function expectNotifyWorks(bar, appState) {
  const id = await bar.ok('notify', `notification in ${appState}`, 'info', true, 5000, null, 'e2e', {});
  assert.equal(typeof id, 'number');
}

const CALL_CONTROL = [
  ['changeStatus', ['READY']], ['suspend', [2]], ['resume', [2]], ['answer', []], ['dial', ['0800123456']],
  ['hangup', []], ['transfer', ['0800123456']], ['finishTransfer', []], ['blindTransfer', ['0800123456']],
  ['tribute', []], ['hold', []], ['unhold', []], ['mute', []], ['setAccountCode', ['1700000000.1', 'Complaint']],
  ['selectRingingSound', ['rush']], ['testRingingSound', []], ['stopRingingSoundTest', []],
];

test('every method outside its states is refused: onWarning, INVALID_STATE, nothing sent', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { spy: true, options: { listDevices: true, confirmDevice: true } }));
    await bar.wait('onCredentials');

    // CREDENTIALS
    for (const [method, args] of [
      ['logout', []], ['selectIdentifier', ['103']], ['identifier', ['103']], ['provision', []], ['identify', []],
      ...CALL_CONTROL,
    ]) {
      await expectRefused(t, bar, 'CREDENTIALS', method, args);
    }
    assert.equal(await bar.state(), null, 'state() outside READY is null');
    await expectNotifyWorks(bar, 'CREDENTIALS');
    // The server saw none of it.
    assert.deepEqual(await env.ucsd.activeCalls(), []);
    const agent3 = (await env.ucsd.agents()).find((a) => a.username === 'agent3');
    assert.equal(agent3.logged_in, false);

    // IDENTIFY
    await bar.ok('sso', 'agent3', freshSsoToken('agent3'));
    await bar.wait('onIdentify');
    for (const [method, args] of [
      ['login', ['agent3', 'demo', false]], ['sso', ['agent3', freshSsoToken('agent3')]], ['identify', []],
      ...CALL_CONTROL,
    ]) {
      await expectRefused(t, bar, 'IDENTIFY', method, args);
    }
    assert.equal(await bar.state(), null);
    await expectNotifyWorks(bar, 'IDENTIFY');

    // DEVICE (confirmDevice: true waits for provision())
    await bar.ok('identifier', '103');
    await bar.wait('onDevice');
    for (const [method, args] of [
      ['login', ['agent3', 'demo', false]], ['sso', ['agent3', freshSsoToken('agent3')]], ...CALL_CONTROL,
    ]) {
      await expectRefused(t, bar, 'DEVICE', method, args);
    }
    assert.equal(await bar.state(), null);
    await expectNotifyWorks(bar, 'DEVICE');
    assert.deepEqual(await env.ucsd.activeCalls(), []);
    assert.equal((await env.ucsd.agents()).find((a) => a.username === 'agent3').status, 'OFFLINE');

    // READY
    await bar.ok('provision');
    await bar.wait('onReady');
    for (const [method, args] of [
      ['login', ['agent3', 'demo', false]], ['sso', ['agent3', freshSsoToken('agent3')]],
      ['selectIdentifier', ['103']], ['identifier', ['103']], ['provision', []],
    ]) {
      await expectRefused(t, bar, 'READY', method, args);
    }
    await expectNotifyWorks(bar, 'READY');
    assert.equal(await bar.count('onError'), 0);
  }));

test('pairing, status and settings methods work in their states', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { listDevices: true, confirmDevice: true } }));
    await bar.wait('onCredentials');

    // login (CREDENTIALS) -> identifier (IDENTIFY) -> selectIdentifier again (DEVICE) -> provision (DEVICE)
    const user = await bar.ok('login', 'agent2', 'demo', false);
    assert.equal(user.displayname, 'Bořivoj Dvořák');
    await bar.wait('onIdentify');
    assert.equal((await bar.ok('identifier', '102')).identifier, '102');
    await bar.wait('onDevice');
    assert.equal((await bar.ok('selectIdentifier', '102')).identifier, '102');
    await bar.wait('onDevice', { count: 2 });
    const provisioned = await bar.ok('provision');
    assert.equal(provisioned.device.identifier, '102');
    await bar.wait('onReady');

    // READY: state(), changeStatus, suspend/resume, ringing sounds.
    assert.equal((await bar.state()).device.identifier, '102');
    await bar.ok('changeStatus', 'AUX', 'Meeting');
    await bar.wait('onStateChange', { where: { status: 'AUX', reason: 'Meeting' } });
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });
    assert.equal((await bar.state()).status, 'READY');
    await bar.ok('changeStatus', 'OFFLINE');
    await bar.wait('onStateChange', { where: { status: 'OFFLINE' } });

    await bar.ok('suspend', 1);
    assert.deepEqual((await bar.wait('onAgentSuspend'))[0].args, [1]);
    await bar.ok('resume', 1);
    assert.deepEqual((await bar.wait('onAgentResume'))[0].args, [1]);

    assert.equal(await bar.ok('selectRingingSound', 'rush'), 'rush');
    assert.equal((await bar.state()).ringingSound, 'rush');
    await bar.ok('testRingingSound');
    await bar.ok('stopRingingSoundTest');

    // identify (READY) -> IDENTIFY; pair again; identify (DEVICE) -> IDENTIFY; logout (IDENTIFY).
    await bar.ok('identify');
    await bar.wait('onIdentify', { count: 2 });
    assert.equal(await bar.state(), null);
    await bar.ok('identifier', '102');
    await bar.wait('onDevice', { count: 3 });
    await bar.ok('identify');
    await bar.wait('onIdentify', { count: 3 });
    await bar.ok('logout');
    await bar.wait('onCredentials', { count: 2 });

    // logout (DEVICE)
    await bar.ok('login', 'agent2', 'demo', false);
    await bar.wait('onIdentify', { count: 4 });
    await bar.ok('identifier', '102');
    await bar.wait('onDevice', { count: 4 });
    await bar.ok('logout');
    await bar.wait('onCredentials', { count: 3 });

    // sso (CREDENTIALS) ... logout (READY)
    await bar.ok('sso', 'agent2', freshSsoToken('agent2'), 'CRM Name');
    await bar.wait('onIdentify', { count: 5 });
    await bar.ok('selectIdentifier', '102');
    await bar.wait('onDevice', { count: 5 });
    await bar.ok('provision');
    await bar.wait('onReady', { count: 2 });
    await bar.ok('logout');
    await bar.wait('onCredentials', { count: 4 });
    const agent2 = (await env.ucsd.agents()).find((a) => a.username === 'agent2');
    assert.equal(agent2.logged_in, false, 'logged out on the server');
    assert.equal(await bar.count('onError'), 0);
    assert.equal(await bar.count('onLoginError'), 0);
  }));

test('call control methods work in READY: dial, mute, hold, unhold, hangup', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { identifyIP: true } }));
    await bar.ready('agent1');

    const { uniqueid } = await bar.ok('dial', '0800123456', 'directCall');
    await bar.wait('onCallConnect', { where: { uniqueid } });
    await bar.ok('mute');
    const [muted] = await bar.wait('onCallMute', { where: { uniqueid } });
    assert.equal(muted.args[0].caller_muted, true, 'the agent placed the call: caller_muted');
    await bar.ok('mute');
    const [unmuted] = await bar.wait('onCallUnmute', { where: { uniqueid } });
    assert.equal(unmuted.args[0].caller_muted, false);

    await bar.ok('tribute');
    const [held] = await bar.wait('onCallHold', { where: { uniqueid } });
    assert.equal(held.args[0].state, 5, 'held (tribute)');
    await bar.ok('unhold');
    await bar.wait('onCallResume', { where: { uniqueid } });
    await bar.ok('hold');
    await bar.wait('onCallHold', { where: { uniqueid }, count: 2 });
    await bar.ok('unhold');
    await bar.wait('onCallResume', { where: { uniqueid }, count: 2 });

    await bar.ok('hangup');
    const [hangup] = await bar.wait('onCallHangup', { where: { uniqueid } });
    assert.equal(hangup.args[0].cause, 3, 'the caller (the agent) hung up');
    assert.equal((await bar.state()).call, null);
    assert.deepEqual(await env.ucsd.activeCalls(), []);

    // Outgoing campaign 3, and the server's refusal (not the bar's) when there is nothing to answer.
    const campaign = await bar.ok('dial', '0800123458', 3, undefined, { ticket: 'T-1' });
    const [created] = await bar.wait('onCallNew', { where: { uniqueid: campaign.uniqueid } });
    assert.equal(created.args[0].outbound_id, 3);
    assert.deepEqual(created.args[0].data, { ticket: 'T-1' });
    await bar.ok('hangup');
    await bar.wait('onCallHangup', { where: { uniqueid: campaign.uniqueid } });
    const answer = await bar.call('answer');
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, 'NO_CALL');
  }));

test('transfer, finishTransfer and blindTransfer work in READY', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { identifyIP: true } }));
    await bar.ready('agent1');

    // Consultation transfer.
    const first = await bar.ok('dial', '0800123456', 'directCall');
    await bar.wait('onCallConnect', { where: { uniqueid: first.uniqueid } });
    const consultation = await bar.ok('transfer', '0800777777');
    await bar.wait('onCallHold', { where: { uniqueid: first.uniqueid } });
    await bar.wait('onCallNew', { where: { uniqueid: consultation.uniqueid } });
    await bar.wait('onCallConnect', { where: { uniqueid: consultation.uniqueid } });
    await bar.ok('finishTransfer');
    const [original] = await bar.wait('onCallHangup', { where: { uniqueid: first.uniqueid } });
    const [consult] = await bar.wait('onCallHangup', { where: { uniqueid: consultation.uniqueid } });
    assert.equal(original.args[0].cause, 8, 'transfer');
    assert.equal(consult.args[0].cause, 8, 'transfer');

    // transfer() without a number: hold, transfer mode; unhold leaves it.
    const second = await bar.ok('dial', '0800123457', 'directCall');
    await bar.wait('onCallConnect', { where: { uniqueid: second.uniqueid } });
    const mode = await bar.ok('transfer');
    assert.equal(mode.mode, 'transfer');
    await bar.wait('onCallHold', { where: { uniqueid: second.uniqueid } });
    await bar.ok('unhold');
    await bar.wait('onCallResume', { where: { uniqueid: second.uniqueid } });

    // Blind transfer of the same call.
    await bar.ok('blindTransfer', '0800555555');
    const [blind] = await bar.wait('onCallHangup', { where: { uniqueid: second.uniqueid } });
    assert.equal(blind.args[0].cause, 8);
    assert.equal((await bar.state()).call, null);
  }));

test('a queue call: answer, hangup and setAccountCode work in READY', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { identifyIP: true } }));
    await bar.ready('agent1');
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });

    const uniqueid = await env.ucsd.ringQueue({ queue: 2, from: '+420777123456' });
    await bar.wait('onCallRinging', { where: { uniqueid } });
    const answered = await bar.ok('answer');
    assert.equal(answered.call.uniqueid, uniqueid);
    await bar.wait('onCallConnect', { where: { uniqueid } });
    await bar.ok('hangup');
    const [hangup] = await bar.wait('onCallHangup', { where: { uniqueid } });
    assert.equal(hangup.args[0].cause, 4, 'the called party (the agent) hung up');
    await bar.wait('onStateChange', { where: { status: 'ACW' } });

    const coded = await bar.ok('setAccountCode', uniqueid, 'Order', 'New');
    assert.equal(coded.uniqueid, uniqueid);
    const history = await env.ucsd.rest('GET', '/api/v1.0/history?user=agent1');
    assert.ok(JSON.stringify(history).includes(uniqueid), 'the call is in the history');
  }));

test('numbers in call data reach the CRM as the very doubles the server was given', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { headless: true, identifyIP: true } }));
    await bar.ready('agent1');
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });

    // Long, tiny, huge and subnormal numbers: the bar's wasm reads them with the browser's Number()
    // (bindings/operator_bindings.cpp, decimal_to_double), ucsd with strtod; both must give the very double.
    const numbers = [0.1, 0.30000000000000004, 3.6922337203685478e22, 123456789012345.67, 2.2250738585072014e-308,
      1.7976931348623157e308, 5e-324, -1.5e-7, 9007199254740993];
    const uniqueid = await env.ucsd.ringQueue({ queue: 1, data: { numbers } });
    const [ringing] = await bar.wait('onCallRinging', { where: { uniqueid } });
    assert.deepEqual(ringing.args[0].data.numbers, numbers);
    await env.ucsd.farEndHangup(uniqueid); // not left ringing for the next test's agent
    await bar.wait('onCallHangup', { where: { uniqueid } });
  }));

test('callbacks get this === ucsOperator; callbacks that throw or reject do not break the bar', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const throwing = ['onConnect', 'onCredentials', 'onUser', 'onIdentifier', 'onDevice', 'onReady', 'onStateChange',
      'onCallRinging', 'onCallConnect', 'onCallHangup', 'onDebug', 'onWaitingCallersChange'];
    await bar.open(barPage(env, { throwing, options: { identifyIP: true } }));
    await bar.ready('agent1');
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });

    // A queue call goes through even though every callback on its way throws.
    const uniqueid = await env.ucsd.ringQueue({ queue: 1 });
    await bar.wait('onCallRinging', { where: { uniqueid } });
    await bar.ok('answer');
    await bar.wait('onCallConnect', { where: { uniqueid } });

    // An async callback whose promise rejects, assigned while the bar runs.
    await bar.page.evaluate(() => {
      window.ucsOperator.onCallHangup = async function (call) {
        window.crmAsyncHangup = { uniqueid: call.uniqueid, self: this === window.ucsOperator };
        throw new Error('async CRM bug (on purpose)');
      };
    });
    await env.ucsd.farEndHangup(uniqueid);
    await bar.waitFor((id) => window.crmAsyncHangup && window.crmAsyncHangup.uniqueid === id, uniqueid,
      { what: 'the async onCallHangup' });
    assert.equal(await bar.page.evaluate(() => window.crmAsyncHangup.self), true);
    await bar.ok('changeStatus', 'AUX', 'Training');
    await bar.wait('onStateChange', { where: { status: 'AUX', reason: 'Training' } });

    for (const name of ['onConnect', 'onCredentials', 'onUser', 'onReady', 'onStateChange', 'onCallRinging', 'onCallConnect']) {
      assert.ok(bar.console.some((line) => line.startsWith('error:') && line.includes(`${name} threw`)),
        `console.error reports that ${name} threw`);
    }
    assert.ok(bar.console.some((line) => line.includes('onCallHangup threw')), 'the rejected promise is reported');
    assert.deepEqual(bar.pageErrors, [], 'nothing uncaught');
    assert.equal(await bar.count('onError'), 0);
  }));
