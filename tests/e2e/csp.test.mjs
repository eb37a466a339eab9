// A CRM page under a strict Content-Security-Policy (no 'unsafe-eval', no inline scripts): the bar
// still reaches onReady and handles calls, and the page sees no CSP violation at all.
import assert from 'node:assert/strict';
import test from 'node:test';
import { TEST_TIMEOUT_MS, barPage, e2eSuite, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url);

const policy = (port) =>
  `default-src 'self'; script-src 'self' http://127.0.0.1:${port} 'wasm-unsafe-eval'; ` +
  `connect-src http://127.0.0.1:${port} ws://127.0.0.1:${port}`;

test('strict CSP: onReady and a call without any violation', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const csp = policy(env.ucsd.port);
    const url = barPage(env, { options: { identifyIP: true }, headers: { 'content-security-policy': csp } });
    const response = await bar.page.goto(url, { waitUntil: 'load' });
    assert.equal(response.headers()['content-security-policy'], csp);

    const state = await bar.ready('agent1');
    assert.equal(state.device.identifier, '101');
    await bar.ok('changeStatus', 'READY');
    await bar.wait('onStateChange', { where: { status: 'READY' } });
    const uniqueid = await env.ucsd.ringQueue({ queue: 1 });
    await bar.wait('onCallRinging', { where: { uniqueid } });
    await bar.ok('answer');
    await bar.wait('onCallConnect', { where: { uniqueid } });
    await env.ucsd.farEndHangup(uniqueid);
    await bar.wait('onCallHangup', { where: { uniqueid } });

    const violations = await bar.page.evaluate(() => window.crm.cspViolations);
    assert.deepEqual(violations, [], 'no securitypolicyviolation event');
    assert.deepEqual(bar.console.filter((l) => /Content Security Policy|Refused to/i.test(l)), [], 'no CSP message on the console');
    assert.equal(await bar.count('onError'), 0);

    // Control: the policy is in force and violations are recorded (string compilation is refused).
    await bar.page.evaluate(() => {
      const probe = document.createElement('script');
      probe.src = '/csp-probe.js';
      document.body.appendChild(probe);
    });
    await bar.waitFor(() => window.crmEvalAllowed !== undefined, null, { what: 'the CSP probe script' });
    assert.equal(await bar.page.evaluate(() => window.crmEvalAllowed), false, "the page's CSP forbids eval");
    await bar.waitFor(() => window.crm.cspViolations.length > 0, null, { what: 'the control violation' });
    const control = await bar.page.evaluate(() => window.crm.cspViolations);
    assert.equal(control.length, 1);
    assert.equal(control[0].effective, 'script-src');
  }));
