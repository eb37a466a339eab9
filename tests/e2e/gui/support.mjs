// Support for the GUI end-to-end tests (tests/e2e/gui/): a real ucsd --demo, a CRM web server on another
// origin (external scripts only), Debian's Chromium through playwright-core, the sandbox REST API, and
// screenshots of the bar in test-results/gui/.
//
// Environment: UCSD (ctest sets it; default build/native-debug, then build/lead), UCS_DIST (default
// dist/operator), CHROMIUM (default /usr/bin/chromium).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DIST = path.resolve(process.env.UCS_DIST || path.join(REPO, 'dist', 'operator'));
export const SHOTS = path.join(REPO, 'test-results', 'gui');
export const WAIT_MS = 30_000;

// The GUI's own string tables (web/gui/strings.js), so tests find controls by their visible labels in
// either language (the demo users' locale is cs: after login the bar speaks Czech).
export const STRINGS = (() => {
  const sandbox = {};
  vm.runInNewContext(fs.readFileSync(path.join(REPO, 'web', 'gui', 'strings.js'), 'utf8'), sandbox);
  return sandbox.UCS_GUI_STRINGS;
})();

function ucsdBinary() {
  if (process.env.UCSD) return process.env.UCSD;
  for (const dir of ['native-debug', 'native-release', 'lead']) {
    const candidate = path.join(REPO, 'build', dir, 'src', 'server', 'ucsd');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('ucsd not found: build it or set UCSD');
}

export async function startUcsd() {
  if (!fs.existsSync(path.join(DIST, 'operator-v4.0.0.js'))) throw new Error(`the bundle is missing in ${DIST}: build the wasm preset first`);
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'ucsd-gui-'));
  let log = '';
  let child = null;
  const spawnOn = (wanted) => new Promise((resolve, reject) => {
    child = spawn(ucsdBinary(), ['--demo', '--listen', `127.0.0.1:${wanted}`, '--data', data, '--dist', DIST], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.on('data', (t) => (log = (log + t).slice(-20000)));
    const timer = setTimeout(() => reject(new Error('ucsd did not start: ' + log)), 30_000);
    let out = '';
    child.stdout.on('data', (t) => {
      out += t;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`ucsd exited (${code}): ${log}`)));
  });
  const port = await spawnOn(0);
  const origin = `http://127.0.0.1:${port}`;
  let token = null;
  const rest = async (method, url, body) => {
    if (!token) {
      const r = await fetch(origin + '/login/oauth2/token', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'sandbox', client_secret: 'sandbox', grant_type: 'client_credentials' }),
      });
      token = (await r.json()).access_token;
    }
    const r = await fetch(origin + url, {
      method, headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    port, origin, scriptUrl: `${origin}/operator/operator-v4.0.0.js`, rest,
    log: () => log,
    // Stopped (SIGTERM) and started again on the same data directory and port.
    async restart() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      token = null;
      for (let attempt = 0; ; attempt++) {
        try {
          await spawnOn(port);
          return;
        } catch (error) {
          if (attempt > 50) throw error; // the port may take a moment to be free again
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
    stop() {
      child.kill('SIGTERM');
      fs.rmSync(data, { recursive: true, force: true });
    },
  };
}

// The CRM: pages by path, each with its own config script and optional stylesheet; external scripts only.
export async function startCrm() {
  const files = new Map();
  const server = http.createServer((req, res) => {
    const file = files.get(new URL(req.url, 'http://x').pathname);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store', ...(file.headers || {}) }).end(file.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  let n = 0;
  return {
    origin,
    // A page with the bar: config = window.ucsOperator, css = the CRM's own global stylesheet.
    page({ ucsd, config, css = '', headers, before = '<h1>Acme CRM</h1>' }) {
      const id = ++n;
      const configJs = `window.ucsOperator = ${JSON.stringify({ api: { hostname: '127.0.0.1', port: ucsd.port }, renderTo: 'ucsOperator', ...config })};\n`;
      files.set(`/config-${id}.js`, { type: 'text/javascript', body: configJs });
      files.set(`/crm-${id}.css`, { type: 'text/css', body: css });
      files.set(`/page-${id}.html`, {
        type: 'text/html; charset=utf-8', headers,
        body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CRM ${id}</title>
<link rel="stylesheet" href="/crm-${id}.css"></head><body>${before}
<div id="ucsOperator">Loading agent bar...</div>
<script src="/config-${id}.js"></script>
<script src="${ucsd.scriptUrl}"></script>
</body></html>`,
      });
      return `${origin}/page-${id}.html`;
    },
    stop: () => server.close(),
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.locator('#ucsOperator').screenshot({ path: path.join(SHOTS, name + '.png'), animations: 'disabled' });
}

// Errors on the page fail the test: a GUI exception is logged by the bindings with console.error.
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /GUI|ucsOperator/.test(m.text())) problems.push('console: ' + m.text());
  });
  return problems;
}

// One ucsd --demo, one CRM server and one browser for a test file: started before its first test and
// stopped after its last. The fields are set once `before` has run.
export function guiSuite() {
  const env = { ucsd: null, crm: null, browser: null };
  before(async () => {
    env.ucsd = await startUcsd();
    env.crm = await startCrm();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    env.crm?.stop();
    env.ucsd?.stop();
  });
  return env;
}
