// Logging in: SSO with a token the test computes itself (accepted once, refused when expired,
// from the future, for another user or replayed) and SCRAM password login (right and wrong
// password, remember + autologin on the next page load).
import assert from 'node:assert/strict';
import test from 'node:test';
import { TEST_TIMEOUT_MS, barPage, e2eSuite, freshSsoToken, ssoToken, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url);
const now = () => Math.floor(Date.now() / 1000);

async function expectLoginRefused(bar, method, args, code) {
  const before = await bar.count('onLoginError');
  const result = await bar.call(method, ...args);
  assert.equal(result.ok, false, `${method} should be refused: ${JSON.stringify(result)}`);
  assert.equal(result.error.code, code);
  const [error] = (await bar.wait('onLoginError', { count: before + 1 })).slice(before);
  assert.equal(error.args.length, 2, 'onLoginError(code, message)');
  assert.ok(Number.isInteger(error.args[0]), `code is an int: ${JSON.stringify(error.args)}`);
  assert.equal(typeof error.args[1], 'string');
  assert.ok(error.args[1].length > 0);
  return error.args;
}

test('SSO: an own token logs in; expired, future, foreign and replayed tokens are refused', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { identifyIP: true } }));
    await bar.wait('onCredentials');

    // The window is ±300 s, checked when ucsd gets the token, a moment after it is made here: a token
    // 301 s ahead was 300 s ahead once a second boundary passed on the way, and was accepted. The
    // margins here are whole seconds; the exact edges are Catch2's (tests/unit, fixed clock).
    await expectLoginRefused(bar, 'sso', ['agent1', ssoToken('agent1', now() - 310)], 'SSO_REFUSED');
    await expectLoginRefused(bar, 'sso', ['agent1', ssoToken('agent1', now() + 310)], 'SSO_REFUSED');
    await expectLoginRefused(bar, 'sso', ['agent1', freshSsoToken('agent2')], 'SSO_REFUSED');
    await expectLoginRefused(bar, 'sso', ['agent1', ssoToken('agent1', now(), 'not-the-secret')], 'SSO_REFUSED');
    assert.equal(await bar.count('onUser'), 0);
    assert.equal((await env.ucsd.agents()).find((a) => a.username === 'agent1').logged_in, false);

    // Well inside the window (290 s old) is still fine.
    const token = ssoToken('agent1', now() - 290);
    const user = await bar.ok('sso', 'agent1', token, 'CRM Name');
    assert.equal(user.displayname, 'Alice Nováková');
    await bar.wait('onUser');
    await bar.wait('onReady');
    await bar.ok('logout');
    await bar.wait('onCredentials', { count: 2 });

    // The same token again: replayed.
    await expectLoginRefused(bar, 'sso', ['agent1', token], 'SSO_REFUSED');
    assert.equal(await bar.count('onUser'), 1);
  }));

test('a token used in one browser is refused in another', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const token = freshSsoToken('agent3');
    await bar.open(barPage(env, { options: {} }));
    await bar.wait('onCredentials');
    await bar.ok('sso', 'agent3', token);
    await bar.wait('onUser');

    const other = await env.browser.newContext();
    try {
      const page = await other.newPage();
      await page.goto(barPage(env, { options: {} }));
      await page.waitForFunction(() => window.crm.count('onCredentials') === 1, null, { timeout: 30_000, polling: 50 });
      const result = await page.evaluate((tk) => window.ucsOperator.sso('agent3', tk).then(() => 'accepted', (e) => e.code), token);
      assert.equal(result, 'SSO_REFUSED');
      await page.waitForFunction(() => window.crm.count('onLoginError') === 1, null, { timeout: 30_000, polling: 50 });
    } finally {
      await other.close();
    }
  }));

test('password login: the right password logs in, a wrong one gives onLoginError', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { spy: true, options: { identifyIP: true } }));
    await bar.wait('onCredentials');

    // agent2: the SSO test's refusals count towards agent1's limit of 5 failed logins in 5 minutes.
    const [code, message] = await expectLoginRefused(bar, 'login', ['agent2', 'wrong-password', false], 'BAD_CREDENTIALS');
    assert.ok(code < 0, `JSON-RPC style code ${code}`);
    assert.ok(!message.includes('wrong-password'));
    assert.equal(await bar.count('onUser'), 0);
    // An unknown user is refused the same way.
    await expectLoginRefused(bar, 'login', ['nobody', 'demo', false], 'BAD_CREDENTIALS');

    const user = await bar.ok('login', 'agent2', 'demo', false);
    assert.equal(user.displayname, 'Bořivoj Dvořák');
    const [ready] = await bar.wait('onReady');
    assert.equal(ready.args[0].device.identifier, '101');
    // SCRAM: the password never crosses the wire.
    const frames = await bar.page.evaluate(() => window.crmWs.sent.map((f) => f.data));
    assert.ok(frames.some((f) => f.includes('"login"')), 'a login request was sent');
    assert.ok(frames.every((f) => !f.includes('wrong-password') && !f.includes('"demo"')), 'no password in any frame');
    assert.equal(await bar.page.evaluate(() => document.cookie.includes('ucsOperatorRemember')), false, 'remember: false');
  }));

test('remember: true with autologin logs in on the next page load; autologin: false only fills the form', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const page = (autologin) => barPage(env, { spy: true, options: { autologin, identifyIP: true } });
    await bar.open(page(true));
    await bar.wait('onCredentials');
    await bar.ok('login', 'super', 'demo', true);
    await bar.wait('onReady');
    const cookie = await bar.page.evaluate(() => document.cookie);
    assert.match(cookie, /ucsOperatorRemember=/);
    assert.ok(!decodeURIComponent(cookie).includes('demo'), 'the cookie holds a token, never the password');

    // Next load of the CRM page (same browser): logged in by itself. The first page is left
    // without logging out: the server lets two sessions of one user mirror the same agent.
    await bar.open(page(true));
    await bar.wait('onUser');
    const [ready] = await bar.wait('onReady');
    assert.equal(ready.args[0].user.displayname, 'Dana Veselá');
    const sent = await bar.page.evaluate(() => window.crmWs.methodsSent(0));
    assert.ok(sent.includes('login.remember'), `logged in with the remember token: ${sent.join(',')}`);

    // autologin: false: onCredentials, and nothing more.
    await bar.open(page(false));
    await bar.wait('onCredentials');
    const probe = await bar.call('notify', 'probe');
    assert.equal(probe.ok, true);
    assert.equal(await bar.count('onUser'), 0, 'autologin: false does not log in');
    const methods = await bar.page.evaluate(() => window.crmWs.methodsSent(0));
    assert.ok(!methods.includes('login.remember'), `no login request: ${methods.join(',')}`);
  }));
