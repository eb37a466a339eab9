// An integrator's end-to-end test: a CRM page with the UCS agent bar, in headless Chromium, against
// `ucsd --demo` (or any UCS server in sandbox mode). The page comes from this test's own web server,
// i.e. from another origin than UCS, under a strict Content-Security-Policy, just as in production.
// Calls are driven through ucsd's sandbox REST API instead of a telephone.
//
//   ucsd --demo &                       # http://127.0.0.1:8080
//   node --test examples/headless-testing/
//
// Environment: UCSD_URL (default http://127.0.0.1:8080), UCSD_SSO_SECRET (default demo-sso-secret),
// CHROMIUM (default /usr/bin/chromium). A failed wait leaves a screenshot in test-results/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { chromium } from 'playwright-core';

const UCSD_URL = (process.env.UCSD_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const SSO_SECRET = process.env.UCSD_SSO_SECRET || 'demo-sso-secret';
const AGENT = 'agent1';
const PHONE = '101';
const TIMEOUT = 15_000;

// ---- the CRM: a page, its script, and the back end that makes SSO tokens ------------------------

// What the CRM's back end does for SSO: base64(sha1_binary(secret + username + timestamp) + username + timestamp).
function ssoToken(secret, username, timestamp = Math.floor(Date.now() / 1000)) {
  const digest = crypto.createHash('sha1').update(secret + username + timestamp).digest();
  return Buffer.concat([digest, Buffer.from(username + timestamp)]).toString('base64');
}

const page_html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test CRM</title></head>
<body>
  <div id="ucsOperator">Loading agent bar...</div>
  <script src="/crm.js"></script>
  <script src="${UCSD_URL}/operator/operator-v4.0.0.js"></script>
  <script src="/after-tag.js"></script>
</body></html>`;

// The CRM's integration: every callback is recorded in window.crmEvents for the test to read.
const crm_js = `
window.crmEvents = [];
const record = (name) => function (...args) { window.crmEvents.push({ name, args, self: this === window.ucsOperator }); };
window.ucsOperator = {
  renderTo: 'ucsOperator',
  listDevices: true,
  onError: record('onError'),
  onWarning: record('onWarning'),
  onConnect: record('onConnect'),
  onUser: record('onUser'),
  onIdentifier: record('onIdentifier'),
  onDevice: record('onDevice'),
  onReady: record('onReady'),
  onStateChange: record('onStateChange'),
  onCallRinging: record('onCallRinging'),
  onCallConnect: record('onCallConnect'),
  onCallHangup: record('onCallHangup'),
  onLoginError: record('onLoginError'),
  // Log in by SSO with a token from the CRM's back end...
  async onCredentials() {
    record('onCredentials').call(this);
    const { username, token } = await (await fetch('/sso-token')).json();
    this.sso(username, token, 'Test CRM');
  },
  // ...and pair the agent's desk phone.
  onIdentify(identifiers) {
    record('onIdentify').call(this, identifiers);
    this.selectIdentifier('${PHONE}');
  },
};`;

// Runs right after the script tag, before the page's load event.
const after_tag_js = `
window.crmAfterTag = {
  readyState: document.readyState,
  methods: Object.keys(window.ucsOperator).filter((k) => typeof window.ucsOperator[k] === 'function' && !k.startsWith('on')),
  state: window.ucsOperator.state(),
};`;

function startCrm() {
  const ucsd = new URL(UCSD_URL);
  const csp =
    `default-src 'self'; script-src 'self' ${ucsd.origin} 'wasm-unsafe-eval'; ` +
    `connect-src 'self' ${ucsd.origin} ${ucsd.protocol === 'https:' ? 'wss' : 'ws'}://${ucsd.host}`;
  const files = {
    '/': ['text/html; charset=utf-8', () => page_html],
    '/crm.js': ['text/javascript', () => crm_js],
    '/after-tag.js': ['text/javascript', () => after_tag_js],
    '/favicon.ico': ['image/x-icon', () => ''],
    '/sso-token': ['application/json', () => JSON.stringify({ username: AGENT, token: ssoToken(SSO_SECRET, AGENT) })],
  };
  const server = http.createServer((request, response) => {
    const file = files[new URL(request.url, 'http://crm').pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': file[0], 'Content-Security-Policy': csp, 'Cache-Control': 'no-store' });
    response.end(file[1]());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- ucsd's sandbox API -------------------------------------------------------------------------

let bearer;
async function api(method, path, body) {
  if (!bearer) {
    const answer = await fetch(`${UCSD_URL}/login/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'sandbox', client_secret: 'sandbox', grant_type: 'client_credentials' }),
    });
    assert.equal(answer.status, 200, 'the sandbox REST client is accepted');
    bearer = (await answer.json()).access_token;
  }
  const answer = await fetch(UCSD_URL + path, {
    method,
    headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await answer.json();
  assert.ok(answer.ok, `${method} ${path}: ${answer.status} ${JSON.stringify(json)}`);
  return json;
}

// ---- the browser ---------------------------------------------------------------------------------

let crm, browser, page;
const pageLog = [];

// Waits for the next callback `name` recorded after index `from` that satisfies `match`; returns it.
async function callback(name, match = () => true, from = 0) {
  const found = await page
    .waitForFunction(
      ([wanted, start]) => window.crmEvents.slice(start).find((e) => e.name === wanted) || null,
      [name, from],
      { timeout: TIMEOUT, polling: 50 },
    )
    .catch(async (error) => {
      await page.screenshot({ path: `test-results/failed-${name}.png`, fullPage: true });
      const seen = await page.evaluate(() => window.crmEvents.map((e) => e.name).join(', '));
      throw new Error(`no ${name} callback; seen: ${seen}\n${pageLog.join('\n')}`, { cause: error });
    });
  const event = await found.jsonValue();
  assert.ok(match(...event.args), `${name}${JSON.stringify(event.args).slice(0, 300)}`);
  assert.equal(event.self, true, `${name} is called with this === window.ucsOperator`);
  return event;
}
const eventCount = () => page.evaluate(() => window.crmEvents.length);

before(async () => {
  const status = await fetch(`${UCSD_URL}/operator/operator-v4.0.0.js`, { method: 'HEAD' }).catch(() => null);
  assert.ok(status && status.ok, `ucsd must be running at ${UCSD_URL} (start it with: ucsd --demo)`);
  crm = await startCrm();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
  page = await browser.newPage();
  page.on('console', (message) => pageLog.push(`[console.${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => pageLog.push(`[pageerror] ${error.message}`));
  await page.goto(`http://127.0.0.1:${crm.address().port}/`);
});

after(async () => {
  await browser?.close();
  crm?.close();
});

test('the script tag installs every method at once, before the page has loaded', async () => {
  const early = await page.evaluate(() => window.crmAfterTag);
  assert.notEqual(early.readyState, 'complete');
  for (const method of [
    'login', 'sso', 'logout', 'selectIdentifier', 'identifier', 'provision', 'identify', 'changeStatus', 'suspend',
    'resume', 'answer', 'dial', 'hangup', 'transfer', 'finishTransfer', 'blindTransfer', 'tribute', 'unhold',
    'mute', 'notify', 'state', 'setAccountCode', 'selectRingingSound', 'testRingingSound', 'stopRingingSoundTest',
  ]) {
    assert.ok(early.methods.includes(method), `ucsOperator.${method} is installed`);
  }
  assert.equal(early.state, null, 'state() is null until READY');
});

test('connects to UCS and logs in by SSO', async () => {
  await callback('onConnect', (version) => version === '4.0.0');
  await callback('onCredentials');
  await callback('onUser', (user) => user.displayname === 'Alice Nováková' && typeof user.queues === 'object');
});

test(`pairs phone ${PHONE} and is ready`, async () => {
  await callback('onDevice', (device) => device.identifier === PHONE);
  // A phone the agent still has paired from a session that ended moments ago (ucsd keeps it for a
  // resume) is taken over without asking; otherwise the bar asks and the CRM answers.
  const names = await page.evaluate(() => window.crmEvents.map((e) => e.name));
  if (names.includes('onIdentify')) {
    await callback('onIdentify', (identifiers) => identifiers.some((d) => d.identifier === PHONE));
    await callback('onIdentifier', (identifier) => identifier === PHONE);
  }
  await callback('onReady', (state) => state.user.displayname === 'Alice Nováková' && state.device.identifier === PHONE);
  const state = await page.evaluate(() => window.ucsOperator.state());
  assert.equal(state.device.identifier, PHONE);
  assert.ok(['default', 'christmas', 'lovingYou', 'quest', 'rush'].includes(state.ringingSound));
});

test('changeStatus("READY") reports the new state', async () => {
  const from = await eventCount();
  const result = await page.evaluate(() => window.ucsOperator.changeStatus('READY'));
  assert.equal(result.status, 'READY');
  await callback('onStateChange', (state) => state.status === 'READY', from);
});

test('a queue call rings, connects and hangs up', async () => {
  const from = await eventCount();
  const { uniqueid } = await api('POST', '/api/v1.0/sandbox/calls', { from: '+420777123456', queue: 1, caller_name: 'Jan Novák' });
  const ringing = await callback('onCallRinging', (call) => call.uniqueid === uniqueid && call.direction === 'INCOMING', from);
  assert.equal(ringing.args[0].number, '+420777123456');

  // The agent lifts the desk phone's handset (ucsOperator.answer() works as well).
  await api('POST', `/api/v1.0/sandbox/devices/${PHONE}/offhook`);
  await callback('onCallConnect', (call) => call.uniqueid === uniqueid && call.state === 3, from);
  assert.equal((await page.evaluate(() => window.ucsOperator.state())).call.uniqueid, uniqueid);

  await api('POST', `/api/v1.0/sandbox/calls/${uniqueid}/hangup`);
  await callback('onCallHangup', (call) => call.uniqueid === uniqueid && call.cause === 3, from);
  assert.equal((await page.evaluate(() => window.ucsOperator.state())).call, null);
});

test('a method in a state that does not allow it warns and rejects with INVALID_STATE', async () => {
  const from = await eventCount();
  const error = await page.evaluate(() => window.ucsOperator.login('someone', 'secret').then(() => null, (e) => e));
  assert.equal(error.code, 'INVALID_STATE');
  await callback('onWarning', (message) => message.includes('login'), from);
});
