// End-to-end support: a real ucsd per test file, a CRM web server on another origin, a TCP proxy
// that can sever the bar's sockets, Debian's Chromium through playwright-core, and a `Bar` handle
// that waits on the callbacks the page recorded (tests/e2e/support/crm.js) instead of sleeping.
//
// Environment:
//   UCSD      the ucsd binary (ctest sets it); default build/native-debug, then build/native-release
//   UCS_DIST  the built agent bar (dist/operator); the tests fail, not skip, when it is missing
//   CHROMIUM  the browser (default /usr/bin/chromium); never a downloaded one
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { before, after } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const SUPPORT = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(SUPPORT, '..', '..', '..');
export const VERSION = '4.0.0';
export const BUNDLE_JS = `operator-v${VERSION}.js`;
export const BUNDLE_WASM = `operator-v${VERSION}.wasm`;
export const DIST = path.resolve(process.env.UCS_DIST || path.join(REPO, 'dist', 'operator'));
export const RESULTS_DIR = path.join(REPO, 'test-results', 'e2e');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];
export const SSO_SECRET = 'demo-sso-secret';
// Generous: a Debug ucsd and a cold wasm compile on a loaded 2-core machine.
export const WAIT_MS = 30_000;
export const TEST_TIMEOUT_MS = 180_000;

// The integration document's methods (and the `hold` alias from API-DECISIONS.md).
export const DOCUMENTED_METHODS = [
  'login', 'sso', 'logout', 'selectIdentifier', 'identifier', 'provision', 'identify', 'changeStatus',
  'suspend', 'resume', 'answer', 'dial', 'hangup', 'transfer', 'finishTransfer', 'blindTransfer', 'tribute',
  'hold', 'unhold', 'mute', 'notify', 'state', 'setAccountCode', 'selectRingingSound', 'testRingingSound',
  'stopRingingSoundTest',
];
// onReady(state) and state(): the document's fields plus ringingSound (API-DECISIONS.md).
export const READY_STATE_FIELDS = [
  'status', 'reason', 'call', 'user', 'device', 'auxReasons', 'callReasons', 'queues', 'groups', 'agents',
  'waitingCallers', 'now', 'ringingSound', 'audio',
];
const vector = (name) => JSON.parse(fs.readFileSync(path.join(REPO, 'tests', 'vectors', name), 'utf8'));
// The Call and User objects' documented fields, from the golden vectors (checked against the document
// by tests/spec/field_names_check.py).
export const CALL_FIELDS = Object.keys(vector('call_full.json')).sort();
export const USER_FIELDS = Object.keys(vector('user_full.json')).sort();

// ---- the pieces under test -----------------------------------------------------------------------

export function ucsdBinary() {
  if (process.env.UCSD) {
    if (!fs.existsSync(process.env.UCSD)) throw new Error(`UCSD=${process.env.UCSD} does not exist`);
    return process.env.UCSD;
  }
  for (const preset of ['native-debug', 'native-release']) {
    const candidate = path.join(REPO, 'build', preset, 'src', 'server', 'ucsd');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('ucsd not found: build it (cmake --preset native-debug && cmake --build --preset native-debug) or set UCSD');
}

// The agent bar must have been built: a missing bundle is a failure, never a skip.
export function requireBundle() {
  const missing = [BUNDLE_JS, BUNDLE_WASM].filter((f) => !fs.existsSync(path.join(DIST, f)));
  if (missing.length > 0) {
    throw new Error(
      `the agent bar bundle is missing: ${missing.map((f) => path.join(DIST, f)).join(', ')}\n` +
        'build it first: source toolchain/env.sh; cmake --preset wasm-release && cmake --build --preset wasm-release ' +
        '(or point UCS_DIST at a dist/operator directory)',
    );
  }
}

const LISTENING = /^ucsd listening on (https?):\/\/([^ ]+):(\d+)\/ \(data: (.*)\)$/;

// One ucsd with its own data directory. start() on port 0 first; restart() keeps data and port.
export class Ucsd {
  constructor({ args = [] } = {}) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'ucsd-e2e-'));
    this.dataDir = path.join(this.root, 'data');
    this.logPath = path.join(this.root, 'stderr.log');
    this.extraArgs = args;
    this.port = 0;
    this.child = null;
    this.stderrTail = '';
    this.accessToken = null;
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  get scriptUrl() {
    return `${this.origin}/operator/${BUNDLE_JS}`;
  }

  async start() {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await this.#spawn();
      } catch (error) {
        // A restart on the same port can race the kernel releasing it: retry that, nothing else.
        const portBusy = this.port !== 0 && /in use|bind|listen/i.test(error.message);
        if (!portBusy || Date.now() > deadline) throw error;
        await delay(200);
      }
    }
  }

  #spawn() {
    const args = ['--demo', '--listen', `127.0.0.1:${this.port}`, '--data', this.dataDir, '--dist', DIST, ...this.extraArgs];
    const child = spawn(ucsdBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const log = fs.createWriteStream(this.logPath, { flags: 'a' });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      log.write(text);
      this.stderrTail = (this.stderrTail + text).slice(-20_000);
    });
    child.on('exit', () => log.end());
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`ucsd did not report listening within 30 s; stderr:\n${this.stderrTail}`)), 30_000);
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        const match = LISTENING.exec(line);
        if (!match || settled) return;
        settled = true;
        clearTimeout(timer);
        this.port = Number(match[3]);
        resolve(this);
      });
      child.on('error', fail);
      child.on('exit', (code, signal) => fail(new Error(`ucsd exited (${code ?? signal}) before listening; stderr:\n${this.stderrTail}`)));
    });
  }

  async #signal(signal, graceMs) {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    let timer;
    const grace = new Promise((resolve) => { timer = setTimeout(resolve, graceMs, false); });
    const done = await Promise.race([exited.then(() => true), grace]);
    clearTimeout(timer); // a pending grace timer would keep node alive after the tests
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  // SIGTERM: ucsd closes every WebSocket with 1001 and exits.
  stop() {
    return this.#signal('SIGTERM', 10_000);
  }

  // SIGKILL: a crash; nothing is said to the clients.
  kill() {
    return this.#signal('SIGKILL', 10_000);
  }

  async restart({ signal = 'SIGKILL' } = {}) {
    if (signal === 'SIGKILL') await this.kill();
    else await this.stop();
    this.accessToken = null;
    return this.start();
  }

  async dispose() {
    await this.stop();
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  // ---- REST and sandbox API ----
  async token() {
    if (!this.accessToken) {
      const reply = await this.rest('POST', '/login/oauth2/token',
        { client_id: 'sandbox', client_secret: 'sandbox', grant_type: 'client_credentials' }, { auth: false });
      this.accessToken = reply.access_token;
    }
    return this.accessToken;
  }

  async rest(method, urlPath, body, { auth = true, expect = [200, 201, 204] } = {}) {
    const headers = { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${await this.token()}`;
    const response = await fetch(this.origin + urlPath, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!expect.includes(response.status)) {
      throw new Error(`${method} ${urlPath} -> ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : null;
  }

  // An outside caller calls a queue; returns the call's uniqueid.
  async ringQueue({ queue = 1, from = '+420601234567', caller_name: callerName, data } = {}) {
    const body = { from, queue };
    if (callerName) body.caller_name = callerName;
    if (data) body.data = data;
    return (await this.rest('POST', '/api/v1.0/sandbox/calls', body)).uniqueid;
  }

  farEndHangup(uniqueid) {
    return this.rest('POST', `/api/v1.0/sandbox/calls/${encodeURIComponent(uniqueid)}/hangup`, {});
  }

  activeCalls() {
    return this.rest('GET', '/api/v1.0/calls');
  }

  agents() {
    return this.rest('GET', '/api/v1.0/agents');
  }
}

// base64(sha1_binary(secret + username + timestamp) + username + timestamp), computed here
// independently of the product. Timestamps are Unix seconds.
export function ssoToken(username, timestamp, secret = SSO_SECRET) {
  const tail = `${username}${timestamp}`;
  const digest = crypto.createHash('sha1').update(secret + tail, 'utf8').digest();
  return Buffer.concat([digest, Buffer.from(tail, 'utf8')]).toString('base64');
}

// A token never handed out before by this process: the server refuses a token used twice, and two
// logins of one user within a second would otherwise get the same one.
const usedSso = new Set();
export function freshSsoToken(username) {
  let ts = Math.floor(Date.now() / 1000);
  while (usedSso.has(`${username}/${ts}`)) ts -= 1;
  usedSso.add(`${username}/${ts}`);
  return ssoToken(username, ts);
}

// Forwards TCP to ucsd; sever() drops every connection at once, block() refuses new ones.
export class TcpProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.pairs = new Set();
    this.blocked = false;
    this.accepted = 0;
    this.server = net.createServer((client) => this.#accept(client));
  }

  async start() {
    await new Promise((resolve, reject) => this.server.listen(0, '127.0.0.1', resolve).once('error', reject));
    this.port = this.server.address().port;
    return this;
  }

  #accept(client) {
    if (this.blocked) {
      client.destroy();
      return;
    }
    this.accepted += 1;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  get open() {
    return this.pairs.size;
  }

  sever() {
    for (const { client, upstream } of [...this.pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  block() {
    this.blocked = true;
  }

  unblock() {
    this.blocked = false;
  }

  async stop() {
    this.sever();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// ---- the CRM's web server (another origin than ucsd) ----------------------------------------------

const STATIC = {
  '/crm.js': 'crm.js',
  '/after-tag.js': 'after-tag.js',
  '/ws-spy.js': 'ws-spy.js',
  '/marker.js': 'marker.js',
  '/csp-probe.js': 'csp-probe.js',
};

export class CrmServer {
  constructor() {
    this.pages = new Map();
    this.nextId = 1;
    this.requests = [];
    this.server = http.createServer((req, res) => this.#handle(req, res));
  }

  async start() {
    await new Promise((resolve, reject) => this.server.listen(0, '127.0.0.1', resolve).once('error', reject));
    this.port = this.server.address().port;
    return this;
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  // A page at /p/<id>/ with its config at /p/<id>/config.js; returns the page URL.
  addPage({ html, configJs = '', headers = {} }) {
    const id = String(this.nextId++);
    this.pages.set(id, { html, configJs, headers });
    return `${this.origin}/p/${id}/`;
  }

  #handle(req, res) {
    const url = new URL(req.url, this.origin);
    this.requests.push(url.pathname);
    const send = (status, type, body, headers = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (STATIC[url.pathname]) {
      send(200, 'text/javascript; charset=utf-8', fs.readFileSync(path.join(SUPPORT, STATIC[url.pathname])));
      return;
    }
    const match = /^\/p\/(\d+)\/(config\.js)?$/.exec(url.pathname);
    const page = match && this.pages.get(match[1]);
    if (!page) {
      send(404, 'text/plain', 'not found');
      return;
    }
    if (match[2]) send(200, 'text/javascript; charset=utf-8', page.configJs, page.headers);
    else send(200, 'text/html; charset=utf-8', page.html, page.headers);
  }

  async stop() {
    this.server.closeAllConnections?.();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// A page in the integration document's shape, with every callback recorded (crm.callbacks()).
//   options   the window.ucsOperator parameters (api defaults to the test's ucsd)
//   throwing  callback names that record and then throw
//   spy       load ws-spy.js (records WebSocket frames)
//   div       the renderTo element exists
//   extraConfigJs  appended to config.js (the benchmarks' CRM actions)
export function barPage(env, { options = {}, throwing = [], spy = false, div = true, apiPort, headers = {}, scriptUrl, extraConfigJs = '' } = {}) {
  const config = { api: { hostname: '127.0.0.1', port: apiPort ?? env.ucsd.port }, renderTo: 'ucsOperator', ...options };
  const configJs =
    '// Generated by tests/e2e/support/harness.mjs for one test: the CRM\'s agent bar parameters.\n' +
    `window.ucsOperator = Object.assign(crm.callbacks(${JSON.stringify({ throwing })}), ${JSON.stringify(config, null, 2)});\n` +
    extraConfigJs;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Test CRM</title>
<script src="/crm.js"></script>
${spy ? '<script src="/ws-spy.js"></script>\n' : ''}</head>
<body>
<h1>Test CRM</h1>
<p>Customer: Jan Novák</p>
${div ? '<div id="ucsOperator">Loading agent bar...</div>\n' : ''}<script type="text/javascript" src="config.js"></script>
<script src="/marker.js"></script>
<script src="${scriptUrl ?? env.ucsd.scriptUrl}"></script>
<script src="/after-tag.js"></script>
</body>
</html>
`;
  return env.crm.addPage({ html, configJs, headers });
}

function replaceOnce(text, from, to) {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`snippet: expected exactly one ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

// The document's snippet (support/snippet-from-document.txt, copied verbatim) with only the UCS
// address changed: api -> the test's ucsd, script src -> the test's ucsd. The inline configuration
// script moves, unchanged, into config.js (pages here run external scripts only); the document's
// script tag lacks its </script>, without which a browser never runs it, so it is closed.
export function snippetPage(env) {
  const snippet = fs.readFileSync(path.join(SUPPORT, 'snippet-from-document.txt'), 'utf8');
  const inline = /<script type="text\/javascript">\n([\s\S]*?)<\/script>\n/.exec(snippet);
  if (!inline) throw new Error('snippet: no inline configuration script');
  const configJs = replaceOnce(inline[1], "api: { hostname: 'ucs.zakaznik.cz', port: 443 },",
    `api: { hostname: '127.0.0.1', port: ${env.ucsd.port} },`);
  let body = replaceOnce(snippet, inline[0], '<script type="text/javascript" src="config.js"></script>\n');
  body = replaceOnce(body, '<script src="https://ucs.zakaznik.cz/operator/operator-v4.0.0.js">',
    `<script src="${env.ucsd.scriptUrl}"></script>`);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Test CRM (the document's snippet)</title>
<script src="/crm.js"></script>
</head>
<body>
<h1>Test CRM</h1>
${body}
<script src="/after-tag.js"></script>
</body>
</html>
`;
  return { url: env.crm.addPage({ html, configJs }), configJs, html };
}

// ---- the browser ------------------------------------------------------------------------------------

// Audio tests add fake devices (a microphone playing a WAV in a loop) and, where a test needs sound
// without a click, the autoplay policy that allows it.
export const FAKE_MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];
export const AUTOPLAY_ARGS = ['--autoplay-policy=no-user-gesture-required'];

export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

const slug = (text) => text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 90);

// A Chromium whose fake microphone plays `wav` in a loop (the flag is per browser process: two
// microphones playing different tones need two browsers), sound allowed without a gesture.
export const fakeMicrophoneArgs = (wav) => [...FAKE_MEDIA_ARGS, ...AUTOPLAY_ARGS, `--use-file-for-fake-audio-capture=${wav}`];

// One per test file: ucsd, the CRM server and the browser (and with `proxy`, a TcpProxy in front of
// ucsd; with `browsers`, more browsers by name, each with its own arguments, in env.browsers),
// started before the first test. (One hook: node 20 does not order several root hooks.)
export function e2eSuite(fileUrl, { proxy = false, browserArgs = [], browsers = {} } = {}) {
  const env = { file: path.basename(fileURLToPath(fileUrl)).replace(/\.test\.mjs$/, ''), browsers: {} };
  before(async () => {
    requireBundle();
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    env.ucsd = await new Ucsd().start();
    if (proxy) env.proxy = await new TcpProxy(env.ucsd.port).start();
    env.crm = await new CrmServer().start();
    env.browser = await launchBrowser(browserArgs);
    for (const [name, args] of Object.entries(browsers)) env.browsers[name] = await launchBrowser(args);
  }, { timeout: 120_000 });
  after(async () => {
    for (const browser of Object.values(env.browsers)) await browser.close().catch(() => {});
    await env.browser?.close().catch(() => {});
    await env.proxy?.stop().catch(() => {});
    await env.crm?.stop().catch(() => {});
    await env.ucsd?.dispose();
  }, { timeout: 60_000 });
  return env;
}

// Runs `fn(bar)` in a fresh browser context; screenshots the page into test-results/e2e/ at the end
// (FAILED-… on failure, with a diagnostics log beside it); logs the agent out and closes the context.
// `browser` (default env.browser) and `label` (added to the screenshot's name) let one test nest a
// second bar, e.g. another agent in a browser with another microphone.
export async function withBar(t, env, fn, { checkThis = true, allowPageErrors = false, browser = env.browser, label = '' } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const bar = new Bar(env, context, page, t);
  const name = `${env.file}--${slug(t.name)}${label ? `--${label}` : ''}`;
  try {
    await fn(bar);
    if (checkThis) await bar.expectThisAlwaysBar();
    if (!allowPageErrors && bar.pageErrors.length > 0) {
      throw new Error(`uncaught errors in the page: ${bar.pageErrors.join(' | ')}`);
    }
    await bar.screenshot(name);
  } catch (error) {
    await bar.screenshot(`FAILED--${name}`).catch(() => {});
    const diagnostics = await bar.diagnostics().catch((e) => `diagnostics unavailable: ${e}`);
    fs.writeFileSync(path.join(RESULTS_DIR, `FAILED--${name}.log`), `${error.stack}\n\n${diagnostics}\n`);
    t.diagnostic(diagnostics);
    throw error;
  } finally {
    await bar.logoutQuietly();
    await context.close().catch(() => {});
  }
}

// Cuts every socket through env.proxy and keeps new ones out until `whileDown` has run; waits until
// the bar has noticed the drop first (so nothing can still arrive on the old socket) and until it
// says the connection is restored.
export async function outage(env, bar, whileDown = async () => {}) {
  const lostBefore = await bar.count('onWarning', 'connection to UCS lost; reconnecting');
  const restoredBefore = await bar.count('onInfo', 'connection to UCS restored');
  env.proxy.block();
  env.proxy.sever();
  await bar.wait('onWarning', { where: 'connection to UCS lost; reconnecting', count: lostBefore + 1 });
  await whileDown();
  env.proxy.unblock();
  await bar.wait('onInfo', { where: 'connection to UCS restored', count: restoredBefore + 1, timeout: 60_000 });
}

export class Bar {
  constructor(env, context, page, t) {
    this.env = env;
    this.context = context;
    this.page = page;
    this.t = t;
    this.console = [];
    this.pageErrors = [];
    page.on('console', (m) => this.console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => this.pageErrors.push(String(e && e.message)));
  }

  async open(url) {
    await this.page.goto(url, { waitUntil: 'load', timeout: WAIT_MS });
    return this;
  }

  // Waits until `count` callbacks `name` whose first argument contains `where` were recorded;
  // returns them all.
  async wait(name, { count = 1, where = null, timeout = WAIT_MS } = {}) {
    try {
      await this.page.waitForFunction(([n, w, c]) => window.crm && window.crm.count(n, w) >= c, [name, where, count],
        { timeout, polling: 50 });
    } catch (error) {
      const seen = await this.names().catch(() => []);
      throw new Error(`waited ${timeout} ms for ${count}× ${name}${where ? ` ${JSON.stringify(where)}` : ''}; ` +
        `callbacks so far: ${seen.join(', ')}\n(${error.message.split('\n')[0]})`);
    }
    return this.list(name, where);
  }

  async waitFor(fnInPage, arg, { timeout = WAIT_MS, what = 'condition' } = {}) {
    try {
      await this.page.waitForFunction(fnInPage, arg, { timeout, polling: 50 });
    } catch (error) {
      throw new Error(`waited ${timeout} ms for ${what}; callbacks so far: ${(await this.names().catch(() => [])).join(', ')}`);
    }
  }

  list(name, where = null) {
    return this.page.evaluate(([n, w]) => window.crm.list(n, w), [name, where]);
  }

  async args(name, where = null) {
    return (await this.list(name, where)).map((e) => e.args);
  }

  count(name, where = null) {
    return this.page.evaluate(([n, w]) => window.crm.count(n, w), [name, where]);
  }

  names() {
    return this.page.evaluate(() => window.crm.names());
  }

  events() {
    return this.page.evaluate(() => window.crm.events);
  }

  // window.ucsOperator[method](...args), settled: {ok: true, value} or {ok: false, error}.
  call(method, ...args) {
    return this.page.evaluate(([m, a]) => {
      const result = window.ucsOperator[m](...a);
      if (!result || typeof result.then !== 'function') return { ok: null, value: result === undefined ? null : result, notPromise: true };
      return result.then((value) => ({ ok: true, value: value === undefined ? null : value }), (error) => ({ ok: false, error }));
    }, [method, args]);
  }

  // The same, and the call must succeed.
  async ok(method, ...args) {
    const result = await this.call(method, ...args);
    if (result.ok !== true) throw new Error(`${method}(${args.map((a) => JSON.stringify(a)).join(', ')}) failed: ${JSON.stringify(result)}`);
    return result.value;
  }

  state() {
    return this.page.evaluate(() => window.ucsOperator.state());
  }

  // Credentials -> SSO with a token the test computes itself.
  async ssoLogin(username, { provider } = {}) {
    await this.wait('onCredentials');
    const args = [username, freshSsoToken(username)];
    if (provider) args.push(provider);
    return this.ok('sso', ...args);
  }

  // Up to onReady: SSO login, then pairing by `identifier` unless the page pairs by itself.
  async ready(username, identifier) {
    await this.ssoLogin(username);
    if (identifier) {
      await this.wait('onIdentify');
      await this.ok('selectIdentifier', identifier);
    }
    const [ready] = await this.wait('onReady');
    return ready.args[0];
  }

  async expectThisAlwaysBar() {
    const wrong = await this.page.evaluate(() => window.crm.events.filter((e) => !e.self).map((e) => e.name));
    if (wrong.length > 0) throw new Error(`callbacks called with this !== window.ucsOperator: ${wrong.join(', ')}`);
  }

  async screenshot(name) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    await this.page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`), fullPage: true, timeout: 10_000 });
  }

  async diagnostics() {
    const events = await this.page.evaluate(() => window.crm ? window.crm.events.slice(-60) : []).catch(() => []);
    const lines = events.map((e) => `  ${e.t.toFixed(0).padStart(7)} ms ${e.name} ${JSON.stringify(e.args).slice(0, 300)}`);
    return [
      `page: ${this.page.url()}`,
      'callbacks (last 60):', ...lines,
      'console (last 40):', ...this.console.slice(-40).map((l) => `  ${l}`),
      'page errors:', ...this.pageErrors.map((l) => `  ${l}`),
      'ucsd stderr (tail):', this.env.ucsd ? this.env.ucsd.stderrTail.slice(-4000) : '',
    ].join('\n');
  }

  // Frees the agent and the phone on the server for the next test (a session that merely
  // disconnects stays for 120 s awaiting a resume).
  async logoutQuietly() {
    try {
      await this.page.evaluate(() => {
        const bar = window.ucsOperator;
        if (!bar || typeof bar.logout !== 'function') return null;
        return Promise.race([bar.logout().catch(() => null), new Promise((r) => setTimeout(r, 5000))]);
      });
    } catch {
      // the page is gone or broken: the server's resume timeout cleans up
    }
  }
}
