// The agent bar beside comparable browser SDKs, in one interleaved run: bytes (raw / gzip -9 /
// brotli) and the time from the script tag to ready, in headless Chromium at 1x and 4x CPU throttling.
//   node bench/peers.mjs [--loads=30]
//
// Peers (their published browser builds, fetched with npm at bench time into
// $UCS_CACHE_DIR/peers, never committed): jssip 3.12, sip.js 0.16, the Twilio Voice SDK 2.18, and
// RingCentral's web phone 2 (published as ES modules only: bundled here with esbuild into one minified
// script, as a CRM would). "Ready" for a peer is its script evaluated (a script right after its tag
// records the time); for the bar it is onConnect, which also includes the wasm, the WebSocket and the
// `hello` round trip against a real `ucsd --demo`. The bar is measured headless and with its GUI, and a
// reference page measures the network part of that alone (the wasm fetch and a WebSocket `hello`).
// Every load gets a fresh browser context (cold cache); subjects and rates are interleaved, rotating
// the order each round; one uncounted warm-up round.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { CrmServer, DIST, Ucsd, barPage, launchBrowser, requireBundle } from '../tests/e2e/support/harness.mjs';
import { benchUcsd, isMain, kib, machine, ms, option, percentile, printTable } from './lib.mjs';

const CACHE = path.join(process.env.UCS_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ucs-operator'), 'peers');
const PACKAGES = ['jssip@3.12', 'sip.js@0.16', '@twilio/voice-sdk@2.18', 'ringcentral-web-phone@2'];
const RATES = [1, 4];

// name -> the file a CRM would load (relative to the cache's node_modules, or built by build()).
const PEERS = [
  { name: 'jssip 3.12', file: 'jssip/dist/jssip.min.js' },
  { name: 'sip.js 0.16', file: 'sip.js/dist/sip.min.js' },
  { name: 'Twilio Voice SDK 2.18', file: '@twilio/voice-sdk/dist/twilio.min.js' },
  { name: 'RingCentral web phone 2', file: 'ringcentral-web-phone.bundle.min.js', build: bundleRingCentral },
];

const gzip = (data) => zlib.gzipSync(data, { level: 9 });
const brotli = (data) =>
  zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });

// npm install into the cache, once (the lockfile it writes there keeps later runs on the same versions).
function fetchPeers() {
  const marker = path.join(CACHE, '.installed');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === PACKAGES.join(' ')) return;
  fs.mkdirSync(CACHE, { recursive: true });
  const manifest = path.join(CACHE, 'package.json');
  if (!fs.existsSync(manifest)) fs.writeFileSync(manifest, '{"name":"ucs-bench-peers","private":true}\n');
  console.error(`# bench/peers: npm install ${PACKAGES.join(' ')} into ${CACHE}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...PACKAGES],
    { cwd: CACHE, stdio: ['ignore', 'inherit', 'inherit'] });
  fs.writeFileSync(marker, PACKAGES.join(' '));
}

async function bundleRingCentral(out) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(CACHE, 'node_modules', 'ringcentral-web-phone', 'dist', 'index.mjs')],
    bundle: true, minify: true, format: 'iife', globalName: 'RingCentralWebPhone', platform: 'browser',
    outfile: out, logLevel: 'warning',
  });
}

// The peers' files, each with its .gz and .br, as a CDN would serve them.
async function preparePeers() {
  fetchPeers();
  const served = path.join(CACHE, 'served');
  fs.mkdirSync(served, { recursive: true });
  for (const peer of PEERS) {
    const source = path.join(CACHE, 'node_modules', peer.file);
    if (peer.build && !fs.existsSync(source)) await peer.build(source);
    const data = fs.readFileSync(source);
    peer.url = `/${path.basename(peer.file)}`;
    peer.bytes = { raw: data.length, gzip: gzip(data), brotli: brotli(data) };
    peer.data = data;
  }
}

// Serves the peers' scripts from their own origin (like a CDN): brotli or gzip as accepted.
function startPeerServer() {
  const server = http.createServer((req, res) => {
    const peer = PEERS.find((p) => p.url === req.url);
    if (!peer) {
      res.writeHead(404).end();
      return;
    }
    const accept = String(req.headers['accept-encoding'] || '');
    const headers = {
      'content-type': 'text/javascript; charset=utf-8', 'access-control-allow-origin': '*',
      'cache-control': 'public, max-age=31536000, immutable', vary: 'Accept-Encoding',
    };
    let body = peer.data;
    if (/\bbr\b/.test(accept)) [body, headers['content-encoding']] = [peer.bytes.brotli, 'br'];
    else if (/\bgzip\b/.test(accept)) [body, headers['content-encoding']] = [peer.bytes.gzip, 'gzip'];
    res.writeHead(200, headers).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// The network part of the bar's ready, alone: a page whose script (right where the bar's tag would be)
// fetches the bar's wasm and, in parallel, opens a WebSocket to ucsd and waits for the answer to
// `hello`; ready when both are done. No engine, no compile: what the bar cannot go below on this machine.
function floorPage(crm, ucsd) {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test CRM</title></head>
<body>
<h1>Test CRM</h1>
<script src="/marker.js"></script>
<script src="config.js"></script>
</body>
</html>
`;
  const hello = JSON.stringify({ jsonrpc: '2.0', id: 'hello', method: 'hello', params: { protocol: 'ucs-agent/1' } });
  const configJs = `(function () {
  var left = 2;
  var done = function () { if (--left === 0) window.peerT = performance.now(); };
  fetch(${JSON.stringify(`${ucsd.origin}/operator/operator-v4.0.0.wasm`)}).then(function (r) { return r.arrayBuffer(); }).then(done);
  var ws = new WebSocket(${JSON.stringify(`ws://127.0.0.1:${ucsd.port}/ws`)});
  ws.onopen = function () { ws.send(${JSON.stringify(hello)}); };
  ws.onmessage = done;
})();
`;
  return crm.addPage({ html, configJs });
}

function peerPage(crm, scriptUrl) {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test CRM</title></head>
<body>
<h1>Test CRM</h1>
<script src="/marker.js"></script>
<script src="${scriptUrl}"></script>
<script src="config.js"></script>
</body>
</html>
`;
  // config.js runs right after the peer's script: the time it was evaluated.
  return crm.addPage({ html, configJs: 'window.peerT = performance.now();\n' });
}

// One load in a fresh context at `rate`x CPU throttling; the ms from the script tag to ready.
async function load(browser, url, rate, ready) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(ready, null, { timeout: 60_000, polling: 20 });
    return await page.evaluate(ready);
  } finally {
    await context.close();
  }
}

const peerReady = () => (window.peerT === undefined ? null : window.peerT - window.crmT0);
const barReady = () => {
  if (window.crm.count('onError') > 0) throw new Error(`onError: ${JSON.stringify(window.crm.last('onError'))}`);
  const e = window.crm.list('onConnect')[0];
  return e ? e.t - window.crmT0 : null;
};

export async function measure({ loads = option('loads', 30) } = {}) {
  requireBundle();
  await preparePeers();
  process.env.UCSD ||= benchUcsd();
  const ucsd = await new Ucsd().start();
  const crm = await new CrmServer().start();
  const peerServer = await startPeerServer();
  const peerOrigin = `http://127.0.0.1:${peerServer.address().port}`;
  const browser = await launchBrowser();
  const env = { ucsd, crm };
  const loadBefore = os.loadavg();

  const barBytes = (() => {
    const files = ['operator-v4.0.0.js', 'operator-v4.0.0.wasm'].map((f) => fs.readFileSync(path.join(DIST, f)));
    const sum = (f) => files.reduce((total, data) => total + f(data), 0);
    return { raw: sum((d) => d.length), gzip: sum((d) => gzip(d).length), brotli: sum((d) => brotli(d).length) };
  })();
  const subjects = [
    { name: 'ucs operator.js, headless', ours: true, bytes: barBytes, page: () => barPage(env, { options: { headless: true } }), ready: barReady },
    { name: 'ucs operator.js, with GUI', ours: true, bytes: barBytes, page: () => barPage(env, {}), ready: barReady },
    {
      name: 'reference: wasm fetch + WebSocket hello alone', reference: true, bytes: null,
      page: () => floorPage(crm, ucsd), ready: peerReady,
    },
    ...PEERS.map((peer) => ({
      name: peer.name,
      bytes: { raw: peer.bytes.raw, gzip: peer.bytes.gzip.length, brotli: peer.bytes.brotli.length },
      page: () => peerPage(crm, peerOrigin + peer.url),
      ready: peerReady,
    })),
  ];
  const samples = new Map(subjects.flatMap((s) => RATES.map((rate) => [`${s.name}@${rate}`, []])));
  try {
    for (let round = -1; round < loads; round += 1) {
      for (const rate of RATES) {
        const shift = ((round % subjects.length) + subjects.length) % subjects.length;
        for (const subject of [...subjects.slice(shift), ...subjects.slice(0, shift)]) {
          const t = await load(browser, subject.page(), rate, subject.ready);
          if (round >= 0) samples.get(`${subject.name}@${rate}`).push(t);
        }
      }
    }
  } finally {
    await browser.close();
    await new Promise((resolve) => peerServer.close(resolve));
    await crm.stop();
    await ucsd.dispose();
  }
  const loadAfter = os.loadavg();

  const bytesRows = subjects.filter((s, i) => i !== 1 && s.bytes).map((s) => ({
    bench: 'peers', metric: `${s.ours ? 'ucs operator.js (js + wasm)' : s.name} raw / gzip -9 / brotli`,
    value: `${kib(s.bytes.raw)} / ${kib(s.bytes.gzip)} / ${kib(s.bytes.brotli)}`,
    note: s.ours ? '' : `ours / theirs gzip ${(barBytes.gzip / s.bytes.gzip).toFixed(2)}x, brotli ${(barBytes.brotli / s.bytes.brotli).toFixed(2)}x`,
  }));
  const timeRows = [];
  for (const rate of RATES) {
    const median = (s) => percentile(samples.get(`${s.name}@${rate}`), 50);
    for (const s of subjects) {
      const values = samples.get(`${s.name}@${rate}`);
      const ratios = s.ours
        ? subjects.filter((p) => !p.ours && !p.reference).map((p) => `${p.name.split(' ')[0]} ${(median(s) / median(p)).toFixed(2)}`).join(', ')
        : '';
      timeRows.push({
        bench: 'peers', metric: `${rate}x CPU: ${s.name} -> ${s.ours ? 'onConnect' : s.reference ? 'done' : 'evaluated'}`,
        value: `p50 ${ms(median(s))}, p90 ${ms(percentile(values, 90))}`,
        note: ratios ? `median ratio ours/theirs: ${ratios}` : '',
      });
    }
  }
  timeRows.push({
    bench: 'peers', metric: 'machine load average (1, 5, 15 min)',
    value: `${loadBefore.map((l) => l.toFixed(2)).join(' ')} -> ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
    note: `before -> after; ${loads} loads per subject and rate, fresh context each`,
  });
  return [...bytesRows, ...timeRows];
}

if (isMain(import.meta.url)) {
  console.log(`# bench/peers — ${new Date().toISOString()}\n# ${machine()}\n# ucsd ${benchUcsd()}, bar from ${DIST}\n# peers from ${CACHE}`);
  printTable(await measure());
}
